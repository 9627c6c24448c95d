"""Escalation of likely churners: conversation signals, live risk, handoff packet.

Pure logic only: no database, HTTP or model code. The handoff records and their
storage live in :mod:`actions.handoffs`.
"""

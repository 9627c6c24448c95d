"""Handoffs to a person: storage, the outage spool and the ``list`` CLI.

Run ``python -m actions.handoffs --help``. The packets themselves are built by
the pure :mod:`actions.escalation`.
"""

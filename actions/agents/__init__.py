"""Agent console accounts: scrypt passwords, sign-in, session tokens and a CLI.

Run ``python -m actions.agents --help``. The console itself (the websocket
channel) lives in :mod:`bot.channels`; it calls :mod:`actions.agents.accounts`
to sign agents in and :mod:`actions.agents.tokens` to keep them signed in.
"""

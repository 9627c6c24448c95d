"""Action-server latency benchmark (``python -m actions.bench``); see cli.py."""

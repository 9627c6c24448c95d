#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10 only).
# Looks at $PYTHON310, pyenv's versions, then python3.10 / python3 on PATH.
set -euo pipefail

is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }

candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for d in $(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V -r); do candidates+=("$d/bin/python"); done
fi
for d in $(ls -d "$HOME"/.pyenv/versions/3.10.* 2>/dev/null | sort -V -r); do candidates+=("$d/bin/python"); done
for n in python3.10 python3 python; do
  p=$(command -v "$n" 2>/dev/null || true)
  [ -n "$p" ] && candidates+=("$p")
done

for c in "${candidates[@]}"; do
  if [ -x "$c" ] && is_310 "$c"; then echo "$c"; exit 0; fi
done
echo "shopbot needs Python 3.10 (Rasa 3.6 supports 3.8-3.10 only) and found none." >&2
echo "Install it (e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv')," >&2
echo "or point PYTHON310=/path/to/python3.10 at one, then run make again." >&2
exit 1

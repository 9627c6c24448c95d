#!/usr/bin/env bash
# Start the action server and the Rasa server (HTTP API on), wait until both answer, then open a terminal chat
# (when stdin is a terminal) or keep serving. Ctrl-C stops everything.
set -euo pipefail
venv=${1:-.venv}
model=${2:-models/shopbot.tar.gz}
rasa_port=${RASA_PORT:-5005}
actions_port=${ACTIONS_PORT:-5055}
shop_port=${SHOP_PORT:-8000}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
mkdir -p logs

pids=()
cleanup() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo; echo "==> stopping shopbot"
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap cleanup INT TERM EXIT

for port in "$rasa_port" "$actions_port" "$shop_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is already in use (another shopbot still running?). Stop it or set RASA_PORT/ACTIONS_PORT/SHOP_PORT." >&2
    exit 1
  fi
done

echo "==> profile store: migrating, seeding the demo shop when empty (log: logs/store.log)"
"$venv/bin/python" -m actions.store seed >logs/store.log 2>&1 \
  || { echo "the profile store could not be set up; last lines of logs/store.log:" >&2; tail -n 5 logs/store.log >&2; exit 1; }

# The console's demo agent (development only; `python -m actions.agents add` makes real ones).
if [ "${SHOPBOT_ENV:-development}" != "production" ]; then
  "$venv/bin/python" -m actions.agents demo >>logs/store.log 2>&1 \
    || echo "note: the demo agent account could not be created (see logs/store.log)" >&2
fi
# The widget's socket accepts the demo shop's page (a deployment sets its shop's origins).
export SHOPBOT_CHAT_ORIGINS=${SHOPBOT_CHAT_ORIGINS:-http://localhost:$shop_port,http://127.0.0.1:$shop_port}

# Idle connections outlive Rasa's HTTP client's (15 s), so Rasa never reuses one the
# action server is closing (see bot/stack.py, KEEP_ALIVE_ENV).
export SANIC_KEEP_ALIVE_TIMEOUT=${SANIC_KEEP_ALIVE_TIMEOUT:-75}

echo "==> starting the action server on :$actions_port (log: logs/actions.log)"
"$venv/bin/python" -m rasa_sdk --actions actions --port "$actions_port" >logs/actions.log 2>&1 &
pids+=($!)
# endpoints.yml names the action server on the default port; point it at the port used here.
sed "s#localhost:5055#localhost:$actions_port#" endpoints.yml >logs/endpoints.run.yml
# Conversations survive restarts: unless endpoints.yml names a tracker store, Rasa keeps
# them in SQLite (SHOPBOT_TRACKER_DB, default var/tracker.db); the widget then resumes a
# conversation after a restart too.
if ! grep -q "^tracker_store:" logs/endpoints.run.yml; then
  tracker_db=${SHOPBOT_TRACKER_DB:-var/tracker.db}
  mkdir -p "$(dirname "$tracker_db")"
  printf 'tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: %s\n' "$tracker_db" >>logs/endpoints.run.yml
fi
echo "==> starting the Rasa server on :$rasa_port with $model (log: logs/rasa.log)"
"$venv/bin/rasa" run --enable-api --cors "*" --port "$rasa_port" --model "$model" \
  --endpoints logs/endpoints.run.yml --credentials credentials.yml >logs/rasa.log 2>&1 &
pids+=($!)
echo "==> starting the demo shop on :$shop_port (log: logs/shop.log)"
"$venv/bin/python" -m bot.demo_shop --host 127.0.0.1 --port "$shop_port" \
  --chat-url "http://localhost:$rasa_port" >logs/shop.log 2>&1 &
pids+=($!)

"$venv/bin/python" -m bot.wait_ready --url "http://127.0.0.1:$rasa_port/status" \
  --url "http://127.0.0.1:$actions_port/health" --url "http://127.0.0.1:$shop_port/healthz" \
  --timeout 300 --pids "${pids[@]}" \
  || { echo "shopbot did not start; last lines of the logs:" >&2; tail -n 20 logs/actions.log logs/rasa.log logs/shop.log >&2; exit 1; }

cat <<MSG

shopbot is running.
  Shop:   http://localhost:$shop_port/        (demo shop with the chat widget; pick a customer to chat as)
  Agents: http://localhost:$shop_port/agent   (console; demo sign-in: demo / shopbot-demo)
  REST:   curl -s -XPOST localhost:$rasa_port/webhooks/rest/webhook -H 'Content-Type: application/json' \\
            -d '{"sender": "me", "message": "where is my order 12345?"}'
  API:    http://localhost:$rasa_port/status  (Rasa HTTP API is on)
  Actions http://localhost:$actions_port/health
Ctrl-C stops everything.
MSG

echo "Demo customers of the seeded shop (chat as one with /login ID; handoffs: python -m actions.handoffs list):"
"$venv/bin/python" -m actions.store demo 2>/dev/null || echo "  (profile store not seeded: run make store)"
echo

if [ -t 0 ]; then
  "$venv/bin/python" -m bot.terminal_chat --url "http://127.0.0.1:$rasa_port/webhooks/rest/webhook" || true
else
  wait -n "${pids[@]}" || true
  echo "a shopbot process exited; see logs/" >&2
fi

#!/usr/bin/env bash
# Fuzzes real parley-nodes' REST API from its own OpenAPI document with schemathesis and fails on
# any 5xx, on any error of the tool itself, and if a node dies. Two targets, each started on free
# loopback ports and stopped afterwards:
#   1. `parley-node --dev --tmp`, one party with no API keys;
#   2. the provider of a 3-party local network (scripts/local-network.sh), with its admin API
#      key, where sends really travel to the other parties (SCHEMATHESIS_NETWORK=0 skips it).
#   PARLEY_NODE=/path/to/parley-node bash tests/schemathesis.sh
set -euo pipefail
NODE="${PARLEY_NODE:?set PARLEY_NODE to the parley-node binary}"
# CPython 3.11's ast module can fail under threads ("SystemError: AST constructor recursion depth
# mismatch", python/cpython#106905), which crashes hypothesis inside a worker. Use a Python of
# 3.12 or later when the machine has one (pyenv's, or on the PATH); on 3.11 run one worker.
PYTHON=""
for candidate in python3.13 python3.12 "$(pyenv root 2>/dev/null)"/versions/3.1[2-9]*/bin/python3; do
  if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    PYTHON="$candidate"; break
  fi
done
WORKERS=2
if [ -z "$PYTHON" ]; then PYTHON=python3; WORKERS=1; fi
VENV="${PARLEY_VENV:-$HOME/.cache/parley/venv-$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')}"
if [ ! -x "$VENV/bin/st" ]; then
  echo "[schemathesis] installing schemathesis into $VENV ($("$PYTHON" --version))"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LOG=$(mktemp)
NET_DIR=$(mktemp -d)
PID=""
cleanup() {
  [ -n "$PID" ] && { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
  [ -f "$NET_DIR/network.json" ] && PARLEY_NETWORK_DIR="$NET_DIR" PARLEY_NODE="$NODE" bash "$ROOT/scripts/local-network.sh" stop >/dev/null 2>&1
  rm -rf "$LOG" "$NET_DIR"
}
trap cleanup EXIT

# fuzz <label> <REST port> <alive-check command> [API key]: one schemathesis run and its verdict.
fuzz() {
  local label=$1 port=$2 alive=$3 key=${4:-}
  local auth=()
  [ -n "$key" ] && auth=(--header "Authorization: Bearer $key")
  echo "[schemathesis] $label: fuzzing http://127.0.0.1:$port/api/v1/openapi.json"
  # schemathesis keeps a cache folder in the working directory; keep it out of the repo.
  local work status=0
  work="$(mktemp -d)"
  (cd "$work" && "$VENV/bin/st" run "http://127.0.0.1:$port/api/v1/openapi.json" "${auth[@]}" \
    --checks not_a_server_error \
    --phases examples,fuzzing \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-50}" \
    --request-timeout 30 \
    --report junit --report-junit-path "$work/junit.xml" \
    --workers "$WORKERS") || status=$?
  # The verdict: a failed check (a 5xx), an error of the tool itself (an operation it could not
  # test is an operation left untested), a missing report or a node that died all fail the run.
  $alive || { echo "[schemathesis] $label: parley-node died during the run"; exit 1; }
  [ -s "$work/junit.xml" ] || { echo "[schemathesis] $label: no report (exit $status)"; exit 1; }
  local failures errors
  failures=$(grep -c '<failure' "$work/junit.xml" || true)
  errors=$(grep -c '<error' "$work/junit.xml" || true)
  echo "[schemathesis] $label: exit $status: $failures failed checks, $errors tool errors ($("$VENV/bin/python" --version), $WORKERS workers)"
  rm -rf "$work"
  [ "$failures" -eq 0 ] && [ "$errors" -eq 0 ] && [ "$status" -eq 0 ] || exit 1
}

# 1. A dev node alone. Calls that wait (`confirm=true` with a generated `timeout`, and
# `requestreply`, whose reply never comes on a node alone) are cut at 3 s: they would otherwise
# hold a worker for the whole request timeout.
REST=$(free_port); RPC=$(free_port); P2P=$(free_port); PROM=$(free_port); CHAN=$(free_port)
"$NODE" --dev --tmp --rpc-port "$RPC" --listen-addr "/ip4/127.0.0.1/tcp/$P2P" --prometheus-port "$PROM" \
  --no-mdns --no-telemetry --channel-ip 127.0.0.1 --channel-port "$CHAN" --rest-ip 127.0.0.1 --rest-port "$REST" \
  --rest-max-wait-secs 3 \
  >"$LOG" 2>&1 &
PID=$!
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$REST/api/v1/status" >/dev/null && break
  kill -0 $PID 2>/dev/null || { tail -20 "$LOG"; exit 1; }
  sleep 0.5
done
dev_alive() { kill -0 "$PID" 2>/dev/null || { tail -40 "$LOG"; return 1; }; }
fuzz "dev node" "$REST" dev_alive
kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true
PID=""

# 2. The provider of a 3-party network, with its API key.
[ "${SCHEMATHESIS_NETWORK:-1}" = 1 ] || exit 0
# Ports are the defaults shifted by an offset whose ports are all free.
OFFSET=""
for _ in $(seq 20); do
  candidate=$(( 2000 + (RANDOM % 200) * 10 ))
  if python3 - "$candidate" <<'PY'
import socket, sys
offset = int(sys.argv[1])
for base in (30333, 9944, 9615, 40333, 5000):
    for i in range(3):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", base + offset + i))
        except OSError:
            sys.exit(1)
        finally:
            s.close()
PY
  then OFFSET=$candidate; break; fi
done
[ -n "$OFFSET" ] || { echo "[schemathesis] no free port range for the network"; exit 1; }
PARLEY_NETWORK_DIR="$NET_DIR" PARLEY_BASE_PORT="$OFFSET" PARLEY_NODE="$NODE" \
  PARLEY_NODE_ARGS="--rest-max-wait-secs 3" bash "$ROOT/scripts/local-network.sh" start >"$LOG" 2>&1 \
  || { tail -40 "$LOG"; exit 1; }
read -r NET_REST NET_KEY < <(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["parties"][0]
print(p["rest_port"], p["api_key"])' "$NET_DIR/network.json")
net_alive() {
  local party
  for party in "$NET_DIR"/*/pid; do
    kill -0 "$(cat "$party")" 2>/dev/null || { echo "[schemathesis] $(dirname "$party") died"; tail -40 "$(dirname "$party")"/*.log 2>/dev/null; return 1; }
  done
}
fuzz "3-party network, provider" "$NET_REST" net_alive "$NET_KEY"

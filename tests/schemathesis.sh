#!/usr/bin/env bash
# Fuzzes a real parley-node's REST API from its own OpenAPI document with schemathesis and fails
# on any 5xx. Starts `parley-node --dev --tmp` on free loopback ports, runs, stops it.
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
REST=$(free_port); RPC=$(free_port); P2P=$(free_port); PROM=$(free_port); CHAN=$(free_port)
LOG=$(mktemp)
# Calls that wait (`confirm=true` with a generated `timeout`, and `requestreply`, whose reply never
# comes on a node alone) are cut at 3 s: they would otherwise hold a worker for the whole
# request timeout.
"$NODE" --dev --tmp --rpc-port "$RPC" --listen-addr "/ip4/127.0.0.1/tcp/$P2P" --prometheus-port "$PROM" \
  --no-mdns --no-telemetry --channel-ip 127.0.0.1 --channel-port "$CHAN" --rest-ip 127.0.0.1 --rest-port "$REST" \
  --rest-max-wait-secs 3 \
  >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -f "$LOG"' EXIT
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$REST/api/v1/status" >/dev/null && break
  kill -0 $PID 2>/dev/null || { tail -20 "$LOG"; exit 1; }
  sleep 0.5
done
echo "[schemathesis] fuzzing http://127.0.0.1:$REST/api/v1/openapi.json"
# schemathesis keeps a cache folder in the working directory; keep it out of the repo.
WORK="$(mktemp -d)"
cd "$WORK"
status=0
"$VENV/bin/st" run "http://127.0.0.1:$REST/api/v1/openapi.json" \
  --checks not_a_server_error \
  --phases examples,fuzzing \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-50}" \
  --request-timeout 30 \
  --report junit --report-junit-path "$WORK/junit.xml" \
  --workers "$WORKERS" || status=$?
# The verdict: a failed check (a 5xx), an error of the tool itself (an operation it could not
# test is an operation left untested), a missing report or a node that died all fail the run.
kill -0 $PID 2>/dev/null || { echo "[schemathesis] parley-node died during the run"; tail -40 "$LOG"; exit 1; }
[ -s "$WORK/junit.xml" ] || { echo "[schemathesis] no report (exit $status)"; exit 1; }
failures=$(grep -c '<failure' "$WORK/junit.xml" || true)
errors=$(grep -c '<error' "$WORK/junit.xml" || true)
echo "[schemathesis] exit $status: $failures failed checks, $errors tool errors ($("$VENV/bin/python" --version), $WORKERS workers)"
[ "$failures" -eq 0 ] && [ "$errors" -eq 0 ] && [ "$status" -eq 0 ] || exit 1

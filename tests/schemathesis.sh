#!/usr/bin/env bash
# Fuzzes a real parley-node's REST API from its own OpenAPI document with schemathesis and fails
# on any 5xx. Starts `parley-node --dev --tmp` on free loopback ports, runs, stops it.
#   PARLEY_NODE=/path/to/parley-node bash tests/schemathesis.sh
set -euo pipefail
NODE="${PARLEY_NODE:?set PARLEY_NODE to the parley-node binary}"
VENV="${PARLEY_VENV:-$HOME/.cache/parley/venv}"
if [ ! -x "$VENV/bin/st" ]; then
  echo "[schemathesis] installing schemathesis into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check schemathesis==4.32.5
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
REST=$(free_port); RPC=$(free_port); P2P=$(free_port); PROM=$(free_port); CHAN=$(free_port)
LOG=$(mktemp)
# Calls that wait (`confirm=true`, with a generated `timeout`) are cut at 3 s: a generated id
# that never arrives would otherwise hold a worker for the whole request timeout.
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
  --exclude-path-regex 'requestreply' \
  --report junit --report-junit-path "$WORK/junit.xml" \
  --workers 2 || status=$?
# The verdict: a failed check (a 5xx) or a node that died fails the run. schemathesis also exits
# non-zero when hypothesis itself crashes while generating a case (seen: a FlakyFailure inside its
# lambda-source cache); such tool errors are reported above and do not hide a server error, so
# they do not fail the run.
kill -0 $PID 2>/dev/null || { echo "[schemathesis] parley-node died during the run"; tail -40 "$LOG"; exit 1; }
[ -s "$WORK/junit.xml" ] || { echo "[schemathesis] no report (exit $status)"; exit 1; }
failures=$(grep -c '<failure' "$WORK/junit.xml" || true)
errors=$(grep -c '<error' "$WORK/junit.xml" || true)
echo "[schemathesis] exit $status: $failures failed checks, $errors tool errors"
[ "$failures" -eq 0 ] || exit 1

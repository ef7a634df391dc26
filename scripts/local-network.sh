#!/usr/bin/env bash
# Starts the three parties of the `local3` chain (provider, insurer-a, insurer-b) as three
# parley-node validators on 127.0.0.1, waits until all three author and import blocks and
# GRANDPA finalizes, and writes network.json describing them.
#
#   scripts/local-network.sh          start (building parley-node first unless PARLEY_NODE is set)
#   scripts/local-network.sh stop     stop the nodes of the last start
#
# Environment:
#   PARLEY_NETWORK_DIR  run folder (default: target/local-network in the repo)
#   PARLEY_NODE         a parley-node binary to use instead of building one
#   PARLEY_BASE_PORT    shifts every port by this offset (default 0) to run several networks
set -euo pipefail
source "$(dirname "$0")/common.sh"

DIR="${PARLEY_NETWORK_DIR:-$PARLEY_ROOT/target/local-network}"
OFFSET="${PARLEY_BASE_PORT:-0}"
PARTIES=(provider insurer-a insurer-b)
SEEDS=(alice bob charlie)

stop_network() {
  [ -d "$DIR" ] || return 0
  for party in "${PARTIES[@]}"; do
    pidfile="$DIR/$party/pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      echo "[network] stopping $party (pid $pid)"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

if [ "${1:-start}" = "stop" ]; then
  stop_network
  exit 0
fi

ensure_parley_node
NODE="$(parley_node_path)"
stop_network
mkdir -p "$DIR"

# Fixed libp2p node keys, so each node knows the others' PeerIds before they start.
node_key() { printf '%064x' "$(( $1 + 1 ))"; }
p2p_port() { echo $(( 30333 + OFFSET + $1 )); }
rpc_port() { echo $(( 9944 + OFFSET + $1 )); }
prom_port() { echo $(( 9615 + OFFSET + $1 )); }
channel_port() { echo $(( 40333 + OFFSET + $1 )); }

bootnodes=()
for i in "${!PARTIES[@]}"; do
  keyfile="$DIR/${PARTIES[$i]}/node-key"
  mkdir -p "$(dirname "$keyfile")"
  node_key "$i" > "$keyfile"
  peer=$("$NODE" key inspect-node-key --file "$keyfile")
  bootnodes+=("/ip4/127.0.0.1/tcp/$(p2p_port "$i")/p2p/$peer")
done

for i in "${!PARTIES[@]}"; do
  party="${PARTIES[$i]}"
  base="$DIR/$party"
  others=()
  for j in "${!PARTIES[@]}"; do [ "$j" = "$i" ] || others+=("${bootnodes[$j]}"); done
  echo "[network] starting $party: rpc $(rpc_port "$i"), p2p $(p2p_port "$i")"
  nohup "$NODE" \
    --chain local3 \
    --"${SEEDS[$i]}" \
    --base-path "$base/data" \
    --name "$party" \
    --node-key-file "$base/node-key" \
    --listen-addr "/ip4/127.0.0.1/tcp/$(p2p_port "$i")" \
    --bootnodes "${others[@]}" \
    --rpc-port "$(rpc_port "$i")" \
    --rpc-cors all \
    --prometheus-port "$(prom_port "$i")" \
    --no-mdns \
    --no-telemetry \
    >"$base/node.log" 2>&1 &
  echo $! > "$base/pid"
done

# Wait until every node has imported a few blocks and sees finality move.
deadline=$(( $(date +%s) + ${PARLEY_NETWORK_TIMEOUT:-120} ))
for i in "${!PARTIES[@]}"; do
  party="${PARTIES[$i]}"
  while :; do
    best=$(rpc "$(rpc_port "$i")" chain_getHeader | sed -n 's/.*"number":"\(0x[0-9a-f]*\)".*/\1/p')
    fin_hash=$(rpc "$(rpc_port "$i")" chain_getFinalizedHead | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')
    fin=$(rpc "$(rpc_port "$i")" chain_getHeader "[\"$fin_hash\"]" 2>/dev/null | sed -n 's/.*"number":"\(0x[0-9a-f]*\)".*/\1/p')
    if [ -n "$best" ] && [ -n "$fin" ] && (( best >= 3 )) && (( fin >= 1 )); then
      echo "[network] $party: best block $((best)), finalized $((fin))"
      break
    fi
    if ! kill -0 "$(cat "$DIR/$party/pid")" 2>/dev/null; then
      echo "[network] $party exited; see $DIR/$party/node.log" >&2
      tail -20 "$DIR/$party/node.log" >&2
      stop_network
      exit 1
    fi
    if (( $(date +%s) > deadline )); then
      echo "[network] timed out waiting for $party to author, import and finalize blocks" >&2
      tail -20 "$DIR/$party/node.log" >&2
      stop_network
      exit 1
    fi
    sleep 1
  done
done

{
  echo '{'
  echo '  "chain": "local3",'
  echo '  "parties": ['
  for i in "${!PARTIES[@]}"; do
    party="${PARTIES[$i]}"
    sep=","; [ "$i" -eq $(( ${#PARTIES[@]} - 1 )) ] && sep=""
    printf '    {"name": "%s", "did": "did:parley:org/%s", "node_did": "did:parley:node/%s", "rpc_port": %s, "p2p_port": %s, "prometheus_port": %s, "channel_port": %s, "base_path": "%s", "pid": %s}%s\n' \
      "$party" "$party" "$party" "$(rpc_port "$i")" "$(p2p_port "$i")" "$(prom_port "$i")" \
      "$(channel_port "$i")" "$DIR/$party/data" "$(cat "$DIR/$party/pid")" "$sep"
  done
  echo '  ]'
  echo '}'
} > "$DIR/network.json"
echo "[network] up: $DIR/network.json"
echo "[network] stop with: scripts/local-network.sh stop"

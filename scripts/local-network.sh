#!/usr/bin/env bash
# Starts the three parties of the `local3` chain (provider, insurer-a, insurer-b) as three
# parley-node validators on 127.0.0.1, waits until all three author, import and finalize blocks
# and their private data channels are connected, and writes network.json describing them.
#
#   scripts/local-network.sh                   start (building parley-node unless PARLEY_NODE is set)
#   scripts/local-network.sh stop              stop every node of the last start
#   scripts/local-network.sh stop-party NAME   stop one party (its data stays)
#   scripts/local-network.sh start-party NAME  start one stopped party again, as it was
#
# Environment:
#   PARLEY_NETWORK_DIR  run folder (default: target/local-network in the repo)
#   PARLEY_NODE         a parley-node binary to use instead of building one
#   PARLEY_BASE_PORT    shifts every port by this offset (default 0), to run several networks
#   PARLEY_NODE_ARGS    extra flags for every node (e.g. --unsafe-test-hooks)
set -euo pipefail
source "$(dirname "$0")/common.sh"

DIR="${PARLEY_NETWORK_DIR:-$PARLEY_ROOT/target/local-network}"
OFFSET="${PARLEY_BASE_PORT:-0}"
PARTIES=(provider insurer-a insurer-b)
SEEDS=(alice bob charlie)

p2p_port() { echo $(( 30333 + OFFSET + $1 )); }
rpc_port() { echo $(( 9944 + OFFSET + $1 )); }
prom_port() { echo $(( 9615 + OFFSET + $1 )); }
channel_port() { echo $(( 40333 + OFFSET + $1 )); }
rest_port() { echo $(( 5000 + OFFSET + $1 )); }
party_index() { for i in "${!PARTIES[@]}"; do [ "${PARTIES[$i]}" = "$1" ] && echo "$i" && return; done; echo "unknown party $1" >&2; exit 2; }

stop_party() {
  local pidfile="$DIR/$1/pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    echo "[network] stopping $1 (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

stop_network() {
  [ -d "$DIR" ] || return 0
  for party in "${PARTIES[@]}"; do stop_party "$party"; done
}

# Launches party $1 from its saved command line.
launch() {
  local base="$DIR/$1"
  nohup bash "$base/cmd" >>"$base/node.log" 2>&1 &
  echo $! > "$base/pid"
}

# Waits (bounded) until party $1 has imported blocks past #2 and sees finality move.
wait_for_blocks() {
  local i; i=$(party_index "$1")
  local deadline=$(( $(date +%s) + ${PARLEY_NETWORK_TIMEOUT:-120} ))
  while :; do
    local best fin_hash fin
    best=$(rpc "$(rpc_port "$i")" chain_getHeader | sed -n 's/.*"number":"\(0x[0-9a-f]*\)".*/\1/p')
    fin_hash=$(rpc "$(rpc_port "$i")" chain_getFinalizedHead | sed -n 's/.*"result":"\(0x[0-9a-f]*\)".*/\1/p')
    fin=$(rpc "$(rpc_port "$i")" chain_getHeader "[\"$fin_hash\"]" 2>/dev/null | sed -n 's/.*"number":"\(0x[0-9a-f]*\)".*/\1/p')
    if [ -n "$best" ] && [ -n "$fin" ] && (( best >= 3 )) && (( fin >= 1 )); then
      echo "[network] $1: best block $((best)), finalized $((fin))"
      return 0
    fi
    if ! kill -0 "$(cat "$DIR/$1/pid")" 2>/dev/null; then
      echo "[network] $1 exited; see $DIR/$1/node.log" >&2; tail -20 "$DIR/$1/node.log" >&2; return 1
    fi
    if (( $(date +%s) > deadline )); then
      echo "[network] timed out waiting for $1 to author, import and finalize blocks" >&2
      tail -20 "$DIR/$1/node.log" >&2; return 1
    fi
    sleep 1
  done
}

# Waits (bounded) until party $1's data channel is connected to both other parties.
wait_for_channel() {
  local i; i=$(party_index "$1")
  local deadline=$(( $(date +%s) + ${PARLEY_NETWORK_TIMEOUT:-120} ))
  while :; do
    local peers
    peers=$(rpc "$(rpc_port "$i")" parley_status | grep -o '"connected_peers":\[[^]]*\]' | grep -o '12D3[A-Za-z0-9]*' | wc -l)
    if (( peers >= ${#PARTIES[@]} - 1 )); then
      echo "[network] $1: data channel connected to $peers peers"
      return 0
    fi
    if (( $(date +%s) > deadline )); then
      echo "[network] timed out waiting for $1's data channel to connect" >&2
      tail -20 "$DIR/$1/node.log" >&2; return 1
    fi
    sleep 1
  done
}

case "${1:-start}" in
  stop) stop_network; exit 0 ;;
  stop-party) stop_party "$2"; exit 0 ;;
  start-party)
    [ -f "$DIR/$2/cmd" ] || { echo "no saved command for $2; start the network first" >&2; exit 2; }
    stop_party "$2"; launch "$2"; wait_for_blocks "$2"; wait_for_channel "$2"; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop|stop-party NAME|start-party NAME]" >&2; exit 2 ;;
esac

ensure_parley_node
NODE="$(parley_node_path)"
stop_network
mkdir -p "$DIR"

# Fixed libp2p node keys, so each node knows the others' PeerIds before they start; the data
# channel keys come from each party's dev seed, as the local3 genesis registers them.
bootnodes=()
channels=()
for i in "${!PARTIES[@]}"; do
  base="$DIR/${PARTIES[$i]}"
  mkdir -p "$base"
  printf '%064x' "$(( i + 1 ))" > "$base/node-key"
  bootnodes+=("/ip4/127.0.0.1/tcp/$(p2p_port "$i")/p2p/$("$NODE" key inspect-node-key --file "$base/node-key")")
  channel_peer=$("$NODE" channel-keys --dev-seed "//${SEEDS[$i]^}" | sed -n 's/.*"peer_id":"\([^"]*\)".*/\1/p')
  echo "$channel_peer" > "$base/channel-peer-id"
  channels+=("/ip4/127.0.0.1/tcp/$(channel_port "$i")/p2p/$channel_peer")
done

for i in "${!PARTIES[@]}"; do
  party="${PARTIES[$i]}"
  base="$DIR/$party"
  args=(--chain local3 "--${SEEDS[$i]}" --base-path "$base/data" --name "$party"
    --node-key-file "$base/node-key" --listen-addr "/ip4/127.0.0.1/tcp/$(p2p_port "$i")"
    --rpc-port "$(rpc_port "$i")" --rpc-cors all --prometheus-port "$(prom_port "$i")"
    --no-mdns --no-telemetry
    --channel-ip 127.0.0.1 --channel-port "$(channel_port "$i")"
    --rest-ip 127.0.0.1 --rest-port "$(rest_port "$i")")
  for j in "${!PARTIES[@]}"; do
    [ "$j" = "$i" ] && continue
    args+=(--bootnodes "${bootnodes[$j]}" --channel-peer "${channels[$j]}")
  done
  # shellcheck disable=SC2206
  args+=(${PARLEY_NODE_ARGS:-})
  printf 'exec %q' "$NODE" > "$base/cmd"
  printf ' %q' "${args[@]}" >> "$base/cmd"
  echo >> "$base/cmd"
  echo "[network] starting $party: rpc $(rpc_port "$i"), rest $(rest_port "$i"), p2p $(p2p_port "$i"), channel $(channel_port "$i")"
  : > "$base/node.log"
  launch "$party"
done

for party in "${PARTIES[@]}"; do wait_for_blocks "$party" || { stop_network; exit 1; }; done
for party in "${PARTIES[@]}"; do wait_for_channel "$party" || { stop_network; exit 1; }; done

{
  echo '{'
  echo '  "chain": "local3",'
  echo '  "parties": ['
  for i in "${!PARTIES[@]}"; do
    party="${PARTIES[$i]}"
    sep=","; [ "$i" -eq $(( ${#PARTIES[@]} - 1 )) ] && sep=""
    printf '    {"name": "%s", "did": "did:parley:org/%s", "node_did": "did:parley:node/%s", "rpc_port": %s, "rest_port": %s, "p2p_port": %s, "prometheus_port": %s, "channel_port": %s, "channel_peer_id": "%s", "base_path": "%s", "log": "%s", "pid": %s}%s\n' \
      "$party" "$party" "$party" "$(rpc_port "$i")" "$(rest_port "$i")" "$(p2p_port "$i")" "$(prom_port "$i")" \
      "$(channel_port "$i")" "$(cat "$DIR/$party/channel-peer-id")" "$DIR/$party/data" \
      "$DIR/$party/node.log" "$(cat "$DIR/$party/pid")" "$sep"
  done
  echo '  ]'
  echo '}'
} > "$DIR/network.json"
echo "[network] up: $DIR/network.json"
echo "[network] stop with: scripts/local-network.sh stop"

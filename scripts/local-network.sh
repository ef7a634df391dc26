#!/usr/bin/env bash
# Starts a local network of N parties (default 3: the `local3` chain's provider, insurer-a and
# insurer-b; more are insurer-c, insurer-d, …) as N parley-node validators on 127.0.0.1, each a
# member org with one validator node, waits until all of them author, import and finalize blocks
# and their private data channels are connected, and writes network.json describing them.
# Each party's node gets an API key (admin, every namespace: the operator's own), which
# network.json lists as `api_key`: apps send it as `Authorization: Bearer <api_key>`.
#
#   scripts/local-network.sh [start] [--parties N]  start N parties, 1 to 8 (builds parley-node
#                                                unless PARLEY_NODE is set)
#   scripts/local-network.sh stop                stop every node of the last start
#   scripts/local-network.sh stop-party NAME     stop one party (its data stays)
#   scripts/local-network.sh start-party NAME    start one stopped party again, as it was
#   scripts/local-network.sh partition NAME      cut an isolated party (PARLEY_ISOLATE) off from
#                                                the others, as a network partition would
#   scripts/local-network.sh heal NAME           join it to them again
#   scripts/local-network.sh add-party NAME SEED [FLAGS…]
#                                                start a node for a new party that is not a member
#                                                yet (dev seed: dave, eve, ferdie, one, two), with
#                                                extra node flags if given: it syncs, and joins
#                                                once the members admit it
#
# Environment:
#   PARLEY_NETWORK_DIR  run folder (default: target/local-network in the repo)
#   PARLEY_NODE         a parley-node binary to use instead of building one
#   PARLEY_BASE_PORT    shifts every port by this offset (default 0), to run several networks
#   PARLEY_NODE_ARGS    extra flags for every node (e.g. --unsafe-test-hooks)
#   PARLEY_CHAIN        a chain spec (JSON file) to start instead of `local<N>`; its genesis must
#                       have the N parties of `local<N>`
#   PARLEY_POSTGRES_URL a PostgreSQL server (postgres://user@host:port/db) to keep every party's
#                       private store in, one database each (parley_<party>, made afresh on
#                       start), instead of SQLite under its base path
#   PARLEY_ISOLATE      parties (names, space-separated) to run each in a network namespace of
#                       its own, joined to the others by scripts/partition-switch.py, so that
#                       `partition`/`heal` can cut and join it (needs root and `ip netns`)
set -euo pipefail
source "$(dirname "$0")/common.sh"

DIR="${PARLEY_NETWORK_DIR:-$PARLEY_ROOT/target/local-network}"
OFFSET="${PARLEY_BASE_PORT:-0}"
ALL_NAMES=(provider insurer-a insurer-b insurer-c insurer-d insurer-e insurer-f insurer-g)
ALL_SEEDS=(alice bob charlie dave eve ferdie one two)
# The parties of the running network (and their seeds), as the last start or add-party saved them.
PARTIES=()
SEEDS=()
if [ -f "$DIR/parties" ]; then
  while read -r name seed; do PARTIES+=("$name"); SEEDS+=("$seed"); done < "$DIR/parties"
fi

p2p_port() { echo $(( 30333 + OFFSET + $1 )); }
rpc_port() { echo $(( 9944 + OFFSET + $1 )); }
prom_port() { echo $(( 9615 + OFFSET + $1 )); }
channel_port() { echo $(( 40333 + OFFSET + $1 )); }
rest_port() { echo $(( 5000 + OFFSET + $1 )); }
# Party $1's database on PARLEY_POSTGRES_URL's server (the offset keeps networks apart).
db_name() { local party=${1//-/_}; echo "parley_${party}_$OFFSET"; }
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
  for party in "${PARTIES[@]}"; do stop_party "$party"; unisolate "$party"; done
}

# The network namespace of isolated party $1 (one per network, by its port offset).
netns_of() { echo "parley-$OFFSET-$1"; }
is_isolated() { [ -f "$DIR/$1/switch-pid" ]; }

# Puts party $1 (index $2) in a network namespace of its own and starts its switch: its own
# ports reached from the host, the other parties' p2p and channel ports reached from inside.
isolate() {
  local party=$1 i=$2 ns; ns=$(netns_of "$1")
  command -v ip >/dev/null && [ "$(id -u)" = 0 ] || { echo "PARLEY_ISOLATE needs root and ip(8)" >&2; exit 2; }
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  local args=(--netns "$ns" --into "$(rpc_port "$i")" --into "$(rest_port "$i")" --into "$(prom_port "$i")"
    --link-into "$(p2p_port "$i")" --link-into "$(channel_port "$i")")
  local j
  for j in "${!PARTIES[@]}"; do
    [ "$j" = "$i" ] && continue
    args+=(--link-out "$(p2p_port "$j")" --link-out "$(channel_port "$j")")
  done
  # Its PostgreSQL server (on the host's loopback) stays reachable through a partition.
  if [ -n "${PARLEY_POSTGRES_URL:-}" ]; then
    local pg_port; pg_port=$(sed -n 's|.*@[^:/]*:\([0-9]*\).*|\1|p' <<<"$PARLEY_POSTGRES_URL")
    args+=(--out "${pg_port:-5432}")
  fi
  nohup python3 "$PARLEY_ROOT/scripts/partition-switch.py" "${args[@]}" >>"$DIR/$party/switch.log" 2>&1 &
  echo $! > "$DIR/$party/switch-pid"
  for _ in $(seq 50); do grep -q 'joined' "$DIR/$party/switch.log" 2>/dev/null && return 0; sleep 0.1; done
  echo "[network] the switch of $party did not start; see $DIR/$party/switch.log" >&2; exit 1
}

# Stops party $1's switch and removes its namespace, if it has them.
unisolate() {
  is_isolated "$1" || return 0
  kill "$(cat "$DIR/$1/switch-pid")" 2>/dev/null || true
  rm -f "$DIR/$1/switch-pid"
  ip netns del "$(netns_of "$1")" 2>/dev/null || true
}

# Launches party $1 from its saved command line (in its namespace, if isolated).
launch() {
  local base="$DIR/$1"
  if is_isolated "$1"; then
    nohup ip netns exec "$(netns_of "$1")" bash "$base/cmd" >>"$base/node.log" 2>&1 &
  else
    nohup bash "$base/cmd" >>"$base/node.log" 2>&1 &
  fi
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

# Waits (bounded) until party $1's data channel is connected to every other member party.
wait_for_channel() {
  local i; i=$(party_index "$1")
  local members; members=$(cat "$DIR/members")
  local deadline=$(( $(date +%s) + ${PARLEY_NETWORK_TIMEOUT:-120} ))
  while :; do
    local peers
    peers=$(curl -s --max-time 5 -H 'Content-Type: application/json' -H "Authorization: Bearer $(cat "$DIR/$1/api-key")" \
      -d '{"id":1,"jsonrpc":"2.0","method":"parley_status","params":[]}' "http://127.0.0.1:$(rest_port "$i")/rpc" | grep -o '"connected_peers":\[[^]]*\]' | grep -o '12D3[A-Za-z0-9]*' | wc -l)
    if (( peers >= members - 1 )); then
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

# Prepares party $1 (index $2, dev seed $3): a fixed libp2p node key, so every node knows the
# others' PeerIds before they start, and the data-channel PeerId its dev seed derives.
prepare_party() {
  local base="$DIR/$1"
  mkdir -p "$base"
  printf '%064x' "$(( $2 + 1 ))" > "$base/node-key"
  "$NODE" key inspect-node-key --file "$base/node-key" > "$base/p2p-peer-id"
  "$NODE" channel-keys --dev-seed "//${3^}" | sed -n 's/.*"peer_id":"\([^"]*\)".*/\1/p' > "$base/channel-peer-id"
  if [ -n "${PARLEY_POSTGRES_URL:-}" ]; then
    local db; db=$(db_name "$1")
    "${PARLEY_PG_BIN:+$PARLEY_PG_BIN/}psql" "$PARLEY_POSTGRES_URL" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
  fi
  if [ ! -f "$base/api-keys.json" ]; then
    "$NODE" api-key create --file "$base/api-keys.json" --name "$1-operator" --scope admin \
      | sed -n 's/.*"key":"\([^"]*\)".*/\1/p' > "$base/api-key"
    chmod 600 "$base/api-key"
  fi
}

# Writes the saved command line of party $1 (index $2, seed $3), pointing at every other party.
write_cmd() {
  local party=$1 i=$2 seed=$3 base="$DIR/$1"
  local args=(--chain "$(cat "$DIR/chain")" "--$seed" --base-path "$base/data" --name "$party"
    --node-key-file "$base/node-key" --listen-addr "/ip4/127.0.0.1/tcp/$(p2p_port "$i")"
    --rpc-port "$(rpc_port "$i")" --prometheus-port "$(prom_port "$i")"
    --no-mdns --no-telemetry
    --channel-ip 127.0.0.1 --channel-port "$(channel_port "$i")"
    --rest-ip 127.0.0.1 --rest-port "$(rest_port "$i")" --api-keys "$base/api-keys.json"
    --webhooks-allow-private)
  if [ -n "${PARLEY_POSTGRES_URL:-}" ]; then
    args+=(--database-url "${PARLEY_POSTGRES_URL%/*}/$(db_name "$party")")
  fi
  local j
  for j in "${!PARTIES[@]}"; do
    [ "$j" = "$i" ] && continue
    local other="$DIR/${PARTIES[$j]}"
    args+=(--bootnodes "/ip4/127.0.0.1/tcp/$(p2p_port "$j")/p2p/$(cat "$other/p2p-peer-id")"
      --channel-peer "/ip4/127.0.0.1/tcp/$(channel_port "$j")/p2p/$(cat "$other/channel-peer-id")")
  done
  # shellcheck disable=SC2206
  args+=(${PARLEY_NODE_ARGS:-} "${EXTRA_ARGS[@]}")
  printf 'exec %q' "$NODE" > "$base/cmd"
  printf ' %q' "${args[@]}" >> "$base/cmd"
  echo >> "$base/cmd"
}

# Writes network.json: every party, its DID, ports, dev seed and where its node keeps things.
write_network_json() {
  local members; members=$(cat "$DIR/members")
  {
    echo '{'
    echo "  \"chain\": \"$(cat "$DIR/chain")\","
    echo '  "parties": ['
    local i
    for i in "${!PARTIES[@]}"; do
      local party="${PARTIES[$i]}" seed="${SEEDS[$i]}"
      local sep=","; [ "$i" -eq $(( ${#PARTIES[@]} - 1 )) ] && sep=""
      local member=true; (( i < members )) || member=false
      printf '    {"name": "%s", "did": "did:parley:org/%s", "node_did": "did:parley:node/%s", "seed": "//%s", "admin_seed": "//%s//stash", "genesis_member": %s, "rpc_port": %s, "rest_port": %s, "p2p_port": %s, "prometheus_port": %s, "channel_port": %s, "channel_peer_id": "%s", "api_key": "%s", "base_path": "%s", "log": "%s", "pid": %s}%s\n' \
        "$party" "$party" "$party" "${seed^}" "${seed^}" "$member" "$(rpc_port "$i")" "$(rest_port "$i")" "$(p2p_port "$i")" "$(prom_port "$i")" \
        "$(channel_port "$i")" "$(cat "$DIR/$party/channel-peer-id")" "$(cat "$DIR/$party/api-key")" "$DIR/$party/data" \
        "$DIR/$party/node.log" "$(cat "$DIR/$party/pid" 2>/dev/null || echo null)" "$sep"
    done
    echo '  ]'
    echo '}'
  } > "$DIR/network.json"
}

N=3
EXTRA_ARGS=()
case "${1:-start}" in
  stop) stop_network; exit 0 ;;
  stop-party) stop_party "$2"; exit 0 ;;
  partition|heal)
    is_isolated "${2:?usage: $0 $1 NAME}" || { echo "$2 is not isolated (PARLEY_ISOLATE)" >&2; exit 2; }
    signal=USR1; [ "$1" = heal ] && signal=USR2
    kill -"$signal" "$(cat "$DIR/$2/switch-pid")"
    echo "[network] $1 $2"
    exit 0 ;;
  start-party)
    [ -f "$DIR/$2/cmd" ] || { echo "no saved command for $2; start the network first" >&2; exit 2; }
    stop_party "$2"; launch "$2"; wait_for_blocks "$2"
    (( $(party_index "$2") < $(cat "$DIR/members") )) && wait_for_channel "$2"
    exit 0 ;;
  add-party)
    name="${2:?usage: $0 add-party NAME SEED}"; seed="${3:?usage: $0 add-party NAME SEED}"
    shift 3; EXTRA_ARGS=("$@")
    [ -f "$DIR/parties" ] || { echo "start the network first" >&2; exit 2; }
    for p in "${PARTIES[@]}"; do [ "$p" = "$name" ] && { echo "$name is already a party" >&2; exit 2; }; done
    NODE="$(parley_node_path)"
    i=${#PARTIES[@]}
    PARTIES+=("$name"); SEEDS+=("$seed")
    echo "$name $seed" >> "$DIR/parties"
    prepare_party "$name" "$i" "$seed"
    write_cmd "$name" "$i" "$seed"
    echo "[network] starting $name (not a member yet): rpc $(rpc_port "$i"), rest $(rest_port "$i"), p2p $(p2p_port "$i"), channel $(channel_port "$i")"
    : > "$DIR/$name/node.log"
    launch "$name"
    wait_for_blocks "$name"
    write_network_json
    echo "[network] $name is syncing; the members admit it with governance.propose(AdmitOrg …) (README.md)"
    exit 0 ;;
  start)
    shift || true
    while [ $# -gt 0 ]; do
      case "$1" in
        --parties) N="${2:?--parties needs a number}"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
      esac
    done ;;
  --parties) N="${2:?--parties needs a number}" ;;
  *) echo "usage: $0 [start [--parties N]|stop|stop-party NAME|start-party NAME|partition NAME|heal NAME|add-party NAME SEED]" >&2; exit 2 ;;
esac
if ! [[ "$N" =~ ^[0-9]+$ ]] || (( N < 1 || N > ${#ALL_NAMES[@]} )); then
  echo "--parties takes 1 to ${#ALL_NAMES[@]}, not $N" >&2; exit 2
fi

ensure_parley_node
NODE="$(parley_node_path)"
stop_network
# A fresh chain each start: forget the parties (and their chain data) of the last one.
for p in "${PARTIES[@]}" "${ALL_NAMES[@]}"; do rm -rf "${DIR:?}/$p"; done
rm -f "$DIR/parties" "$DIR/members" "$DIR/chain" "$DIR/network.json"
mkdir -p "$DIR"
PARTIES=("${ALL_NAMES[@]:0:N}")
SEEDS=("${ALL_SEEDS[@]:0:N}")
: > "$DIR/parties"
for i in "${!PARTIES[@]}"; do echo "${PARTIES[$i]} ${SEEDS[$i]}" >> "$DIR/parties"; done
echo "$N" > "$DIR/members"
echo "${PARLEY_CHAIN:-local$N}" > "$DIR/chain"

for i in "${!PARTIES[@]}"; do prepare_party "${PARTIES[$i]}" "$i" "${SEEDS[$i]}"; done
for party in ${PARLEY_ISOLATE:-}; do isolate "$party" "$(party_index "$party")"; done
for i in "${!PARTIES[@]}"; do
  party="${PARTIES[$i]}"
  write_cmd "$party" "$i" "${SEEDS[$i]}"
  echo "[network] starting $party: rpc $(rpc_port "$i"), rest $(rest_port "$i"), p2p $(p2p_port "$i"), channel $(channel_port "$i")"
  : > "$DIR/$party/node.log"
  launch "$party"
done

for party in "${PARTIES[@]}"; do wait_for_blocks "$party" || { stop_network; exit 1; }; done
if (( N > 1 )); then
  for party in "${PARTIES[@]}"; do wait_for_channel "$party" || { stop_network; exit 1; }; done
fi

write_network_json
echo "[network] up: $DIR/network.json"
echo "[network] stop with: scripts/local-network.sh stop"

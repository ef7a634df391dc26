#!/usr/bin/env bash
# Parley's throughput and latency benchmark: drives a 3-party network on 127.0.0.1 with a named
# workload and prints, per kind of action and in total, actions/s sent and confirmed at every
# recipient, send→confirmed latency p50/p90/p99, each node's CPU seconds and peak memory, and the
# machine's limits measured in the same run (blake2b and HPKE seal per core, loopback TCP). The
# figures also go to target/bench/<workload>.json, with a per-second timeline, and a chart of
# that timeline to target/bench/<workload>.png. The run fails if
# any message sent is not confirmed exactly once at each of its recipients.
#
#   scripts/bench.sh private-small [--seconds 30] [--workers 8] [--depth 512] [--rate N]
#   scripts/bench.sh mix [--seconds 30] [--scale 1] [--rate N]   FireFly's long-run mix
#   scripts/bench.sh blob [--seconds 30] [--blob-bytes 8388608] [--streams N]  large blobs, private
#   scripts/bench.sh mix --soak 30                                 30 minutes; memory per minute
#   scripts/bench.sh smoke                                         each workload for 5 s, on one
#                                                                  network (the test suite's run)
#
# Starts its own local network (scripts/local-network.sh, stopped at the end) unless
# PARLEY_BENCH_NETWORK names the network.json of one that runs. Builds parley-node unless
# PARLEY_NODE is set, and the load generator (bench/, a Rust program: the client must not be the
# bottleneck).
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$PARLEY_ROOT"

workload="${1:?usage: scripts/bench.sh private-small|mix|blob|smoke [options] (see the top of this script)}"
shift

ensure_parley_node
echo "[bench] building the load generator"
cargo build --release --locked -q -p parley-bench

network="${PARLEY_BENCH_NETWORK:-}"
if [ -z "$network" ]; then
  export PARLEY_NETWORK_DIR="${PARLEY_NETWORK_DIR:-$CARGO_TARGET_DIR/bench-network}"
  # Ports apart from the default local network's, so both may run.
  export PARLEY_BASE_PORT="${PARLEY_BASE_PORT:-700}"
  PARLEY_NODE="$(parley_node_path)"
  export PARLEY_NODE
  trap 'bash scripts/local-network.sh stop >/dev/null 2>&1 || true' EXIT
  echo "[bench] starting a 3-party network in $PARLEY_NETWORK_DIR"
  bash scripts/local-network.sh stop >/dev/null 2>&1 || true
  rm -rf "$PARLEY_NETWORK_DIR"
  bash scripts/local-network.sh start --parties 3 | grep -v '^\[network\] waiting' || true
  network="$PARLEY_NETWORK_DIR/network.json"
  [ -f "$network" ] || { echo "[bench] the network did not start" >&2; exit 1; }
fi

mkdir -p target/bench
bench() {
  "$CARGO_TARGET_DIR/release/parley-bench" "$1" --network "$network" --json "target/bench/$1.json" "${@:2}"
}
if [ "$workload" = smoke ]; then
  # Short runs that keep the harness from rotting: their figures are printed, not asserted; each
  # fails only if a message is not confirmed exactly once at each of its recipients.
  cargo test --release --locked -q -p parley-bench
  bench mix --seconds 5 --scale 0.1 --drain-seconds 120
  bench private-small --seconds 5 --workers 2 --depth 16 --drain-seconds 120
  bench blob --seconds 5 --workers 1 --blob-bytes 1048576 --drain-seconds 120
else
  bench "$workload" "$@"
fi

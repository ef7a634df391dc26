#!/usr/bin/env bash
# Measures the Parley pallets with their frame-benchmarking benchmarks and rewrites each
# pallet's weights.rs from the results.
#   1. builds parley-node with the `runtime-benchmarks` feature (the `benchmark` subcommand);
#   2. runs `parley-node benchmark pallet` on the dev runtime for each pallet;
#   3. writes pallets/<name>/src/weights.rs through scripts/frame-weight-template.hbs.
# Commit the new weights.rs files. STEPS and REPEAT can be overridden from the environment.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$PARLEY_ROOT"

STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"

bash scripts/setup.sh
# frame-benchmarking-cli pulls in a test runtime for `benchmark storage`, which parley-node does
# not wire in; its WASM cannot be built against this workspace's metadata, so skip it.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
echo "[bench] cargo build --release -p parley-node --features runtime-benchmarks"
cargo build --release --locked -p parley-node --features runtime-benchmarks
NODE="$CARGO_TARGET_DIR/release/parley-node"

# Pallets to measure: all four by default, or those named on the command line (identities, pins,
# tokens, governance).
PALLETS=("${@:-identities pins tokens governance}")
for pallet in ${PALLETS[*]}; do
  echo "[bench] pallet_$pallet"
  "$NODE" benchmark pallet \
    --chain dev \
    --pallet "pallet_$pallet" \
    --extrinsic '*' \
    --steps "$STEPS" \
    --repeat "$REPEAT" \
    --wasm-execution compiled \
    --heap-pages 4096 \
    --template scripts/frame-weight-template.hbs \
    --output "pallets/$pallet/src/weights.rs"
done

# The benchmark build replaced target/release/parley-node; rebuild the everyday node so the
# scripts keep using a binary without the benchmark subcommand.
echo "[bench] rebuilding the everyday parley-node"
cargo build --release --locked -p parley-node
echo "[bench] done: review and commit pallets/*/src/weights.rs"

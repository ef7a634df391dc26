#!/usr/bin/env bash
# Measures the private data channel's blob throughput on loopback and prints MB/s.
#   scripts/bench-channel.sh [size MiB (64)] [chunk KiB (1024)] [chunks asked for at once (4)]
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$PARLEY_ROOT"
bash scripts/setup.sh >/dev/null
cargo run --release --locked -q -p parley-offchain --example blob_throughput -- "${1:-64}" "${2:-1024}" "${3:-4}"

#!/usr/bin/env bash
# Parley's whole test suite: what CI runs and what README.md tells a newcomer to run.
#  1. installs the build prerequisites (scripts/setup.sh; idempotent);
#  2. builds everything in release and runs every Rust unit test (pallets, runtime, node, the
#     private store against SQLite and against a throwaway local PostgreSQL server);
#  3. fuzzes the decoders that other parties' bytes reach (scripts/fuzz.sh: cargo fuzz, 30 s each);
#  4. runs the end-to-end tests in tests/: real parley-node processes on 127.0.0.1 (a dev node,
#     and the 3-party local3 network), driven by unmodified @polkadot/api, JSON-RPC, REST,
#     WebSockets and webhooks;
#  5. runs the benchmark briefly (scripts/bench.sh smoke: each workload for 5 s; every message
#     confirmed exactly once at each recipient, figures printed);
#  6. fuzzes the REST API from its OpenAPI document with schemathesis (no 5xx and no tool error
#     allowed), on a dev node and on a 3-party network's provider.
# One profile (release) for build and tests, and one target dir shared across clones
# ($CARGO_TARGET_DIR, default ~/.cache/parley/target), so the dependency graph compiles once.
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$PARLEY_ROOT"

started=$(date +%s)
stamp() { echo "[test] $* ($(( $(date +%s) - started )) s)"; }

bash scripts/setup.sh
source scripts/postgres.sh
postgres_start
trap postgres_stop EXIT

stamp "cargo test --release (the workspace's default members; builds parley-node and the runtime too)"
cargo test --release --locked

stamp "the pins and tokens pallets' storage migrations under try-runtime (their pre- and post-upgrade checks)"
SKIP_WASM_BUILD=1 cargo test --release --locked -p pallet-pins -p pallet-tokens \
  --features pallet-pins/try-runtime,pallet-tokens/try-runtime migration

stamp "fuzzing every decoder of other parties' bytes (libFuzzer with AddressSanitizer, 30 s per target)"
bash scripts/fuzz.sh "${PARLEY_FUZZ_SECONDS:-30}"

stamp "the previous release's runtime, that the upgrade test starts a network on"
PARLEY_PREVIOUS_RUNTIME="$(bash scripts/previous-runtime.sh)"
export PARLEY_PREVIOUS_RUNTIME

stamp "building parley-node"
cargo build --release --locked -p parley-node

stamp "installing the end-to-end tests' npm packages"
(cd tests/js && npm ci --no-audit --no-fund --loglevel=error)

# The end-to-end files: most wait on blocks and finality, not on the CPU, and run two at a time
# (each on its own network, on port ranges claimed in tests/js/harness.mjs); the ones that load
# the machine to prove nothing is lost under faults and bursts run alone afterwards, so that no
# other network competes with them. --test-timeout bounds each test and also each file as a
# whole (a file's tests run one after the other on one network): 10 minutes, which the longest
# file (tokens.test.mjs, about 5) fits.
heavy=(burst.test.mjs faults.test.mjs faults-postgres.test.mjs partition.test.mjs)
light=()
for file in tests/js/*.test.mjs; do
  name=$(basename "$file")
  [[ " ${heavy[*]} " == *" $name "* ]] || light+=("./$name")
done
stamp "end-to-end tests against $(parley_node_path), two files at a time: ${light[*]}"
(cd tests/js && PARLEY_NODE="$(parley_node_path)" node --test --test-concurrency=2 --test-timeout=600000 "${light[@]}")
stamp "end-to-end tests under load, one file at a time: ${heavy[*]}"
(cd tests/js && PARLEY_NODE="$(parley_node_path)" node --test --test-concurrency=1 --test-timeout=600000 "${heavy[@]/#/./}")

stamp "benchmark smoke run: the mix, private-small and blob for 5 s each on a 3-party network (figures printed, not asserted)"
PARLEY_NODE="$(parley_node_path)" bash scripts/bench.sh smoke

stamp "schemathesis against the REST API's OpenAPI document: a dev node, then a 3-party network (no 5xx allowed)"
PARLEY_NODE="$(parley_node_path)" bash tests/schemathesis.sh

stamp "all tests passed"

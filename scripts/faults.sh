#!/usr/bin/env bash
# The fault suite on a local 3-party network: parties killed with SIGKILL at random moments
# under a mixed load (private messages to groups of 1 and 2 recipients, broadcasts, private
# messages with a blob, token transfers) while every party keeps a durable WebSocket
# subscription; it fails unless every message is confirmed exactly once at each of its
# recipients, in order, each subscription saw every confirmation, and each transfer moved its
# tokens exactly once or not at all (tests/js/faults.test.mjs, which the README's test command runs with 4 kills), and
# the same with every store on PostgreSQL (faults-postgres.test.mjs, when PARLEY_TEST_POSTGRES_URL
# names a server; this script starts one with scripts/postgres.sh), and on four parties through a
# network partition and an outage: insurer-b in a network namespace of its own, cut off from the
# others for two minutes under the same load and healed, then down for ten minutes with state
# kept for 16 blocks, on SQLite stores and again on PostgreSQL (partition.test.mjs; needs root
# and ip(8)).
# Here broadcasts must also confirm in the order sent (see the test's STRICT_BROADCAST).
#
#   scripts/faults.sh                 20 kills
#   PARLEY_FAULT_KILLS=50 scripts/faults.sh
#   PARLEY_FAULT_SEED=123 scripts/faults.sh   replay a run (the seed is printed)
#   PARLEY_FAULT_PARTITION_SECONDS=600 PARLEY_FAULT_OUTAGE_SECONDS=3600 scripts/faults.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
cd "$PARLEY_ROOT"
ensure_parley_node
source scripts/postgres.sh
postgres_start
trap postgres_stop EXIT
cd tests/js
[ -d node_modules ] || npm ci --no-audit --no-fund
PARLEY_FAULT_KILLS="${PARLEY_FAULT_KILLS:-20}" PARLEY_FAULT_PARTITION_SECONDS="${PARLEY_FAULT_PARTITION_SECONDS:-120}" PARLEY_FAULT_OUTAGE_SECONDS="${PARLEY_FAULT_OUTAGE_SECONDS:-600}" \
  PARLEY_FAULT_STRICT_BROADCAST="${PARLEY_FAULT_STRICT_BROADCAST:-1}" PARLEY_FAULT_PARTITION_POSTGRES=1 \
  PARLEY_NODE="$(parley_node_path)" \
  node --test --test-concurrency=1 --test-timeout=7200000 ./faults.test.mjs ./faults-postgres.test.mjs ./partition.test.mjs

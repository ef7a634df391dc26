// End to end: a network partition, then a long outage, on four nodes (three keep finalizing
// without the fourth). insurer-b runs in a network namespace of its own (scripts/local-network.sh's
// PARLEY_ISOLATE), joined to the others by a switch the test flips. Under the fault suite's load
// (tests/js/faults.mjs) it is cut off from the others for PARLEY_FAULT_PARTITION_SECONDS (20 here;
// scripts/faults.sh: 120) and healed; then killed and kept down for PARLEY_FAULT_OUTAGE_SECONDS
// (50 here, about 19 blocks; scripts/faults.sh: 600), with every node keeping state for only 16
// blocks, so that it comes back from past the others' pruning window (the test checks it did).
// Nothing sent on any side is lost or duplicated, order holds, and confirmations resume.
// With PARLEY_FAULT_PARTITION_POSTGRES=1 (scripts/faults.sh sets it) the same runs again with
// every party's store on PostgreSQL (PARLEY_TEST_POSTGRES_URL).
import { test } from 'node:test';
import { OUTAGE_SECONDS, PARTITION_SECONDS, onNetwork, partitionLoop } from './faults.mjs';

/** Blocks of state every node keeps (`--state-pruning`); the outage must outlast it. */
const PRUNING_WINDOW = 16;
const root = process.getuid?.() === 0;
const postgres = process.env.PARLEY_TEST_POSTGRES_URL;
// The start, the partition, the outage and the catching up after it (up to one and a half
// times the outage: a party back records every block it missed and fetches every blob).
const timeout = 300_000 + (PARTITION_SECONDS + 2.5 * OUTAGE_SECONDS) * 1000;
const run = (options) => onNetwork({ parties: 4, isolate: ['insurer-b'], nodeArgs: `--state-pruning ${PRUNING_WINDOW}`, ...options },
  (net) => partitionLoop(net, { name: 'insurer-b', seconds: PARTITION_SECONDS, outageSeconds: OUTAGE_SECONDS, pruningWindow: PRUNING_WINDOW }));

test(`nothing lost or duplicated through a ${PARTITION_SECONDS} s partition and a ${OUTAGE_SECONDS} s outage of insurer-b`,
  { timeout, skip: root ? false : 'a network namespace needs root' }, () => run({}));

test('the same with every party\'s store on PostgreSQL', {
  timeout,
  skip: !root ? 'a network namespace needs root'
    : process.env.PARLEY_FAULT_PARTITION_POSTGRES !== '1' ? 'PARLEY_FAULT_PARTITION_POSTGRES is not 1 (scripts/faults.sh sets it)'
      : !postgres ? 'PARLEY_TEST_POSTGRES_URL is not set' : false,
}, () => run({ postgres }));

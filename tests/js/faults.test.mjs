// End to end: the kill -9 loop (tests/js/faults.mjs) on three nodes with SQLite stores.
import { test } from 'node:test';
import { KILLS, killLoop, onNetwork } from './faults.mjs';

test(`nothing lost or duplicated, one order everywhere, through ${KILLS} SIGKILLs of random parties under load`, { timeout: 360_000 + KILLS * 60_000 }, async () => {
  await onNetwork({}, (net) => killLoop(net, { kills: KILLS }));
});

// End to end: the kill -9 loop (tests/js/faults.mjs) with every party's store on PostgreSQL
// (scripts/postgres.sh's server, which scripts/test.sh starts), restarted halfway through.
import { test } from 'node:test';
import { PG_KILLS, killLoop, onNetwork } from './faults.mjs';

const postgres = process.env.PARLEY_TEST_POSTGRES_URL;
test('the same with every party\'s store on PostgreSQL, through a PostgreSQL restart', {
  skip: postgres ? false : 'PARLEY_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)',
  timeout: 360_000 + PG_KILLS * 60_000,
}, async () => {
  await onNetwork({ postgres }, (net) => killLoop(net, { kills: PG_KILLS, postgresRestart: true }));
});

// Checks the counts of bench/nibrs.sh: palermo's counts from the bundle
// scaled N times must be N times its counts from the real bundle, and must
// equal DuckDB's counts from the same scaled bundle.
//
//   node bench/nibrs_check.mjs real.parquet scaled.parquet N duckdb.parquet
import { DuckDBInstance } from '@duckdb/node-api';

const [real, scaled, n, duck] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
// palermo's breakdown nibrs_offense=40A;race=black and DuckDB's race codes.
const races = { W: 'white', B: 'black', I: 'american_indian_alaska_native', A: 'asian', P: 'native_hawaiian_pacific_islander',
  AP: 'asian_pacific_islander', M: 'multiple', U: 'unknown', NS: 'unknown', C: 'chinese', J: 'japanese', O: 'other' };
const rows = async (sql) => (await conn.runAndReadAll(sql)).getRows();
const palermo = (file) => `SELECT period, measure, age_group, breakdown, value FROM read_parquet('${file}')`;
const bad = await rows(`
  SELECT r.period, r.measure, r.age_group, r.breakdown, r.value, s.value
  FROM (${palermo(real)}) r FULL JOIN (${palermo(scaled)}) s USING (period, measure, age_group, breakdown)
  WHERE s.value IS DISTINCT FROM r.value * ${Number(n)}`);
const [[counted]] = await rows(`SELECT sum(value) FROM (${palermo(scaled)})`);
let failed = bad.length > 0;
for (const b of bad) console.log('not N times the real count:', b.join(' '));
// DuckDB's non-zero counts against palermo's.
const mapped = Object.entries(races).map(([code, name]) => `WHEN '${code}' THEN '${name}'`).join(' ');
const diff = await rows(`
  WITH d AS (SELECT year AS period, measure, age, 'nibrs_offense=' || offence
      || CASE WHEN race = '' THEN '' ELSE ';race=' || (CASE race ${mapped} END) END AS breakdown, sum(n) AS n
    FROM read_parquet('${duck}') GROUP BY ALL),
  p AS (SELECT period, measure, age_group AS age, breakdown, value AS n FROM (${palermo(scaled)}) WHERE value > 0)
  SELECT * FROM d FULL JOIN p USING (period, measure, age, breakdown) WHERE d.n IS DISTINCT FROM p.n`);
for (const d of diff) console.log('palermo and DuckDB differ:', d.join(' '));
failed ||= diff.length > 0;
console.log(failed ? 'counts: MISMATCH' : `counts: ${n} times the real bundle's, equal to DuckDB's (${counted} records counted)`);
process.exit(failed ? 1 : 0);

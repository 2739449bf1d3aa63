// The DuckDB side of bench/nibrs.sh: the job `palermo ingest --source
// fbi_nibrs` does on a NIBRS state bundle, from the same ZIP. DuckDB reads
// no ZIP, so the tables palermo reads are extracted first (unzip, timed as
// part of the job); then DuckDB reads them, joins offences, victims and
// arrestees with the code tables, counts what palermo counts (human-
// trafficking offences and their victims by age group, trafficking and
// prostitution arrests by age group and by race) and writes the counts as
// zstd Parquet.
//
//   node bench/nibrs_duckdb.mjs bundle.zip workdir out.parquet [threads]
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [zip, work, out, threads = '2'] = process.argv.slice(2);
const start = performance.now();
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const tables = ['NIBRS_OFFENSE_TYPE', 'NIBRS_AGE', 'REF_RACE', 'NIBRS_ARRESTEE', 'NIBRS_OFFENSE', 'NIBRS_VICTIM_OFFENSE', 'NIBRS_VICTIM'];
execFileSync('unzip', ['-q', '-o', '-j', zip, ...tables.map((t) => `*/${t}.csv`), '-d', work]);
const csv = (t) => `read_csv('${work}/${t}.csv', header = true, all_varchar = true)`;

const db = await DuckDBInstance.create(':memory:', { threads });
const conn = await db.connect();
// The age group palermo gives a NIBRS age: the code table says which ids
// are under one year (NN, NB, BB), over 98 (99), unknown (00, NS); other
// ages in years count as minor under 18.
const ageGroup = (t) => `CASE
    WHEN g.AGE_CODE IN ('NN', 'NB', 'BB') THEN 'minor'
    WHEN g.AGE_CODE = '99' THEN 'adult'
    WHEN g.AGE_CODE IN ('00', 'NS') THEN 'unknown'
    WHEN g.AGE_CODE IS NOT NULL AND g.AGE_CODE <> 'AG' THEN 'unknown'
    WHEN try_cast(${t}.AGE_NUM AS INTEGER) IS NULL THEN 'unknown'
    WHEN try_cast(${t}.AGE_NUM AS INTEGER) < 18 THEN 'minor'
    ELSE 'adult' END`;
await conn.run(`
  CREATE TABLE codes AS SELECT OFFENSE_TYPE_ID, OFFENSE_CODE FROM ${csv('NIBRS_OFFENSE_TYPE')}
    WHERE OFFENSE_CODE IN ('64A', '64B', '40A', '40B', '40C');
  CREATE TABLE ages AS SELECT AGE_ID, AGE_CODE FROM ${csv('NIBRS_AGE')};
  CREATE TABLE races AS SELECT RACE_ID, RACE_CODE FROM ${csv('REF_RACE')};
  CREATE TABLE ht AS SELECT o.DATA_YEAR, o.OFFENSE_ID, c.OFFENSE_CODE
    FROM ${csv('NIBRS_OFFENSE')} o JOIN codes c USING (OFFENSE_TYPE_ID) WHERE c.OFFENSE_CODE IN ('64A', '64B');
  CREATE TABLE arrests AS SELECT a.DATA_YEAR, c.OFFENSE_CODE, a.AGE_ID, a.AGE_NUM, a.RACE_ID
    FROM ${csv('NIBRS_ARRESTEE')} a JOIN codes c USING (OFFENSE_TYPE_ID);
  CREATE TABLE counts AS
    SELECT a.DATA_YEAR AS year, 'arrests' AS measure, a.OFFENSE_CODE AS offence, ${ageGroup('a')} AS age, '' AS race, count(*) AS n
      FROM arrests a LEFT JOIN ages g USING (AGE_ID) GROUP BY ALL
    UNION ALL
    SELECT a.DATA_YEAR, 'arrests', a.OFFENSE_CODE, 'all', r.RACE_CODE, count(*)
      FROM arrests a JOIN races r USING (RACE_ID) GROUP BY ALL
    UNION ALL
    SELECT DATA_YEAR, 'offences_recorded', OFFENSE_CODE, 'all', '', count(*) FROM ht GROUP BY ALL
    UNION ALL
    SELECT h.DATA_YEAR, 'victims_recorded', h.OFFENSE_CODE, ${ageGroup('v')}, '', count(DISTINCT v.VICTIM_ID)
      FROM (SELECT DISTINCT VICTIM_ID, OFFENSE_ID FROM ${csv('NIBRS_VICTIM_OFFENSE')}) vo
      JOIN ht h USING (OFFENSE_ID) JOIN ${csv('NIBRS_VICTIM')} v USING (VICTIM_ID) LEFT JOIN ages g USING (AGE_ID) GROUP BY ALL;
  COPY (SELECT * FROM counts ORDER BY ALL) TO '${out}' (FORMAT parquet, COMPRESSION zstd);
`);
const reader = await conn.runAndReadAll(`SELECT count(*), sum(n) FROM counts`);
const [[groups, total]] = reader.getRows();
console.log(`duckdb: ${groups} counts (${total} records counted) in ${((performance.now() - start) / 1000).toFixed(2)} s`);
rmSync(work, { recursive: true, force: true });

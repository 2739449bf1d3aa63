// The DuckDB side of bench/compare.sh: the same job as `palermo ingest` of
// an operations file — a typed read, a Parquet write and the per
// jurisdiction and year aggregates behind palermo's operation indicators.
//
//   node bench/duckdb.mjs ops.csv out.parquet [threads]
import { DuckDBInstance } from '@duckdb/node-api';

const [file, out, threads = '2'] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads });
const conn = await db.connect();
const start = performance.now();
await conn.run(`
  CREATE TABLE ops AS SELECT * FROM read_csv('${file}', header = true, columns = {
    'operation_id': 'VARCHAR', 'agency': 'VARCHAR', 'jurisdiction': 'VARCHAR',
    'start_date': 'DATE', 'end_date': 'DATE', 'operation_type': 'VARCHAR',
    'arrests_total': 'BIGINT', 'arrests_traffickers': 'BIGINT', 'arrests_buyers': 'BIGINT',
    'arrests_sellers': 'BIGINT', 'victims_identified_adult': 'BIGINT', 'victims_identified_minor': 'BIGINT',
    'victims_referred_to_services': 'BIGINT', 'victims_arrested': 'BIGINT',
    'continued_presence_requests': 'BIGINT', 'source_url': 'VARCHAR'})`);
await conn.run(`COPY ops TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
const reader = await conn.runAndReadAll(`
  SELECT jurisdiction, year(start_date) AS period,
    sum(victims_identified_adult + victims_identified_minor) FILTER (WHERE arrests_total IS NOT NULL) AS victims,
    sum(arrests_total) FILTER (WHERE victims_identified_adult IS NOT NULL AND victims_identified_minor IS NOT NULL) AS arrests,
    count(*) FILTER (WHERE victims_identified_adult + victims_identified_minor = 0) AS without_victims,
    count(victims_identified_adult + victims_identified_minor) AS reporting
  FROM ops GROUP BY ALL ORDER BY ALL`);
const groups = reader.getRows().length;
console.log(`duckdb: ${groups} groups in ${((performance.now() - start) / 1000).toFixed(2)} s`);

#!/usr/bin/env bash
# Times `palermo ingest` of a generated operations file against DuckDB doing
# the same job (typed read, Parquet write, the per jurisdiction and year
# aggregates) on the same file in the same run, and prints the wall-time
# ratio and both peak RSS. By hand, not in CI:
#
#   bench/compare.sh              # 1M rows
#   ROWS=10000000 bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-1000000}"
THREADS="${THREADS:-2}"
work="${WORK:-$(mktemp -d)}"
echo "work dir: $work, rows: $ROWS, DuckDB threads: $THREADS, $(nproc) cores"

go build -o "$work/palermo" ./cmd/palermo
[ -s "$work/ops-$ROWS.csv" ] || go run ./bench/gen -rows "$ROWS" > "$work/ops-$ROWS.csv"
ls -l "$work/ops-$ROWS.csv" | awk '{printf "file: %.1f MB\n", $5/1e6}'
if [ ! -d "$work/node_modules/@duckdb/node-api" ]; then
  (cd "$work" && npm install --silent --no-audit --no-fund @duckdb/node-api >/dev/null)
fi
cp bench/duckdb.mjs "$work/"
cat > "$work/bench.yaml" <<YAML
data_dir: $work/data
sources:
  operations:
    location: $work/ops-$ROWS.csv
YAML
sync
measure() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }
rm -rf "$work/data"
read -r p_wall p_rss < <(measure "$work/palermo" ingest --config "$work/bench.yaml" --source operations --log-level error "$work/ops-$ROWS.csv")
rm -f "$work/duck.parquet"
read -r d_wall d_rss < <(cd "$work" && measure node duckdb.mjs "$work/ops-$ROWS.csv" "$work/duck.parquet" "$THREADS")
awk -v pw="$p_wall" -v pr="$p_rss" -v dw="$d_wall" -v dr="$d_rss" -v rows="$ROWS" 'BEGIN {
  printf "palermo ingest: %.2f s, peak RSS %.0f MiB\n", pw, pr/1024
  printf "duckdb:         %.2f s, peak RSS %.0f MiB\n", dw, dr/1024
  printf "ratio palermo/duckdb (wall): %.2f   rows: %d\n", pw/dw, rows }'

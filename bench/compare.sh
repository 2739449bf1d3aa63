#!/usr/bin/env bash
# Times `palermo ingest` of a generated operations file against DuckDB doing
# the same job (typed read, Parquet write with zstd, the per jurisdiction and
# year aggregates) on the same file in the same run, RUNS times each in
# turn, and prints the median wall times, their ratio, palermo's MB/s and
# both peak RSS. With several sizes in ROWS it also prints how palermo's
# peak RSS at each size compares with the first (memory should not follow
# the file). By hand, not in CI:
#
#   bench/compare.sh                            # 1M rows, 3 runs each
#   ROWS=10000000 bench/compare.sh
#   ROWS="1000000 10000000" RUNS=5 bench/compare.sh
#   RUNS=5 THREADS=1 bench/compare.sh           # DuckDB on one thread
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${ROWS:-1000000}"
THREADS="${THREADS:-2}"
RUNS="${RUNS:-3}"
work="${WORK:-$(mktemp -d)}"
echo "work dir: $work, rows: $ROWS, runs: $RUNS, DuckDB threads: $THREADS, $(nproc) cores, $(go version | cut -d' ' -f3)"

. bench/lib.sh
cp bench/duckdb.mjs "$work/"

for rows in $ROWS; do
  csv="$work/ops-$rows.csv"
  [ -s "$csv" ] || go run ./bench/gen -rows "$rows" > "$csv"
  bytes=$(stat -c %s "$csv")
  echo
  awk -v b="$bytes" -v r="$rows" 'BEGIN { printf "%d rows, file: %.1f MB\n", r, b/1e6 }'
  cat > "$work/bench.yaml" <<YAML
data_dir: $work/data
sources:
  operations:
    location: $csv
YAML
  sync
  : > "$work/times"
  for run in $(seq "$RUNS"); do
    rm -rf "$work/data"
    echo "palermo $(measure "$work/palermo" ingest --config "$work/bench.yaml" --source operations --log-level error "$csv")" >> "$work/times"
    rm -f "$work/duck.parquet"
    echo "duckdb $(cd "$work" && measure node duckdb.mjs "$csv" "$work/duck.parquet" "$THREADS")" >> "$work/times"
  done
  cat "$work/times"
  sort -k1,1 -k2,2n "$work/times" | awk -v runs="$RUNS" -v bytes="$bytes" -v size="$rows" -v what=rows -v peaks="$work/peaks" -f bench/medians.awk
done

compare_peaks rows

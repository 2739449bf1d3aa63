#!/usr/bin/env bash
# Times `palermo ingest --source fbi_nibrs` of the real Minnesota 2018 NIBRS
# bundle scaled COPIES times (bench/nibrsgen: ids offset per copy, so the
# joins hold) against DuckDB doing the same job from the same ZIP
# (bench/nibrs_duckdb.mjs: extract, read, join, count, write zstd Parquet),
# RUNS times each in turn, and prints the median wall times, their ratio,
# palermo's MB/s of ZIP bytes and both peak RSS. It checks that palermo's
# counts are COPIES times those of the real bundle and equal DuckDB's
# (bench/nibrs_check.mjs). With several sizes it compares palermo's peak
# RSS at each with the first. By hand, not in CI:
#
#   bench/nibrs.sh                              # 20 and 200 copies, 3 runs each
#   COPIES="20 200 500" RUNS=5 bench/nibrs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES="${COPIES:-20 200}"
THREADS="${THREADS:-2}"
RUNS="${RUNS:-3}"
work="${WORK:-$(mktemp -d)}"
real=sources/testdata/fbi_nibrs/nibrs_MN_2018.zip
echo "work dir: $work, copies: $COPIES, runs: $RUNS, DuckDB threads: $THREADS, $(nproc) cores, $(go version | cut -d' ' -f3)"

. bench/lib.sh
cp bench/nibrs_duckdb.mjs bench/nibrs_check.mjs "$work/"
snapshot() { echo "$1/snapshots/fbi_nibrs/$(cat "$1/snapshots/fbi_nibrs/CURRENT")/observations.parquet"; }
config() { printf 'data_dir: %s\nsources:\n  fbi_nibrs:\n    location: %s\n    max_bytes: 64GB\n' "$1" "$2" > "$3"; }

# The real bundle's counts, to check the scaled ones against.
config "$work/data-1" "$real" "$work/real.yaml"
rm -rf "$work/data-1"
"$work/palermo" ingest --config "$work/real.yaml" --source fbi_nibrs --log-level error "$real" > /dev/null

for copies in $COPIES; do
  zip="$work/mn-$copies.zip"
  [ -s "$zip" ] || go run ./bench/nibrsgen/cmd -copies "$copies" -out "$zip"
  bytes=$(stat -c %s "$zip")
  echo
  awk -v b="$bytes" -v c="$copies" 'BEGIN { printf "%d copies of Minnesota 2018 (%d incidents), ZIP: %.1f MB\n", c, c*18779, b/1e6 }'
  config "$work/data" "$zip" "$work/bench.yaml"
  sync
  : > "$work/times"
  for run in $(seq "$RUNS"); do
    rm -rf "$work/data"
    echo "palermo $(measure "$work/palermo" ingest --config "$work/bench.yaml" --source fbi_nibrs --log-level error "$zip")" >> "$work/times"
    rm -f "$work/duck.parquet"
    echo "duckdb $(cd "$work" && measure node nibrs_duckdb.mjs "$zip" "$work/extract" "$work/duck.parquet" "$THREADS")" >> "$work/times"
  done
  cat "$work/times"
  (cd "$work" && node nibrs_check.mjs "$(snapshot "$work/data-1")" "$(snapshot "$work/data")" "$copies" "$work/duck.parquet")
  sort -k1,1 -k2,2n "$work/times" | awk -v runs="$RUNS" -v bytes="$bytes" -v size="$copies" -v what=copies -v peaks="$work/peaks" -f bench/medians.awk
done

compare_peaks copies

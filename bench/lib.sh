# bench/lib.sh: what bench/compare.sh and bench/nibrs.sh share. Sourced with
# $work set; it builds palermo into $work and installs DuckDB's Node API
# there once.

go build -o "$work/palermo" ./cmd/palermo
if [ ! -d "$work/node_modules/@duckdb/node-api" ]; then
  (cd "$work" && npm install --silent --no-audit --no-fund @duckdb/node-api >/dev/null)
fi
echo "duckdb: $(cd "$work" && node -e 'console.log(require("@duckdb/node-api/package.json").version)' 2>/dev/null || echo '?') (@duckdb/node-api)"
: > "$work/peaks"

# measure CMD... prints "wall_seconds user_seconds max_rss_kb".
measure() { /usr/bin/time -f "%e %U %M" "$@" 2>&1 >/dev/null | tail -1; }

# compare_peaks WHAT: with several sizes measured (lines "SIZE RSS_KB" in
# $work/peaks), palermo's peak RSS at each size against the first.
compare_peaks() {
  if [ "$(wc -l < "$work/peaks")" -gt 1 ]; then
    echo
    awk -v what="$1" 'NR == 1 { first = $2; size = $1 }
      { printf "palermo peak RSS at %d %s: %.1f MiB, %+.1f%% against %d %s\n", $1, what, $2/1024, 100*($2/first - 1), size, what }' "$work/peaks"
  fi
}

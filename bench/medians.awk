# medians.awk: reads the lines "TOOL WALL_SECONDS USER_SECONDS MAX_RSS_KB"
# that bench/compare.sh and bench/nibrs.sh time, RUNS per tool, and prints
# each tool's median wall time with the MB/s of BYTES, its mean user CPU
# and peak RSS, and the ratio palermo/duckdb of the medians. SIZE (rows or
# copies, named by WHAT) is appended to PEAKS with palermo's peak RSS.
{ n[$1]++; wall[$1, n[$1]] = $2; user[$1] += $3; if ($4 > rss[$1]) rss[$1] = $4 }
END {
  mid = int((runs + 1) / 2)
  p = wall["palermo", mid]; d = wall["duckdb", mid]
  printf "palermo ingest: median %.2f s (%.0f MB/s), user CPU %.2f s, peak RSS %.0f MiB\n", p, bytes/1e6/p, user["palermo"]/runs, rss["palermo"]/1024
  printf "duckdb:         median %.2f s (%.0f MB/s), user CPU %.2f s, peak RSS %.0f MiB\n", d, bytes/1e6/d, user["duckdb"]/runs, rss["duckdb"]/1024
  printf "ratio palermo/duckdb (median wall): %.2f   %s: %d\n", p/d, what, size
  print size, rss["palermo"] >> peaks
}

// Command gen writes a deterministic operations CSV in palermo's operations
// template, for benchmarks (see package opsgen). Never use its output as
// data.
//
//	go run ./bench/gen -rows 1000000 > ops-1m.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/palermo-project/palermo/bench/opsgen"
)

func main() {
	rows := flag.Int("rows", 1000, "rows to write")
	seed := flag.Uint64("seed", 1, "random seed (same seed, same file)")
	flag.Parse()
	if err := opsgen.Write(os.Stdout, *rows, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// Command gen writes a deterministic operations CSV in palermo's operations
// template, for benchmarks: realistic shapes (quoted agency names with
// commas, blanks for counts not reported, explicit zeros), invented values.
// Never use its output as data.
//
//	go run ./bench/gen -rows 1000000 > ops-1m.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/palermo-project/palermo/sources"
)

var agencies = []string{"FBI", "HSI", "State Police", `"Sheriff's Office, County A"`, `"Police Department, City B"`,
	"Attorney General Task Force", "DOL Wage and Hour", `"Task Force, Region C"`, "Port Authority Police", "Tribal Police"}

var states = []string{"US-AL", "US-AZ", "US-CA", "US-CO", "US-FL", "US-GA", "US-IL", "US-MN", "US-NY", "US-TX", "US-WA", "USA", "MEX", "CAN"}

func main() {
	rows := flag.Int("rows", 1000, "rows to write")
	seed := flag.Uint64("seed", 1, "random seed (same seed, same file)")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	rng := rand.New(rand.NewPCG(*seed, 2))
	w.WriteString(strings.Join(sources.OperationsTemplateColumns, ",") + "\n")
	base := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	count := func(max int) string {
		switch r := rng.IntN(10); {
		case r < 3:
			return "" // not reported
		case r < 5:
			return "0" // reported as zero
		default:
			return strconv.Itoa(rng.IntN(max))
		}
	}
	for i := 0; i < *rows; i++ {
		start := base.AddDate(0, 0, rng.IntN(15*365))
		end := start.AddDate(0, 0, rng.IntN(30))
		total := rng.IntN(300)
		traffickers := rng.IntN(total/4 + 1)
		adult, minor := rng.IntN(40), rng.IntN(20)
		fmt.Fprintf(w, "op-%09d,%s,%s,%s,%s,%s,%d,%d,%s,%s,%d,%d,%s,%s,%s,https://example.org/release/%d\n",
			i, agencies[rng.IntN(len(agencies))], states[rng.IntN(len(states))],
			start.Format(time.DateOnly), end.Format(time.DateOnly), sources.OperationTypes[rng.IntN(len(sources.OperationTypes))],
			total, traffickers, count(total/4+1), count(total/4+1), adult, minor,
			count(adult+minor+1), count(adult+1), count(adult+minor+1), i)
	}
}

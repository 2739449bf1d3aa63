// Package opsgen writes deterministic operations CSV files in palermo's
// operations template for benchmarks: realistic shapes (quoted agency names
// with commas, blanks for counts not reported, explicit zeros), invented
// values. Never use its output as data.
package opsgen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/palermo-project/palermo/sources"
)

var agencies = []string{"FBI", "HSI", "State Police", `"Sheriff's Office, County A"`, `"Police Department, City B"`,
	"Attorney General Task Force", "DOL Wage and Hour", `"Task Force, Region C"`, "Port Authority Police", "Tribal Police"}

var jurisdictions = []string{"US-AL", "US-AZ", "US-CA", "US-CO", "US-FL", "US-GA", "US-IL", "US-MN", "US-NY", "US-TX", "US-WA", "USA", "MEX", "CAN"}

// Write writes the header and rows operations; the same seed writes the
// same file.
func Write(out io.Writer, rows int, seed uint64) error {
	w := bufio.NewWriterSize(out, 1<<20)
	rng := rand.New(rand.NewPCG(seed, 2))
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
	for i := 0; i < rows; i++ {
		start := base.AddDate(0, 0, rng.IntN(15*365))
		end := start.AddDate(0, 0, rng.IntN(30))
		total := rng.IntN(300)
		traffickers := rng.IntN(total/4 + 1)
		adult, minor := rng.IntN(40), rng.IntN(20)
		fmt.Fprintf(w, "op-%09d,%s,%s,%s,%s,%s,%d,%d,%s,%s,%d,%d,%s,%s,%s,https://example.org/release/%d\n",
			i, agencies[rng.IntN(len(agencies))], jurisdictions[rng.IntN(len(jurisdictions))],
			start.Format(time.DateOnly), end.Format(time.DateOnly), sources.OperationTypes[rng.IntN(len(sources.OperationTypes))],
			total, traffickers, count(total/4+1), count(total/4+1), adult, minor,
			count(adult+minor+1), count(adult+1), count(adult+minor+1), i)
	}
	return w.Flush()
}

package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/palermo-project/palermo/internal/diag"
)

// operationsFile writes n operations in the template, with quoted fields
// holding commas, quotes and line breaks, CRLF line ends on some rows,
// blank lines, and a few invalid rows.
func operationsFile(n int) []byte {
	rng := rand.New(rand.NewPCG(3, 4))
	var b bytes.Buffer
	b.WriteString(strings.Join(OperationsTemplateColumns, ",") + "\n")
	agencies := []string{"FBI", `"Sheriff's Office, County A"`, `"Task Force ""North"""`, "\"Two\nlines\"", "HSI"}
	for i := 0; i < n; i++ {
		end := "\n"
		if i%7 == 0 {
			end = "\r\n"
		}
		jur := "US-MN"
		if i%97 == 5 {
			jur = "Minnesota" // invalid: quarantined
		}
		fmt.Fprintf(&b, "op-%d,%s,%s,2021-03-%02d,,sting,%d,1,,,%d,0,,,,https://example.org/r/%d%s",
			i, agencies[rng.IntN(len(agencies))], jur, 1+i%28, 2+rng.IntN(9), rng.IntN(5), i, end)
		if i%50 == 0 {
			b.WriteString("\n") // a blank line
		}
	}
	return b.Bytes()
}

type streamed struct {
	Rows   [][]any
	Result StreamResult
	Err    string
}

func runStream(t *testing.T, data []byte, workers, chunk int) streamed {
	t.Helper()
	var out streamed
	res, err := streamOperations(context.Background(), StreamInput{Name: "ops.csv", R: bytes.NewReader(data),
		Mem: memory.NewGoAllocator(), Workers: workers, Chunk: chunk}, func(rec arrow.RecordBatch) error {
		for i := 0; i < int(rec.NumRows()); i++ {
			row := []any{}
			for c := 0; c < int(rec.NumCols()); c++ {
				row = append(row, rec.Column(c).GetOneForMarshal(i))
			}
			out.Rows = append(out.Rows, row)
		}
		return nil
	})
	if err != nil {
		out.Err = err.Error()
	} else {
		out.Result = *res
	}
	return out
}

// TestStreamOperationsChunking: however the file is cut into chunks and
// however many goroutines parse them, the rows, their order, the
// quarantined rows and the positions of their errors are the same.
func TestStreamOperationsChunking(t *testing.T) {
	data := operationsFile(3000)
	want := runStream(t, data, 1, len(data)+1)
	if want.Err != "" || len(want.Rows) < 2900 || want.Result.QuarantinedRows == 0 {
		t.Fatalf("reference parse: %d rows, %+v, %s", len(want.Rows), want.Result, want.Err)
	}
	for _, c := range []struct{ workers, chunk int }{{1, 1}, {2, 64}, {4, 1000}, {3, 4096}, {2, 1 << 20}} {
		got := runStream(t, data, c.workers, c.chunk)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%d workers, chunks of %d bytes: %d rows, %+v, %q; want %d rows, %+v",
				c.workers, c.chunk, len(got.Rows), got.Result, got.Err, len(want.Rows), want.Result)
		}
	}
	// A syntax error late in the file stops the parse at its position (the
	// stray closing quote, as encoding/csv reports it), whatever the
	// chunking.
	bad := append(append([]byte(nil), data...), []byte("op-x,FBI,US-MN,2021-01-01,,sting,1,\"1\"x,,,0,0,,,,https://example.org/\n")...)
	lines := bytes.Count(data, []byte("\n")) + 1
	wantErr := fmt.Sprintf("ops.csv:%d:38: extraneous or missing \" in quoted-field", lines)
	for _, c := range []struct{ workers, chunk int }{{1, len(bad) + 1}, {2, 100}, {4, 1 << 12}} {
		if got := runStream(t, bad, c.workers, c.chunk); got.Err != wantErr {
			t.Fatalf("%d workers, chunks of %d: error %q, want %q", c.workers, c.chunk, got.Err, wantErr)
		}
	}
}

// TestParseOperationsRepeats: Parse quarantines a repeated operation_id
// wherever it is in the file, with the line of the first.
func TestParseOperationsRepeats(t *testing.T) {
	data := operationsFile(500)
	data = append(data, []byte("op-10,FBI,US-MN,2021-03-01,,sting,1,1,,,0,0,,,,https://example.org/r/x\n")...)
	out, err := parseOperations(context.Background(), Input{Name: "ops.csv", File: bytes.NewReader(data), Mem: memory.NewGoAllocator()})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	var found bool
	for _, e := range out.Quarantine {
		var pe *diag.PosError
		found = found || errors.As(e, &pe) && strings.Contains(pe.Msg, `operation_id "op-10" appears twice (first on line`)
	}
	ids := out.Tables[TableOperations].Column(1).(*array.String)
	n := 0
	for i := 0; i < ids.Len(); i++ {
		if ids.Value(i) == "op-10" {
			n++
		}
	}
	if !found || n != 1 {
		t.Fatalf("repeat reported %v, op-10 stored %d times; quarantine: %v", found, n, out.Quarantine)
	}
}

// BenchmarkOperationsParse: the parse stage of an ingest, records
// validated into Arrow batches on all cores (the scan alone is
// internal/csvx's BenchmarkScan).
//
//	go test ./sources -run '^$' -bench Operations
func BenchmarkOperationsParse(b *testing.B) {
	data := operationsFile(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_, err := streamOperations(context.Background(), StreamInput{Name: "ops.csv", R: bytes.NewReader(data), Mem: memory.NewGoAllocator()},
			func(arrow.RecordBatch) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
}

// TestOperationsPeriod: an operation's period is the year of its start
// date, as time.Time would give it.
func TestOperationsPeriod(t *testing.T) {
	starts := []string{"2021-03-01", "1999-12-31", "2000-01-01", "0999-06-15", "2100-02-28"}
	var b strings.Builder
	b.WriteString(strings.Join(OperationsTemplateColumns, ",") + "\n")
	for i, s := range starts {
		fmt.Fprintf(&b, "op-%d,FBI,US-MN,%s,,sting,1,,,,,,,,,https://example.org/%d\n", i, s, i)
	}
	out, err := parseOperations(context.Background(), Input{Name: "ops.csv", File: bytes.NewReader([]byte(b.String())), Mem: memory.NewGoAllocator()})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	rec := out.Tables[TableOperations]
	period := rec.Column(rec.Schema().FieldIndices("period")[0]).(*array.String)
	if period.Len() != len(starts) {
		t.Fatalf("%d rows, want %d (%v)", period.Len(), len(starts), out.Quarantine)
	}
	for i, s := range starts {
		d, _ := time.Parse(time.DateOnly, s)
		if want := strconv.Itoa(d.Year()); period.Value(i) != want {
			t.Errorf("start %s: period %q, want %q", s, period.Value(i), want)
		}
	}
}

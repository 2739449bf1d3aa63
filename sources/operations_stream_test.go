package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
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

// TestRepeatCheckSpills: the check finds the same repeats whether its
// hashes stay in memory or go to bucket files.
func TestRepeatCheckSpills(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var keys []keyLine
	for line := 2; line < 20000; line++ {
		id := fmt.Sprintf("op-%d", rng.IntN(15000)) // many repeats
		keys = append(keys, keyLine{hashKey(id), int64(line)})
	}
	find := func(spillAt int) map[int]int {
		c := newRepeatCheck(t.TempDir())
		c.spillAt = spillAt
		defer c.close()
		for i := 0; i < len(keys); i += 100 {
			if err := c.add(keys[i:min(i+100, len(keys))]); err != nil {
				t.Fatal(err)
			}
		}
		r, err := c.repeats()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	inMemory, spilled := find(1<<30), find(1000)
	if len(inMemory) < 1000 || !reflect.DeepEqual(inMemory, spilled) {
		t.Fatalf("in memory %d repeats, spilled %d", len(inMemory), len(spilled))
	}
	for line, first := range inMemory {
		if first >= line {
			t.Fatalf("line %d repeats line %d, which is not earlier", line, first)
		}
	}
}

// TestParseOperationsRepeats: Parse quarantines a repeated operation_id
// wherever it is in the file, with the line of the first.
func TestParseOperationsRepeats(t *testing.T) {
	data := operationsFile(500)
	data = append(data, []byte("op-10,FBI,US-MN,2021-03-01,,sting,1,1,,,0,0,,,,https://example.org/r/x\n")...)
	out, err := parseOperations(context.Background(), Input{Name: "ops.csv", Data: data, Mem: memory.NewGoAllocator()})
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

// TestSweepSpills: spill directories of processes that no longer run are
// removed; this process's own and unrelated directories stay.
func TestSweepSpills(t *testing.T) {
	dir := t.TempDir()
	// A process id that cannot be running: beyond Linux's pid_max limit.
	dead := filepath.Join(dir, spillPrefix+"99999999-123")
	mine := filepath.Join(dir, fmt.Sprintf("%s%d-456", spillPrefix, os.Getpid()))
	other := filepath.Join(dir, "snapshots")
	for _, d := range []string{dead, mine, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	SweepSpills(dir)
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Fatal("the dead process's spill directory is still there")
	}
	for _, d := range []string{mine, other} {
		if _, err := os.Stat(d); err != nil {
			t.Fatalf("%s was removed", d)
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
	out, err := parseOperations(context.Background(), Input{Name: "ops.csv", Data: []byte(b.String()), Mem: memory.NewGoAllocator()})
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

// TestHasRepeat: the hash set finds a repeat exactly when a map would,
// zeros and colliding slots included, reusing its table.
func TestHasRepeat(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var table []uint64
	for round := range 3000 {
		n := rng.IntN(300)
		hashes := make([]uint64, n)
		for i := range hashes {
			switch rng.IntN(4) {
			case 0:
				hashes[i] = uint64(rng.IntN(4)) // zeros and small values
			case 1:
				hashes[i] = uint64(rng.IntN(8)) << 57 // the same low bits
			default:
				hashes[i] = rng.Uint64()
			}
		}
		seen, want := map[uint64]bool{}, false
		for _, h := range hashes {
			want = want || seen[h]
			seen[h] = true
		}
		var got bool
		got, table = hasRepeat(n, func(j int) uint64 { return hashes[j] }, table)
		if got != want {
			t.Fatalf("round %d: hasRepeat(%v) = %v, want %v", round, hashes, got, want)
		}
	}
}

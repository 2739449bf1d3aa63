package opsgen

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/sources"
)

// The stages of an ingest of a generated operations file, each benchmarked
// on its own with MB/s of the CSV and allocations:
//
//	go test ./bench/opsgen -run '^$' -bench Stage -benchtime 3x
//
// on 100,000 rows (12.5 MB); CI runs only the test, on a small file. The
// parse stage validates as it parses; go test ./sources -bench Operations
// times the CSV scan alone, the rest of that stage being validation.

const benchRows = 100_000

func generate(t testing.TB, rows int) []byte {
	var b bytes.Buffer
	if err := Write(&b, rows, 1); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func parse(t testing.TB, data []byte) *sources.Output {
	spec, _ := sources.Lookup("operations")
	out, err := sources.ParseChecked(context.Background(), spec, sources.Input{Name: "ops.csv", File: bytes.NewReader(data), Mem: memory.NewGoAllocator()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGeneratedFileIsValid: the generator writes what the operations
// source accepts, deterministically.
func TestGeneratedFileIsValid(t *testing.T) {
	a, b := generate(t, 2000), generate(t, 2000)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed wrote two different files")
	}
	out := parse(t, a)
	defer out.Release()
	if out.Rows(sources.TableOperations) != 2000 || out.QuarantinedRows != 0 {
		t.Fatalf("%d rows, %d quarantined", out.Rows(sources.TableOperations), out.QuarantinedRows)
	}
}

func BenchmarkStageParse(b *testing.B) {
	data := generate(b, benchRows)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		parse(b, data).Release()
	}
}

func BenchmarkStageStore(b *testing.B) {
	data := generate(b, benchRows)
	out := parse(b, data)
	defer out.Release()
	st, err := pipeline.OpenStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.Write(context.Background(), "operations", out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStageAggregate(b *testing.B) {
	data := generate(b, benchRows)
	out := parse(b, data)
	rec := out.Tables[sources.TableOperations]
	ts := &sources.TableSet{Source: "operations", Tables: map[string]arrow.Table{
		sources.TableOperations: array.NewTableFromRecords(rec.Schema(), []arrow.RecordBatch{rec})}}
	out.Release()
	defer ts.Release()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := metrics.Compute(context.Background(), []*sources.TableSet{ts}, metrics.Catalogue, metrics.DefaultPrivacy, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

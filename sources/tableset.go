package sources

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TableSet is the stored snapshot of one source: its canonical tables and
// the provenance of the bytes they came from. Tables are either held in
// memory (Tables) or read batch by batch from disk when asked (Open), so
// that a large table is aggregated without ever being held whole. The
// holder must Release it.
type TableSet struct {
	Source     string
	Generation string // the store's name for this snapshot
	Provenance Provenance
	Tables     map[string]arrow.Table
	Open       map[string]func(ctx context.Context) (array.RecordReader, error)
}

// Has reports whether the set holds a table.
func (ts *TableSet) Has(table string) bool {
	_, inMemory := ts.Tables[table]
	_, onDisk := ts.Open[table]
	return inMemory || onDisk
}

// EachBatch calls fn with the record batches of a table in order; a table
// the set lacks yields none.
func (ts *TableSet) EachBatch(ctx context.Context, table string, fn func(arrow.RecordBatch) error) error {
	var rr array.RecordReader
	if t, ok := ts.Tables[table]; ok {
		tr := array.NewTableReader(t, 1<<16)
		rr = tr
	} else if open, ok := ts.Open[table]; ok {
		var err error
		if rr, err = open(ctx); err != nil {
			return err
		}
	} else {
		return nil
	}
	defer rr.Release()
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(rr.RecordBatch()); err != nil {
			return err
		}
	}
	return rr.Err()
}

// Release frees the tables held in memory.
func (ts *TableSet) Release() {
	for _, t := range ts.Tables {
		t.Release()
	}
}

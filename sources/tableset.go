package sources

import (
	"context"
	"fmt"

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
	// Parts are the snapshots of a source made of many files, one per
	// partition, read in turn as one set (Tables and Open are then empty).
	Parts []*TableSet
}

// Has reports whether the set holds a table.
func (ts *TableSet) Has(table string) bool {
	for _, p := range ts.Parts {
		if p.Has(table) {
			return true
		}
	}
	_, inMemory := ts.Tables[table]
	_, onDisk := ts.Open[table]
	return inMemory || onDisk
}

// EachBatch calls fn with the record batches of a table in order; a table
// the set lacks yields none. A stored file that its decoder cannot read
// (damaged on disk) is an error, never a panic.
func (ts *TableSet) EachBatch(ctx context.Context, table string, fn func(arrow.RecordBatch) error) error {
	for _, p := range ts.Parts {
		if err := p.EachBatch(ctx, table, fn); err != nil {
			return err
		}
	}
	var rr array.RecordReader
	if t, ok := ts.Tables[table]; ok {
		tr := array.NewTableReader(t, 1<<16)
		rr = tr
	} else if open, ok := ts.Open[table]; ok {
		if err := Guard(func() (err error) { rr, err = open(ctx); return err }); err != nil {
			return err
		}
	} else {
		return nil
	}
	defer rr.Release()
	for {
		var more bool
		if err := Guard(func() error { more = rr.Next(); return nil }); err != nil {
			return err
		}
		if !more {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(rr.RecordBatch()); err != nil {
			return err
		}
	}
	return rr.Err()
}

// Guard runs fn, turning a panic inside it into an error. It stands at the
// boundary of third-party decoders (Parquet, Arrow), which panic on some
// damaged inputs instead of returning an error.
func Guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("damaged data: the decoder failed: %v", p)
		}
	}()
	return fn()
}

// Release frees the tables held in memory.
func (ts *TableSet) Release() {
	for _, p := range ts.Parts {
		p.Release()
	}
	for _, t := range ts.Tables {
		t.Release()
	}
}

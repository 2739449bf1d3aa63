package sources

import "github.com/apache/arrow-go/v18/arrow"

// TableSet is the stored snapshot of one source: its canonical tables and
// the provenance of the bytes they came from. The holder must Release it.
type TableSet struct {
	Source     string
	Generation string // the store's name for this snapshot
	Provenance Provenance
	Tables     map[string]arrow.Table
}

// Release frees the tables.
func (ts *TableSet) Release() {
	for _, t := range ts.Tables {
		t.Release()
	}
}

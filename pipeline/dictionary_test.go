package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/palermo-project/palermo/internal/arrowcol"
	"github.com/palermo-project/palermo/sources"
)

// TestDictionaryColumns: columns marked with arrowcol.DictionaryKey are
// stored dictionary-encoded and read back as the strings they were, when
// a column's dictionary grows between batches of one row group, when it
// has nulls, and when it has too many values for one dictionary.
func TestDictionaryColumns(t *testing.T) {
	dict := arrow.NewMetadata([]string{arrowcol.DictionaryKey}, []string{"true"})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "kind", Type: arrow.BinaryTypes.String, Metadata: dict},                 // new values in the first row group only
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: dict}, // 7 values and nulls
		{Name: "many", Type: arrow.BinaryTypes.String, Metadata: dict},                 // a new value every row
		{Name: "plain", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	const batches, rows = 40, 1000 // 40,000 rows: two row groups
	value := func(col string, b, r int) (string, bool) {
		i := b*rows + r
		switch col {
		case "kind":
			return fmt.Sprintf("kind %d", min(b/5, 3)), true
		case "name":
			return fmt.Sprintf("name %d", i%7), i%13 != 0
		case "many":
			return fmt.Sprintf("many %06d", i), true
		default:
			return fmt.Sprintf("plain %d", i%3), true
		}
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st.mem = mem
	_, err = st.WriteStream(context.Background(), "test", "things", schema,
		func(write func(arrow.RecordBatch) error) (*sources.StreamResult, sources.Provenance, error) {
			for b := range batches {
				rb := array.NewRecordBuilder(mem, schema)
				for r := range rows {
					for c := range 4 {
						v, ok := value(schema.Field(c).Name, b, r)
						sb := rb.Field(c).(*array.StringBuilder)
						if ok {
							sb.Append(v)
						} else {
							sb.AppendNull()
						}
					}
					rb.Field(4).(*array.Int64Builder).Append(int64(b*rows + r))
				}
				rec := rb.NewRecordBatch()
				rb.Release()
				err := write(rec)
				rec.Release()
				if err != nil {
					return nil, sources.Provenance{}, err
				}
			}
			return &sources.StreamResult{RowsRead: batches * rows}, sources.Provenance{}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0)             // the writer's dictionaries and indices are released
	st.mem = memory.NewGoAllocator() // arrow-go's DELTA_BINARY_PACKED decoder leaks 64 bytes a page

	ts, err := st.Open("test")
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Release()
	seen := 0
	err = ts.EachBatch(context.Background(), "things", func(rec arrow.RecordBatch) error {
		for c := range 4 {
			if typ := rec.Schema().Field(c).Type; !arrow.TypeEqual(typ, arrow.BinaryTypes.String) {
				t.Fatalf("column %s read back as %s", rec.Schema().Field(c).Name, typ)
			}
		}
		ns := rec.Column(4).(*array.Int64)
		for r := range int(rec.NumRows()) {
			i := int(ns.Value(r))
			for c := range 4 {
				col := rec.Column(c).(*array.String)
				want, ok := value(schema.Field(c).Name, i/rows, i%rows)
				if col.IsValid(r) != ok || ok && col.Value(r) != want {
					t.Fatalf("row %d, %s = %q (valid %v), want %q (valid %v)", i, schema.Field(c).Name, col.Value(r), col.IsValid(r), want, ok)
				}
			}
			seen++
		}
		return nil
	})
	if err != nil || seen != batches*rows {
		t.Fatalf("read %d rows: %v", seen, err)
	}

	// Where a column's dictionary grew within a row group, that row group's
	// chunk was written PLAIN; the next row group starts with the grown
	// dictionary. A column with more values than a dictionary holds is
	// written PLAIN; so is the unmarked one.
	m, err := st.Manifest("test")
	if err != nil {
		t.Fatal(err)
	}
	f, err := file.OpenParquetFile(filepath.Join(st.sourceDir("test"), m.Generation, "things.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.NumRowGroups() != 2 {
		t.Fatalf("%d row groups, want 2", f.NumRowGroups())
	}
	for rg := range f.NumRowGroups() {
		md := f.MetaData().RowGroup(rg)
		for c, want := range []bool{rg == 1, true, false, false} {
			cc, err := md.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			if got := cc.HasDictionaryPage(); got != want {
				t.Errorf("row group %d, %s: dictionary page %v, want %v (encodings %v)", rg, schema.Field(c).Name, got, want, cc.Encodings())
			}
		}
		if rg == 1 {
			cc, _ := md.ColumnChunk(0)
			for _, e := range cc.EncodingStats() {
				if file.PageType(e.PageType) == file.PageTypeDataPage && e.Encoding == parquet.Encodings.Plain {
					t.Errorf("row group 1, kind: data pages written PLAIN (%v)", cc.EncodingStats())
				}
			}
		}
	}
}

package pipeline

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/palermo-project/palermo/internal/arrowcol"
)

// Dictionary-encoded string columns. A string column whose field metadata
// carries arrowcol.DictionaryKey takes few distinct values. arrow-go's
// Parquet dictionary encoder would hash every value through its memo table
// (slower than DELTA_BYTE_ARRAY); given an Arrow dictionary array it writes
// the indices as they are, as long as the dictionary stays the same within
// a row group. dictEncoder turns such columns of each batch into dictionary
// arrays over one dictionary per column and file, grown when a batch brings
// new values: the rest of that row group's column chunk is then written
// PLAIN (correct, only larger), the next row groups use the grown
// dictionary. A column with more distinct values than a dictionary page
// should hold is not low-cardinality after all: its later batches carry
// their own values as dictionary, which the writer stores PLAIN.
//
// Dictionary encoding is only how the pages are stored: the file's Arrow
// schema (ARROW:schema) keeps the table's declared string types, so
// palermo, DuckDB or Spark read strings.

// A file-wide dictionary holds at most this many values and bytes.
const (
	maxDictionaryValues = 1 << 12
	maxDictionaryBytes  = 256 << 10
)

var dictionaryType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// dictEncoder encodes the marked columns of a schema's batches.
type dictEncoder struct {
	mem     memory.Allocator
	schema  *arrow.Schema // the Parquet writer's: marked columns as dictionaries
	stored  *arrow.Schema // the declared one
	columns []*dictColumn // by field; nil where a column is written as it is
}

// newDictEncoder returns nil when no column of schema is marked.
func newDictEncoder(mem memory.Allocator, schema *arrow.Schema) *dictEncoder {
	d := &dictEncoder{mem: mem, stored: schema, columns: make([]*dictColumn, schema.NumFields())}
	fields := schema.Fields()
	marked := false
	for i, f := range fields {
		if v, ok := f.Metadata.GetValue(arrowcol.DictionaryKey); ok && v == "true" && f.Type.ID() == arrow.STRING {
			d.columns[i] = &dictColumn{name: f.Name, index: map[string]int32{}}
			fields[i].Type = dictionaryType
			marked = true
		}
	}
	if !marked {
		return nil
	}
	md := schema.Metadata()
	d.schema = arrow.NewSchema(fields, &md)
	return d
}

// storedSchemaMetadata is the metadata of the Parquet writer's schema: the
// declared schema, serialised as ARROW:schema the way pqarrow stores it,
// so that readers restore strings where the pages hold dictionaries.
func (d *dictEncoder) storedSchemaMetadata() arrow.Metadata {
	md := d.schema.Metadata()
	stored := base64.StdEncoding.EncodeToString(flight.SerializeSchema(d.stored, d.mem))
	return arrow.NewMetadata(append(md.Keys(), "ARROW:schema"), append(md.Values(), stored))
}

// encode returns rec with the marked columns as dictionary arrays.
func (d *dictEncoder) encode(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, rec.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, c := range d.columns {
		if c == nil {
			cols[i] = rec.Column(i)
			cols[i].Retain()
			continue
		}
		a, err := c.encode(d.mem, rec.Column(i))
		if err != nil {
			return nil, err
		}
		cols[i] = a
	}
	return array.NewRecordBatch(d.schema, cols, rec.NumRows()), nil
}

func (d *dictEncoder) release() {
	for _, c := range d.columns {
		if c != nil && c.dict != nil {
			c.dict.Release()
			c.dict = nil
		}
	}
}

// dictColumn is the dictionary of one column.
type dictColumn struct {
	name   string
	index  map[string]int32 // value to index
	values []string         // by index
	bytes  int
	dict   arrow.Array // values as an array, built again when they grow
	local  bool        // too many values: each batch is its own dictionary
}

func (c *dictColumn) encode(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	s, ok := a.(*array.String)
	if !ok {
		return nil, fmt.Errorf("column %s is %s, not a string", c.name, a.DataType())
	}
	n := s.Len()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * arrow.Int32SizeBytes)
	idx := arrow.Int32Traits.CastFromBytes(buf.Bytes())
	var validity *memory.Buffer
	if s.NullN() > 0 {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(n))))
		clear(validity.Bytes())
	}
	if c.local {
		// The batch's own values, in order, are the dictionary.
		for i := range idx {
			idx[i] = int32(i)
			if validity != nil && s.IsValid(i) {
				bitutil.SetBit(validity.Bytes(), i)
			}
		}
		s.Retain()
		return c.array(s, n, validity, buf), nil
	}
	grown := false
	prev, prevIdx := "", int32(-1)
	for i := range idx {
		if validity != nil {
			if s.IsNull(i) {
				idx[i] = 0
				continue
			}
			bitutil.SetBit(validity.Bytes(), i)
		}
		v := s.Value(i)
		if prevIdx >= 0 && v == prev {
			idx[i] = prevIdx
			continue
		}
		k, ok := c.index[v]
		if !ok {
			v = strings.Clone(v)
			k = int32(len(c.values))
			c.index[v] = k
			c.values = append(c.values, v)
			c.bytes += len(v)
			grown = true
		}
		idx[i], prev, prevIdx = k, v, k
	}
	if grown || c.dict == nil {
		if c.dict != nil {
			c.dict.Release() // the writer keeps its own reference while it needs it
		}
		b := array.NewStringBuilder(mem)
		b.AppendValues(c.values, nil)
		c.dict = b.NewArray()
		b.Release()
	}
	if len(c.values) > maxDictionaryValues || c.bytes > maxDictionaryBytes {
		c.local, c.index, c.values = true, nil, nil
	}
	c.dict.Retain()
	return c.array(c.dict, n, validity, buf), nil
}

// array wraps indices over dict as a dictionary array; it takes over one
// reference to dict, validity and indices.
func (c *dictColumn) array(dict arrow.Array, n int, validity, indices *memory.Buffer) arrow.Array {
	nulls := 0
	if validity != nil {
		nulls = n - bitutil.CountSetBits(validity.Bytes(), 0, n)
	}
	data := array.NewData(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{validity, indices}, nil, nulls, 0)
	ind := array.MakeFromData(data)
	data.Release()
	if validity != nil {
		validity.Release()
	}
	indices.Release()
	out := array.NewDictionaryArray(dictionaryType, ind, dict)
	ind.Release()
	dict.Release()
	return out
}

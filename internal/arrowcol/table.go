package arrowcol

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// StatisticsKey set to "false" in a field's metadata tells a Parquet
// writer to keep no min/max statistics for the column: ids, URLs and free
// text, which no query filters on by range.
const StatisticsKey = "palermo.statistics"

// DictionaryKey set to "true" in a string field's metadata says the column
// takes few distinct values (source names, agencies, jurisdictions,
// periods, types, definitions): a Parquet writer writes it
// dictionary-encoded. Readers still see strings.
const DictionaryKey = "palermo.dictionary"

// Storage says how a column is stored: dictionary-encoded or not, with
// min/max statistics or not.
type Storage int

// Plain is a column stored as it is, with statistics.
const Plain Storage = 0

const (
	Dictionary   Storage = 1 << iota // few distinct values
	NoStatistics                     // no min/max statistics
)

func (s Storage) metadata() arrow.Metadata {
	var keys, values []string
	if s&Dictionary != 0 {
		keys, values = append(keys, DictionaryKey), append(values, "true")
	}
	if s&NoStatistics != 0 {
		keys, values = append(keys, StatisticsKey), append(values, "false")
	}
	if len(keys) == 0 {
		return arrow.Metadata{}
	}
	return arrow.NewMetadata(keys, values)
}

// Field is a field of rows of type R that holds an F, found once from a
// function returning its address: reading it costs a load, not a call.
type Field[R, F any] struct{ off uintptr }

// FieldOf finds the field field returns the address of; a function that
// returns anything but the address of a field of R panics (a programming
// error, found by any test that loads the package).
func FieldOf[R, F any](field func(*R) *F) Field[R, F] {
	var zero R
	base, addr := uintptr(unsafe.Pointer(&zero)), uintptr(unsafe.Pointer(field(&zero)))
	if addr < base || addr+unsafe.Sizeof(*new(F)) > base+unsafe.Sizeof(zero) {
		panic(fmt.Sprintf("arrowcol: the function does not return a field of %T", zero))
	}
	return Field[R, F]{addr - base}
}

// In is the field in row.
func (f Field[R, F]) In(row *R) *F { return (*F)(unsafe.Add(unsafe.Pointer(row), f.off)) }

type kind int

const (
	kindText kind = iota
	kindCount
	kindDate
	kindNumber
)

// Column is one column of a table over rows of type R: its Arrow field and
// which field of R holds its value.
type Column[R any] struct {
	Field arrow.Field
	kind  kind
	off   uintptr // the offset in R of the field holding the value
}

// Text declares a non-nullable string column read from the string field
// field returns the address of.
func Text[R any](name string, s Storage, field func(*R) *string) Column[R] {
	return Column[R]{Field: arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Metadata: s.metadata()}, kind: kindText, off: FieldOf(field).off}
}

// Count declares a nullable int64 column read from a *int64 field: nil is
// not reported, never 0.
func Count[R any](name string, field func(*R) **int64) Column[R] {
	return Column[R]{Field: arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: true}, kind: kindCount, off: FieldOf(field).off}
}

// Date declares a nullable date column read from a *arrow.Date32 field.
func Date[R any](name string, field func(*R) **arrow.Date32) Column[R] {
	return Column[R]{Field: arrow.Field{Name: name, Type: arrow.FixedWidthTypes.Date32, Nullable: true}, kind: kindDate, off: FieldOf(field).off}
}

// Number declares a nullable float64 column read from a *float64 field.
func Number[R any](name string, field func(*R) **float64) Column[R] {
	return Column[R]{Field: arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64, Nullable: true}, kind: kindNumber, off: FieldOf(field).off}
}

// Table is a table declared once, column by column: its schema, its
// builder and the positions of its columns all derive from the
// declaration, so that adding a column is one line beside the field of
// the row type it reads.
type Table[R any] struct {
	Schema *arrow.Schema
	cols   []Column[R]
	index  map[string]int
}

// NewTable declares a table; a name given twice panics (a programming
// error, found by any test that loads the package).
func NewTable[R any](cols ...Column[R]) *Table[R] {
	t := &Table[R]{cols: cols, index: map[string]int{}}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		if _, dup := t.index[c.Field.Name]; dup {
			panic(fmt.Sprintf("arrowcol: column %q declared twice", c.Field.Name))
		}
		t.index[c.Field.Name] = i
		fields[i] = c.Field
	}
	t.Schema = arrow.NewSchema(fields, nil)
	return t
}

// Index is the position of a column in the schema, -1 when absent.
func (t *Table[R]) Index(name string) int {
	if i, ok := t.index[name]; ok {
		return i
	}
	return -1
}

// Builder appends rows of a table straight into Arrow buffers.
type Builder[R any] struct {
	t       *Table[R]
	strs    []*stringColumn // by column; nil for the other kinds
	counts  []*fixedColumn[int64]
	dates   []*fixedColumn[arrow.Date32]
	numbers []*fixedColumn[float64]
}

// NewBuilder starts a batch of the table.
func (t *Table[R]) NewBuilder(mem memory.Allocator) *Builder[R] {
	n := len(t.cols)
	b := &Builder[R]{t: t, strs: make([]*stringColumn, n), counts: make([]*fixedColumn[int64], n),
		dates: make([]*fixedColumn[arrow.Date32], n), numbers: make([]*fixedColumn[float64], n)}
	for i, c := range t.cols {
		switch c.kind {
		case kindText:
			b.strs[i] = newStringColumn(mem)
		case kindCount:
			b.counts[i] = newFixedColumn[int64](mem, c.Field.Type)
		case kindDate:
			b.dates[i] = newFixedColumn[arrow.Date32](mem, c.Field.Type)
		case kindNumber:
			b.numbers[i] = newFixedColumn[float64](mem, c.Field.Type)
		}
	}
	return b
}

// Append adds one row.
func (b *Builder[R]) Append(row *R) {
	base := unsafe.Pointer(row)
	for i := range b.t.cols {
		c := &b.t.cols[i]
		v := unsafe.Add(base, c.off)
		switch c.kind {
		case kindText:
			b.strs[i].append(*(*string)(v))
		case kindCount:
			b.counts[i].append(*(**int64)(v))
		case kindDate:
			b.dates[i].append(*(**arrow.Date32)(v))
		case kindNumber:
			b.numbers[i].append(*(**float64)(v))
		}
	}
}

// Reserve makes room for n more rows with strings as long as sample's, so
// that a large batch is not built by repeated doubling. maxBytes bounds the
// string bytes reserved over all columns, so that one long field in the
// sample does not reserve its length n times over; callers pass a small
// multiple of the input the rows come from (their strings cannot exceed
// it, and the estimate from one row is rough).
func (b *Builder[R]) Reserve(n int, sample *R, maxBytes int) {
	want := make([]float64, len(b.t.cols))
	total := 0.0
	for i, c := range b.t.cols {
		if c.kind == kindText {
			v := *(*string)(unsafe.Add(unsafe.Pointer(sample), c.off))
			want[i] = float64(n) * float64(len(v)+len(v)/4)
			total += want[i]
		}
	}
	scale := 1.0
	if total > float64(maxBytes) {
		scale = float64(maxBytes) / total
	}
	for i := range b.t.cols {
		switch {
		case b.strs[i] != nil:
			b.strs[i].reserve(n, int(want[i]*scale))
		case b.counts[i] != nil:
			b.counts[i].reserve(n)
		case b.dates[i] != nil:
			b.dates[i].reserve(n)
		case b.numbers[i] != nil:
			b.numbers[i].reserve(n)
		}
	}
}

// NewRecordBatch returns the rows appended so far and starts a new batch.
func (b *Builder[R]) NewRecordBatch() arrow.RecordBatch {
	cols := make([]arrow.Array, len(b.t.cols))
	for i := range cols {
		switch {
		case b.strs[i] != nil:
			cols[i] = b.strs[i].finish()
		case b.counts[i] != nil:
			cols[i] = b.counts[i].finish()
		case b.dates[i] != nil:
			cols[i] = b.dates[i].finish()
		default:
			cols[i] = b.numbers[i].finish()
		}
	}
	rec := array.NewRecordBatch(b.t.Schema, cols, int64(cols[0].Len()))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// Release drops the rows appended since the last NewRecordBatch.
func (b *Builder[R]) Release() {
	for i := range b.t.cols {
		switch {
		case b.strs[i] != nil:
			b.strs[i].release()
		case b.counts[i] != nil:
			b.counts[i].release()
		case b.dates[i] != nil:
			b.dates[i].release()
		case b.numbers[i] != nil:
			b.numbers[i].release()
		}
	}
}

// Package arrowcol builds the columns of canonical tables parsed row by row
// at scale, and declares tables once, column by column (table.go). An
// append is a store into a typed view of a buffer from the allocator,
// without the per-value bookkeeping of arrow's generic builders, which
// cost more than the parse itself. Each builds one column of one batch;
// finish hands the buffers over to an array and starts the next batch.
package arrowcol

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// buffer is a memory.Buffer seen as a slice of T, filled from the front.
// Appends store into v[n] and move n: v itself is only stored when the
// buffer grows, so that an append costs no write barrier.
type buffer[T byte | int32 | int64 | float64 | arrow.Date32] struct {
	mem memory.Allocator
	buf *memory.Buffer
	v   []T // the whole buffer
	n   int // values filled
}

// grow makes room for at least k more values.
func (b *buffer[T]) grow(k int) {
	if b.buf == nil {
		b.buf = memory.NewResizableBuffer(b.mem)
	}
	var zero T
	size := int(unsafe.Sizeof(zero))
	b.buf.Reserve(max(2*len(b.v), b.n+k, 64) * size)
	raw := b.buf.Buf()
	b.v = unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(raw))), len(raw)/size)
}

// take returns the filled values as a buffer and leaves b empty.
func (b *buffer[T]) take() *memory.Buffer {
	if b.buf == nil {
		b.buf = memory.NewResizableBuffer(b.mem)
	}
	var zero T
	out := b.buf
	out.ResizeNoShrink(b.n * int(unsafe.Sizeof(zero)))
	b.buf, b.v, b.n = nil, nil, 0
	return out
}

func (b *buffer[T]) release() {
	if b.buf != nil {
		b.buf.Release()
	}
	b.buf, b.v, b.n = nil, nil, 0
}

// stringColumn builds a non-nullable string column.
type stringColumn struct {
	offsets buffer[int32] // rows+1 once a value is appended
	data    buffer[byte]
}

func newStringColumn(mem memory.Allocator) *stringColumn {
	return &stringColumn{offsets: buffer[int32]{mem: mem}, data: buffer[byte]{mem: mem}}
}

// reserve makes room for n more values of size bytes in all.
func (c *stringColumn) reserve(n, size int) {
	if c.offsets.n+n+1 > len(c.offsets.v) {
		c.offsets.grow(n + 1)
	}
	if c.data.n+size > len(c.data.v) {
		c.data.grow(size)
	}
}

func (c *stringColumn) append(s string) {
	if c.offsets.n+2 > len(c.offsets.v) || c.data.n+len(s) > len(c.data.v) {
		c.reserve(1, len(s))
	}
	if c.offsets.n == 0 {
		c.offsets.v[0], c.offsets.n = 0, 1 // the first offset
	}
	c.data.n += copy(c.data.v[c.data.n:], s)
	c.offsets.v[c.offsets.n] = int32(c.data.n)
	c.offsets.n++
}

func (c *stringColumn) finish() arrow.Array {
	if c.offsets.n == 0 {
		c.reserve(0, 0)
		c.offsets.v[0], c.offsets.n = 0, 1
	}
	rows := c.offsets.n - 1
	data := array.NewData(arrow.BinaryTypes.String, rows, []*memory.Buffer{nil, c.offsets.take(), c.data.take()}, nil, 0, 0)
	return releaseBuffersInto(data)
}

func (c *stringColumn) release() {
	c.offsets.release()
	c.data.release()
}

// fixedColumn builds a nullable column of a fixed-width type.
type fixedColumn[T int64 | float64 | arrow.Date32] struct {
	typ      arrow.DataType
	values   buffer[T]
	validity buffer[byte] // as long as values' capacity needs
	nulls    int
}

func newFixedColumn[T int64 | float64 | arrow.Date32](mem memory.Allocator, typ arrow.DataType) *fixedColumn[T] {
	return &fixedColumn[T]{typ: typ, values: buffer[T]{mem: mem}, validity: buffer[byte]{mem: mem}}
}

// reserve makes room for n more values.
func (c *fixedColumn[T]) reserve(n int) {
	if c.values.n+n <= len(c.values.v) {
		return
	}
	c.values.grow(n)
	if bytes := int(bitutil.BytesForBits(int64(len(c.values.v)))); bytes > len(c.validity.v) {
		old := len(c.validity.v)
		c.validity.grow(bytes - c.validity.n)
		clear(c.validity.v[old:]) // appends only set bits; not every allocator zeroes
	}
}

// append appends *v, or a null when v is nil.
func (c *fixedColumn[T]) append(v *T) {
	if c.values.n == len(c.values.v) {
		c.reserve(1)
	}
	i := c.values.n
	c.values.n++
	if v == nil {
		c.values.v[i] = 0
		c.nulls++
		return
	}
	c.values.v[i] = *v
	c.validity.v[i>>3] |= 1 << (i & 7)
}

func (c *fixedColumn[T]) finish() arrow.Array {
	rows := c.values.n
	c.validity.n = int(bitutil.BytesForBits(int64(rows)))
	validity := c.validity.take()
	if c.nulls == 0 {
		validity.Release()
		validity = nil
	}
	data := array.NewData(c.typ, rows, []*memory.Buffer{validity, c.values.take()}, nil, c.nulls, 0)
	c.nulls = 0
	return releaseBuffersInto(data)
}

func (c *fixedColumn[T]) release() {
	c.values.release()
	c.validity.release()
	c.nulls = 0
}

// releaseBuffersInto makes an array of data and drops the references to
// its buffers that the builder held, leaving the array the only owner.
func releaseBuffersInto(data *array.Data) arrow.Array {
	a := array.MakeFromData(data)
	for _, b := range data.Buffers() {
		if b != nil {
			b.Release()
		}
	}
	data.Release()
	return a
}

package sources

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Column builders for tables parsed row by row at scale (operations): an
// append is a store into a typed view of a buffer from the allocator,
// without the per-value bookkeeping of arrow's generic builders, which
// cost more than the parse itself. Each builds one column of one batch;
// finish hands the buffers over to an array and starts the next batch.

// buffer is a memory.Buffer seen as a slice of T: len is what is filled,
// cap what the buffer holds.
type buffer[T byte | int32 | int64 | arrow.Date32] struct {
	mem memory.Allocator
	buf *memory.Buffer
	v   []T
}

// grow makes room for at least n more values.
func (b *buffer[T]) grow(n int) {
	if b.buf == nil {
		b.buf = memory.NewResizableBuffer(b.mem)
	}
	var zero T
	size := int(unsafe.Sizeof(zero))
	filled := len(b.v)
	b.buf.Reserve(max(2*cap(b.v), filled+n, 64) * size) // new bytes are zero
	raw := b.buf.Buf()
	b.v = unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(raw))), len(raw)/size)[:filled]
}

// take returns the filled values as a buffer and leaves b empty.
func (b *buffer[T]) take() *memory.Buffer {
	if b.buf == nil {
		b.buf = memory.NewResizableBuffer(b.mem)
	}
	var zero T
	out := b.buf
	out.ResizeNoShrink(len(b.v) * int(unsafe.Sizeof(zero)))
	b.buf, b.v = nil, nil
	return out
}

func (b *buffer[T]) release() {
	if b.buf != nil {
		b.buf.Release()
		b.buf, b.v = nil, nil
	}
}

// stringColumn builds a non-nullable string column.
type stringColumn struct {
	offsets buffer[int32]
	data    buffer[byte]
}

func newStringColumn(mem memory.Allocator) *stringColumn {
	return &stringColumn{offsets: buffer[int32]{mem: mem}, data: buffer[byte]{mem: mem}}
}

// reserve makes room for n more values of size bytes in all.
func (c *stringColumn) reserve(n, size int) {
	if len(c.offsets.v)+n+1 > cap(c.offsets.v) {
		c.offsets.grow(n + 1)
	}
	if len(c.data.v)+size > cap(c.data.v) {
		c.data.grow(size)
	}
}

func (c *stringColumn) append(s string) {
	if len(c.offsets.v)+2 > cap(c.offsets.v) || len(c.data.v)+len(s) > cap(c.data.v) {
		c.reserve(1, len(s))
	}
	if len(c.offsets.v) == 0 {
		c.offsets.v = append(c.offsets.v, 0)
	}
	c.data.v = append(c.data.v, s...)
	c.offsets.v = append(c.offsets.v, int32(len(c.data.v)))
}

func (c *stringColumn) finish() arrow.Array {
	rows := max(len(c.offsets.v)-1, 0)
	if len(c.offsets.v) == 0 {
		c.reserve(0, 0)
		c.offsets.v = append(c.offsets.v, 0)
	}
	data := array.NewData(arrow.BinaryTypes.String, rows, []*memory.Buffer{nil, c.offsets.take(), c.data.take()}, nil, 0, 0)
	return releaseBuffersInto(data)
}

func (c *stringColumn) release() {
	c.offsets.release()
	c.data.release()
}

// fixedColumn builds a nullable column of a fixed-width type.
type fixedColumn[T int64 | arrow.Date32] struct {
	typ      arrow.DataType
	values   buffer[T]
	validity buffer[byte] // as long as values' capacity needs
	nulls    int
}

func newFixedColumn[T int64 | arrow.Date32](mem memory.Allocator, typ arrow.DataType) *fixedColumn[T] {
	return &fixedColumn[T]{typ: typ, values: buffer[T]{mem: mem}, validity: buffer[byte]{mem: mem}}
}

// reserve makes room for n more values.
func (c *fixedColumn[T]) reserve(n int) {
	if len(c.values.v)+n <= cap(c.values.v) {
		return
	}
	c.values.grow(n)
	bytes := int(bitutil.BytesForBits(int64(cap(c.values.v))))
	c.validity.grow(bytes - len(c.validity.v))
	c.validity.v = c.validity.v[:bytes]
}

// append appends *v, or a null when v is nil.
func (c *fixedColumn[T]) append(v *T) {
	if len(c.values.v) == cap(c.values.v) {
		c.reserve(1)
	}
	if v == nil {
		c.values.v = append(c.values.v, 0)
		c.nulls++
		return
	}
	i := len(c.values.v)
	c.values.v = append(c.values.v, *v)
	c.validity.v[i>>3] |= 1 << (i & 7)
}

func (c *fixedColumn[T]) finish() arrow.Array {
	rows := len(c.values.v)
	c.validity.v = c.validity.v[:bitutil.BytesForBits(int64(rows))]
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

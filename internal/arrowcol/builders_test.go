package arrowcol

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestColumnBuilders: the column builders make the same arrays as arrow's
// builders, with and without room reserved, empty, over several batches,
// and free what they allocate.
func TestColumnBuilders(t *testing.T) {
	t.Run("zeroed memory", func(t *testing.T) { testColumnBuilders(t, memory.NewGoAllocator()) })
	t.Run("dirty memory", func(t *testing.T) { testColumnBuilders(t, dirtyAllocator{memory.NewGoAllocator()}) })
}

// dirtyAllocator hands out memory full of 0xff, as an allocator that does
// not zero may.
type dirtyAllocator struct{ memory.Allocator }

func (a dirtyAllocator) Allocate(size int) []byte {
	b := a.Allocator.Allocate(size)
	for i := range b {
		b[i] = 0xff
	}
	return b
}

func (a dirtyAllocator) Reallocate(size int, b []byte) []byte {
	out := a.Allocate(size)
	copy(out, b)
	return out
}

func testColumnBuilders(t *testing.T, alloc memory.Allocator) {
	mem := memory.NewCheckedAllocator(alloc)
	defer mem.AssertSize(t, 0)
	strs := newStringColumn(mem)
	counts := newFixedColumn[int64](mem, arrow.PrimitiveTypes.Int64)
	dates := newFixedColumn[arrow.Date32](mem, arrow.FixedWidthTypes.Date32)
	defer strs.release()
	defer counts.release()
	defer dates.release()
	for _, tc := range []struct {
		rows    int
		reserve bool
		nulls   func(i int) bool
	}{
		{0, false, nil},
		{0, true, nil},
		{1, false, func(int) bool { return false }},
		{1, false, func(int) bool { return true }},
		{7, false, func(i int) bool { return i%3 == 1 }},
		{1000, false, func(i int) bool { return i%7 == 0 }},
		{1000, true, func(i int) bool { return i%7 == 0 }},
		{4097, true, func(int) bool { return false }},
	} {
		t.Run(fmt.Sprintf("%d rows, reserve %v", tc.rows, tc.reserve), func(t *testing.T) {
			ref := memory.NewGoAllocator() // arrow's builders, the reference
			sb := array.NewStringBuilder(ref)
			ib := array.NewInt64Builder(ref)
			db := array.NewDate32Builder(ref)
			defer sb.Release()
			defer ib.Release()
			defer db.Release()
			if tc.reserve {
				strs.reserve(tc.rows, tc.rows*3)
				counts.reserve(tc.rows)
				dates.reserve(tc.rows)
			}
			for i := range tc.rows {
				s := fmt.Sprintf("v%d", i*i%1000)
				strs.append(s)
				sb.Append(s)
				if tc.nulls(i) {
					counts.append(nil)
					dates.append(nil)
					ib.AppendNull()
					db.AppendNull()
					continue
				}
				n, d := int64(i)*1e9, arrow.Date32(i-500)
				counts.append(&n)
				dates.append(&d)
				ib.Append(n)
				db.Append(d)
			}
			for _, pair := range [][2]arrow.Array{
				{strs.finish(), sb.NewArray()}, {counts.finish(), ib.NewArray()}, {dates.finish(), db.NewArray()},
			} {
				got, want := pair[0], pair[1]
				if err := array.ValidateFull(got); err != nil {
					t.Errorf("%s: %v", got.DataType(), err)
				}
				if !array.Equal(got, want) || got.NullN() != want.NullN() {
					t.Errorf("%s: got %v, want %v", got.DataType(), got, want)
				}
				got.Release()
				want.Release()
			}
		})
	}
	// Rows appended and not finished are freed by release.
	strs.append("left over")
	counts.append(nil)
	dates.append(nil)
}

package arrowmem

import (
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestReuseGivesBackZeroedAlignedBuffers: a released buffer comes back for
// the next request of its size class, zeroed and 64-byte aligned, and the
// allocator keeps no more than its limit.
func TestReuseGivesBackZeroedAlignedBuffers(t *testing.T) {
	a := NewReuse(64 << 10)
	b := a.Allocate(10_000)
	if len(b) != 10_000 || cap(b) != 16<<10 || uintptrOf(b)%alignment != 0 {
		t.Fatalf("len %d cap %d aligned %v", len(b), cap(b), uintptrOf(b)%alignment == 0)
	}
	for i := range b {
		b[i] = 0xff
	}
	a.Free(b)
	c := a.Allocate(9_000)
	if uintptrOf(c) != uintptrOf(b) {
		t.Fatal("a freed buffer of the same class was not reused")
	}
	for i, x := range c {
		if x != 0 {
			t.Fatalf("byte %d of a reused buffer is %#x, not zero", i, x)
		}
	}
	// Growing within the capacity zeroes the new bytes.
	c[0] = 1
	c = c[:100]
	c[99] = 7
	c = a.Reallocate(200, c)
	if c[0] != 1 || c[99] != 7 || c[150] != 0 {
		t.Fatalf("reallocate within capacity: %v %v %v", c[0], c[99], c[150])
	}
	// Growing beyond it copies.
	d := a.Reallocate(40_000, c)
	if len(d) != 40_000 || d[0] != 1 || d[99] != 7 || d[39_999] != 0 {
		t.Fatal("reallocate beyond capacity lost the contents")
	}
	// The limit: 64 KiB held at most.
	for i := 0; i < 10; i++ {
		a.Free(a.Allocate(30_000))
		a.Free(make([]byte, 0, 32<<10))
	}
	if a.held > a.max {
		t.Fatalf("holds %d bytes, limit %d", a.held, a.max)
	}
}

// TestReuseUnderArrowBuilders: record batches built and released over and
// over from several goroutines read back exactly what was appended (go test
// -race checks the sharing).
func TestReuseUnderArrowBuilders(t *testing.T) {
	a := NewReuse(8 << 20)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 50; round++ {
				b := array.NewRecordBuilder(a, schema)
				sb, nb := b.Field(0).(*array.StringBuilder), b.Field(1).(*array.Int64Builder)
				for i := 0; i < 3000; i++ {
					sb.Append("row-" + string(rune('a'+i%26)))
					if i%3 == 0 {
						nb.AppendNull()
					} else {
						nb.Append(int64(i))
					}
				}
				rec := b.NewRecordBatch()
				b.Release()
				s, n := rec.Column(0).(*array.String), rec.Column(1).(*array.Int64)
				for i := 0; i < 3000; i++ {
					if s.Value(i) != "row-"+string(rune('a'+i%26)) || n.IsNull(i) != (i%3 == 0) || !n.IsNull(i) && n.Value(i) != int64(i) {
						t.Errorf("round %d row %d: %q %v", round, i, s.Value(i), n.IsNull(i))
						return
					}
				}
				rec.Release()
			}
		}()
	}
	wg.Wait()
}

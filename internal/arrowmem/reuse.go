// Package arrowmem holds an Arrow memory allocator for pipelines that build
// and release batches of the same shape again and again.
package arrowmem

import (
	"math/bits"
	"sync"
	"unsafe"
)

// minReuse is the smallest buffer worth keeping; smaller ones come from
// make, as with memory.GoAllocator.
const minReuse = 4 << 10

const alignment = 64 // as memory.GoAllocator aligns

// Reuse is a memory.Allocator that keeps released buffers (by power-of-two
// capacity, up to max bytes in all) and hands them out again, zeroed, so
// that a streamed ingest does not allocate a fresh set of Arrow buffers for
// every batch: under a heap limit, that churn is what makes the garbage
// collector run. Buffers are zeroed and 64-byte aligned, as
// memory.GoAllocator's are. Safe for concurrent use.
type Reuse struct {
	mu   sync.Mutex
	free map[int][][]byte // by capacity
	held int
	max  int
}

// NewReuse keeps at most max bytes of released buffers.
func NewReuse(max int) *Reuse { return &Reuse{free: map[int][][]byte{}, max: max} }

func class(size int) int {
	if size <= minReuse {
		return minReuse
	}
	return 1 << bits.Len(uint(size-1))
}

// Allocate returns a zeroed buffer of size bytes.
func (a *Reuse) Allocate(size int) []byte {
	c := class(size)
	a.mu.Lock()
	if list := a.free[c]; len(list) > 0 {
		b := list[len(list)-1]
		a.free[c] = list[:len(list)-1]
		a.held -= c
		a.mu.Unlock()
		b = b[:size]
		clear(b)
		return b
	}
	a.mu.Unlock()
	raw := make([]byte, c+alignment)
	off := 0
	if r := int(uintptrOf(raw) % alignment); r != 0 {
		off = alignment - r
	}
	return raw[off : off+size : off+c]
}

// Reallocate grows or shrinks b to size bytes, keeping its contents; new
// bytes are zero.
func (a *Reuse) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free takes a buffer back, keeping it for reuse while fewer than max
// bytes are kept.
func (a *Reuse) Free(b []byte) {
	c := cap(b)
	if c < minReuse || c != class(c) {
		return // not one of ours, or too small to keep: the GC takes it
	}
	a.mu.Lock()
	if a.held+c <= a.max {
		a.free[c] = append(a.free[c], b[:0])
		a.held += c
	}
	a.mu.Unlock()
}

func uintptrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// Package sourcestest gives tests the snapshots shipped in the binary (the
// embedded default), with every Arrow buffer checked for release when the
// test ends.
package sourcestest

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/sources"
)

// Now is the time tests say indicators were computed at, so that exports
// do not change from run to run.
var Now = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// Sets loads the embedded snapshots; they are released, and the allocator
// checked for leaks, when the test ends.
func Sets(t testing.TB) []*sources.TableSet {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	sets, err := sources.LoadEmbedded(context.Background(), mem)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range sets {
			s.Release()
		}
		mem.AssertSize(t, 0)
	})
	return sets
}

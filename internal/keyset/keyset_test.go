package keyset

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestRepeatCheckSpills: the check finds the same repeats whether its
// hashes stay in memory or go to bucket files.
func TestRepeatCheckSpills(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var keys []Key
	for line := 2; line < 20000; line++ {
		id := fmt.Sprintf("op-%d", rng.IntN(15000)) // many repeats
		keys = append(keys, Key{Hash(id), int64(line)})
	}
	find := func(spillAt int) map[int]int {
		c := NewCheck(t.TempDir())
		c.spillAt = spillAt
		defer c.Close()
		for i := 0; i < len(keys); i += 100 {
			if err := c.Add(keys[i:min(i+100, len(keys))]); err != nil {
				t.Fatal(err)
			}
		}
		r, err := c.Repeats()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	inMemory, spilled := find(1<<30), find(1000)
	if len(inMemory) < 1000 || !reflect.DeepEqual(inMemory, spilled) {
		t.Fatalf("in memory %d repeats, spilled %d", len(inMemory), len(spilled))
	}
	for line, first := range inMemory {
		if first >= line {
			t.Fatalf("line %d repeats line %d, which is not earlier", line, first)
		}
	}
}

// TestSweepSpills: spill directories of processes that no longer run are
// removed; this process's own and unrelated directories stay.
func TestSweepSpills(t *testing.T) {
	dir := t.TempDir()
	// A process id that cannot be running: beyond Linux's pid_max limit.
	dead := filepath.Join(dir, spillPrefix+"99999999-123")
	mine := filepath.Join(dir, fmt.Sprintf("%s%d-456", spillPrefix, os.Getpid()))
	other := filepath.Join(dir, "snapshots")
	for _, d := range []string{dead, mine, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	Sweep(dir)
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Fatal("the dead process's spill directory is still there")
	}
	for _, d := range []string{mine, other} {
		if _, err := os.Stat(d); err != nil {
			t.Fatalf("%s was removed", d)
		}
	}
}

// TestHasRepeat: the hash set finds a repeat exactly when a map would,
// zeros and colliding slots included, reusing its table.
func TestHasRepeat(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var table []uint64
	for round := range 3000 {
		n := rng.IntN(300)
		hashes := make([]uint64, n)
		for i := range hashes {
			switch rng.IntN(4) {
			case 0:
				hashes[i] = uint64(rng.IntN(4)) // zeros and small values
			case 1:
				hashes[i] = uint64(rng.IntN(8)) << 57 // the same low bits
			default:
				hashes[i] = rng.Uint64()
			}
		}
		seen, want := map[uint64]bool{}, false
		for _, h := range hashes {
			want = want || seen[h]
			seen[h] = true
		}
		var got bool
		got, table = hasRepeat(n, func(j int) uint64 { return hashes[j] }, table)
		if got != want {
			t.Fatalf("round %d: hasRepeat(%v) = %v, want %v", round, hashes, got, want)
		}
	}
}

// Package keyset finds the rows of a file whose key repeats an earlier
// row's, in memory bounded whatever the file's size: past a bound the
// keys' hashes spill to bucket files on disk, checked one at a time at the
// end. Sweep removes what a killed process left behind.
package keyset

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"maps"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// keySeed seeds the hashes of row keys (operation ids) for one process.
var keySeed = maphash.MakeSeed()

// Key is a row key's 64-bit hash and the line the row starts on.
type Key struct {
	Hash uint64
	Line int64
}

func Hash(s string) uint64 { return maphash.String(keySeed, s) }

// Check finds rows whose key repeats an earlier row's, in memory
// bounded by spillAt entries whatever the file's size: beyond that, hashes
// go to bucket files on disk (16 bytes a row), each read back and checked
// on its own at the end. Two keys with the same 64-bit hash count as the same
// key (for ten million rows, a chance of about 3 in a million).
type Check struct {
	dir     string // for the bucket files; "" means os.TempDir()
	spillAt int
	mem     []Key
	tmp     string
	files   []*os.File
	writers []*bufio.Writer
}

const repeatBuckets = 128

func NewCheck(dir string) *Check { return &Check{dir: dir, spillAt: 1 << 18} }

func (c *Check) Add(keys []Key) error {
	c.mem = append(c.mem, keys...)
	if len(c.mem) >= c.spillAt {
		return c.spill()
	}
	return nil
}

func (c *Check) spill() error {
	if c.files == nil {
		tmp, err := os.MkdirTemp(c.dir, fmt.Sprintf("%s%d-", spillPrefix, os.Getpid()))
		if err != nil {
			return fmt.Errorf("duplicate check: %w", err)
		}
		c.tmp = tmp
		for i := 0; i < repeatBuckets; i++ {
			f, err := os.Create(fmt.Sprintf("%s/%02d", tmp, i))
			if err != nil {
				return fmt.Errorf("duplicate check: %w", err)
			}
			c.files = append(c.files, f)
			c.writers = append(c.writers, bufio.NewWriterSize(f, 16<<10))
		}
	}
	var b [16]byte
	for _, k := range c.mem {
		binary.LittleEndian.PutUint64(b[:8], k.Hash)
		binary.LittleEndian.PutUint64(b[8:], uint64(k.Line))
		if _, err := c.writers[k.Hash>>57].Write(b[:]); err != nil {
			return fmt.Errorf("duplicate check: %w", err)
		}
	}
	c.mem = c.mem[:0]
	return nil
}

// Repeats returns the line of every row whose key was seen on an earlier
// line, with that earlier line.
func (c *Check) Repeats() (map[int]int, error) {
	out := map[int]int{}
	if c.files == nil {
		if anyRepeat(c.mem) {
			findRepeats(c.mem, out)
		}
		return out, nil
	}
	if err := c.spill(); err != nil {
		return nil, err
	}
	// The buckets are independent: check them on all cores.
	var (
		mu      sync.Mutex
		next    atomic.Int32
		wg      sync.WaitGroup
		firstEr error
	)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found := map[int]int{}
			var raw []byte
			var table []uint64
			for i := int(next.Add(1)) - 1; i < len(c.files); i = int(next.Add(1)) - 1 {
				var err error
				if raw, table, err = c.bucketRepeats(i, raw, table, found); err != nil {
					mu.Lock()
					firstEr = cmp.Or(firstEr, err)
					mu.Unlock()
					return
				}
			}
			mu.Lock()
			maps.Copy(out, found)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out, firstEr
}

// bucketRepeats reads back bucket i into raw (returned for reuse, with the
// hash set's table) and adds its repeats to out.
func (c *Check) bucketRepeats(i int, raw []byte, table []uint64, out map[int]int) ([]byte, []uint64, error) {
	f := c.files[i]
	if err := c.writers[i].Flush(); err != nil {
		return raw, table, fmt.Errorf("duplicate check: %w", err)
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return raw, table, fmt.Errorf("duplicate check: %w", err)
	}
	if int64(cap(raw)) < size {
		raw = make([]byte, size)
	}
	raw = raw[:size]
	if _, err := f.ReadAt(raw, 0); err != nil {
		return raw, table, fmt.Errorf("duplicate check: %w", err)
	}
	n := len(raw) / 16
	var repeat bool
	if repeat, table = hasRepeat(n, func(j int) uint64 { return binary.LittleEndian.Uint64(raw[16*j:]) }, table); !repeat {
		return raw, table, nil
	}
	keys := make([]Key, n)
	for j := range keys {
		keys[j] = Key{binary.LittleEndian.Uint64(raw[16*j:]), int64(binary.LittleEndian.Uint64(raw[16*j+8:]))}
	}
	findRepeats(keys, out)
	return raw, table, nil
}

// anyRepeat says whether two keys share a hash: a set of bare hashes
// answers that several times faster than sorting keys with their lines,
// and most files have no repeat at all.
func anyRepeat(keys []Key) bool {
	repeat, _ := hasRepeat(len(keys), func(j int) uint64 { return keys[j].Hash }, nil)
	return repeat
}

// hasRepeat says whether two of the n hashes hash(0)...hash(n-1) are
// equal, with an open-addressing set in table (grown if needed, cleared,
// returned for reuse): one pass in linear time where a sort took n log n.
func hasRepeat(n int, hash func(int) uint64, table []uint64) (bool, []uint64) {
	size := 1 << max(4, bits.Len(uint(n+n/2))) // at most two thirds full
	if cap(table) < size {
		table = make([]uint64, size)
	}
	table = table[:size]
	clear(table)
	shift := 64 - bits.Len(uint(size-1))
	mask := uint64(size - 1)
	zero := false // 0 marks an empty slot: a hash of 0 is tracked apart
	for j := 0; j < n; j++ {
		h := hash(j)
		if h == 0 {
			if zero {
				return true, table
			}
			zero = true
			continue
		}
		// The bucket files already share their top bits: spread by
		// multiplying before taking the slot from the top.
		for k := (h * 0x9e3779b97f4a7c15) >> shift; ; k = (k + 1) & mask {
			switch table[k] {
			case 0:
				table[k] = h
			case h:
				return true, table
			default:
				continue
			}
			break
		}
	}
	return false, table
}

func findRepeats(keys []Key, out map[int]int) {
	slices.SortFunc(keys, func(a, b Key) int {
		if a.Hash != b.Hash {
			if a.Hash < b.Hash {
				return -1
			}
			return 1
		}
		return int(a.Line - b.Line)
	})
	for i := 1; i < len(keys); i++ {
		if keys[i].Hash == keys[i-1].Hash {
			first := i - 1
			for first > 0 && keys[first-1].Hash == keys[i].Hash {
				first--
			}
			out[int(keys[i].Line)] = int(keys[first].Line)
		}
	}
}

// spillPrefix starts the name of a spill directory, followed by the
// process id of its owner.
const spillPrefix = "palermo-keys-"

// Sweep removes the spill directories in dir left by processes that
// no longer run (an ingest killed before it could clean up). A directory
// whose owner's id has been reused by a live process stays until a later
// sweep.
func Sweep(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), spillPrefix)
		if !e.IsDir() || !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || processRuns(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// processRuns says whether a process with this id exists (signal 0 checks
// without sending anything).
func processRuns(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, os.ErrPermission)
}

// Close removes the bucket files.
func (c *Check) Close() {
	for _, f := range c.files {
		f.Close()
	}
	if c.tmp != "" {
		os.RemoveAll(c.tmp)
	}
}

package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/sources"
)

// parseEmbedded parses a source's embedded snapshot.
func parseEmbedded(t *testing.T, name string, mem memory.Allocator) *sources.Output {
	t.Helper()
	spec, _ := sources.Lookup(name)
	data, prov, err := sources.NewFetcher().Fetch(context.Background(), spec, sources.LocationEmbedded)
	if err != nil {
		t.Fatal(err)
	}
	out, err := spec.Parse(context.Background(), sources.Input{Name: spec.Embedded.File, File: bytes.NewReader(data), Provenance: prov, Mem: mem})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestStoreRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Current("tip_global"); err != ErrNoSnapshot {
		t.Fatalf("Current on an empty store = %v, want ErrNoSnapshot", err)
	}
	out := parseEmbedded(t, "tip_global", mem)
	defer out.Release()
	m, err := st.Write(context.Background(), "tip_global", out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows["observations"] != 150 || m.Provenance.SHA256 == "" {
		t.Fatalf("manifest = %+v", m)
	}
	ts, err := st.Load(context.Background(), "tip_global")
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Release()
	tbl := ts.Tables["observations"]
	if tbl.NumRows() != 150 || tbl.NumCols() != int64(sources.ObservationsSchema.NumFields()) {
		t.Fatalf("loaded %d rows, %d cols", tbl.NumRows(), tbl.NumCols())
	}
	for i, f := range sources.ObservationsSchema.Fields() {
		if got := tbl.Schema().Field(i); got.Name != f.Name || !arrow.TypeEqual(got.Type, f.Type) {
			t.Fatalf("column %d = %s %s, want %s %s", i, got.Name, got.Type, f.Name, f.Type)
		}
	}
	if ts.Provenance.SHA256 != out.Provenance.SHA256 || ts.Provenance.Origin.URLMain == "" {
		t.Fatalf("provenance lost: %+v", ts.Provenance)
	}
}

// TestStoreKeepsLastGood: a write that fails leaves the previous snapshot
// in use and readable, and leaves no temporary files behind.
func TestStoreKeepsLastGood(t *testing.T) {
	dir, st, out, first := storeEmbedded(t, "fbi_operations")
	// A cancelled context fails the second write half-way.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.Write(ctx, "fbi_operations", out); err == nil {
		t.Fatal("write with a cancelled context succeeded")
	}
	if gen, _ := st.Current("fbi_operations"); gen != first.Generation {
		t.Fatalf("current = %s, want the first generation %s", gen, first.Generation)
	}
	ts, err := st.Load(context.Background(), "fbi_operations")
	if err != nil {
		t.Fatal(err)
	}
	ts.Release()
	entries, _ := os.ReadDir(filepath.Join(dir, "snapshots", "fbi_operations"))
	for _, e := range entries {
		if e.Name() != "CURRENT" && e.Name() != first.Generation {
			t.Fatalf("left behind: %s", e.Name())
		}
	}
	// Three good writes keep the current and the previous generation only.
	var gens []string
	for i := 0; i < 3; i++ {
		m, err := st.Write(context.Background(), "fbi_operations", out)
		if err != nil {
			t.Fatal(err)
		}
		gens = append(gens, m.Generation)
	}
	entries, _ = os.ReadDir(filepath.Join(dir, "snapshots", "fbi_operations"))
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) != 2 || dirs[0] != gens[1] || dirs[1] != gens[2] {
		t.Fatalf("generations kept = %v, want %v", dirs, gens[1:])
	}
}

func TestStoreCorruptCurrent(t *testing.T) {
	dir := t.TempDir()
	st, _ := OpenStore(dir)
	os.MkdirAll(filepath.Join(dir, "snapshots", "x"), 0o755)
	os.WriteFile(filepath.Join(dir, "snapshots", "x", "CURRENT"), []byte("../../etc\n"), 0o644)
	if _, err := st.Current("x"); err == nil {
		t.Fatal("CURRENT pointing outside the store was accepted")
	}
}

// TestStoreDiskFullAndPermission: a write that hits a full disk (the
// kernel's /dev/full answers ENOSPC) or a permission error fails cleanly,
// leaves no temporary files, and keeps the previous snapshot in use.
func TestStoreDiskFullAndPermission(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	dir, st, out, first := storeEmbedded(t, "tip_global")
	for _, c := range []struct {
		name string
		open func(string, int, os.FileMode) (*os.File, error)
		want string
	}{
		{"disk full", func(string, int, os.FileMode) (*os.File, error) { return os.OpenFile("/dev/full", os.O_WRONLY, 0) }, "no space left on device"},
		{"permission", func(name string, _ int, _ os.FileMode) (*os.File, error) {
			return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrPermission}
		}, "permission denied"},
	} {
		st.openFile = c.open
		_, err := st.Write(context.Background(), "tip_global", out)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: err = %v, want %q", c.name, err, c.want)
		}
		if gen, _ := st.Current("tip_global"); gen != first.Generation {
			t.Fatalf("%s: current = %s, want %s", c.name, gen, first.Generation)
		}
		entries, _ := os.ReadDir(filepath.Join(dir, "snapshots", "tip_global"))
		for _, e := range entries {
			if e.Name() != "CURRENT" && e.Name() != first.Generation {
				t.Fatalf("%s: left behind %s", c.name, e.Name())
			}
		}
	}
	st.openFile = os.OpenFile
	ts, err := st.Load(context.Background(), "tip_global")
	if err != nil {
		t.Fatal(err)
	}
	ts.Release()
}

// TestStoreOpenStreams: a snapshot opened lazily yields, batch by batch,
// the rows Load reads whole.
func TestStoreOpenStreams(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	st, _ := OpenStore(t.TempDir())
	out := parseEmbedded(t, "fbi_ucr_ht", mem)
	defer out.Release()
	if _, err := st.Write(context.Background(), "fbi_ucr_ht", out); err != nil {
		t.Fatal(err)
	}
	ts, err := st.Open("fbi_ucr_ht")
	if err != nil {
		t.Fatal(err)
	}
	var rows, batches int64
	err = ts.EachBatch(context.Background(), "observations", func(rec arrow.RecordBatch) error {
		rows += rec.NumRows()
		batches++
		return nil
	})
	if err != nil || rows != 38700 || batches < 1 { // the 2013 and 2015 master files
		t.Fatalf("streamed %d rows in %d batches: %v", rows, batches, err)
	}
	if !ts.Has("observations") || ts.Has("operations") {
		t.Fatal("Has disagrees with the manifest")
	}
}

// TestOpenStoreSweepsSpills: opening the store (serve, run, ingest...)
// removes the spill directory an ingest killed midway left, and keeps the
// snapshots.
func TestOpenStoreSweepsSpills(t *testing.T) {
	dir := t.TempDir()
	dead := filepath.Join(dir, "palermo-keys-99999999-1") // beyond Linux's pid_max: not running
	kept := filepath.Join(dir, "snapshots", "tip_global")
	for _, d := range []string{dead, kept} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := OpenStore(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Fatalf("the killed ingest's spill directory is still there: %v", err)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Fatal(err)
	}
}

// TestStoreGenerationMode: a generation is as readable as the rest of the
// data directory (os.MkdirTemp makes 0700 directories).
func TestStoreGenerationMode(t *testing.T) {
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out := parseEmbedded(t, "tip_global", memory.NewGoAllocator())
	defer out.Release()
	m, err := st.Write(context.Background(), "tip_global", out)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(st.Dir(), "snapshots", "tip_global", m.Generation))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("generation directory mode %v (%v), want 0755", fi.Mode().Perm(), err)
	}
}

// storeEmbedded stores the embedded snapshot of source in a new store and
// returns the store's directory, the store, the parsed output (released,
// and the allocator checked, when the test ends) and the first manifest.
func storeEmbedded(t *testing.T, source string) (string, *Store, *sources.Output, *Manifest) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	dir := t.TempDir()
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := parseEmbedded(t, source, mem)
	t.Cleanup(func() { out.Release(); mem.AssertSize(t, 0) })
	first, err := st.Write(context.Background(), source, out)
	if err != nil {
		t.Fatal(err)
	}
	return dir, st, out, first
}

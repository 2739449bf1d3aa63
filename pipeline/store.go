package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/palermo-project/palermo/internal/dirlock"
	"github.com/palermo-project/palermo/internal/fsutil"
	"github.com/palermo-project/palermo/internal/keyset"
	"github.com/palermo-project/palermo/sources"
)

// Store keeps each source's canonical tables as Parquet files on disk.
//
// Layout under the data directory:
//
//	snapshots/<source>/<generation>/<table>.parquet   the tables of one good run
//	snapshots/<source>/<generation>/manifest.json     provenance and row counts
//	snapshots/<source>/CURRENT                        the generation in use
//
// A write builds a new generation in a temporary directory, fsyncs every
// file, renames the directory into place and only then swaps CURRENT (again
// by write, fsync, rename). A crash or a failed run at any point leaves the
// previous generation readable. The previous generation is kept after a
// swap as the last good fallback; older ones are removed.
type Store struct {
	dir string
	mem memory.Allocator
	mu  sync.Mutex // serialises this process's writers; readers need no lock
	now func() time.Time
	// LockWait bounds how long a write waits for another process that
	// writes the same data directory (see LockFile); 0 waits as long as the
	// write's context allows.
	LockWait time.Duration
	// OnLockWait, when set, is told once per write that another process
	// holds the data directory, and which.
	OnLockWait func(dirlock.Holder)
	// openFile creates the files of a new generation; tests swap it to
	// inject disk-full and permission errors.
	openFile func(name string, flag int, perm os.FileMode) (*os.File, error)
}

// Manifest describes one stored generation.
type Manifest struct {
	Source     string             `json:"source"`
	Generation string             `json:"generation"`
	WrittenAt  time.Time          `json:"written_at"`
	Provenance sources.Provenance `json:"provenance"`
	Rows       map[string]int64   `json:"rows"`
	// Quarantined counts the rows left out for failing validation; their
	// positioned problems are in quarantine.txt beside the tables.
	Quarantined int64 `json:"quarantined,omitempty"`
}

// LockFile is the file in the data directory whose flock(2) makes one
// process at a time its writer: every snapshot write holds it from the
// temporary directory to the swap of CURRENT and the removal of old
// generations, so no writer removes another's files and CURRENT never
// names a generation another writer removed.
const LockFile = ".palermo.lock"

// ErrNoSnapshot means a source has never been stored successfully.
var ErrNoSnapshot = errors.New("no snapshot stored yet")

// OpenStore opens a store under dir, removing the repeated-key spill
// directories of ingests that were killed. Nothing is created until the
// first write: a command that only reads leaves no empty data directory.
func OpenStore(dir string) (*Store, error) {
	keyset.Sweep(dir) // what an ingest killed earlier left behind
	return &Store{dir: dir, mem: memory.NewGoAllocator(), now: time.Now, openFile: os.OpenFile}, nil
}

// Dir is the data directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) sourceDir(source string) string { return filepath.Join(s.dir, "snapshots", source) }

// lock takes this process's writer mutex and the data directory's lock.
func (s *Store) lock(ctx context.Context) (unlock func(), err error) {
	s.mu.Lock()
	lctx, cancel := ctx, context.CancelFunc(func() {})
	if s.LockWait > 0 {
		lctx, cancel = context.WithTimeout(ctx, s.LockWait)
	}
	defer cancel()
	if err := os.MkdirAll(filepath.Join(s.dir, "snapshots"), 0o755); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("store: %w", err)
	}
	l, err := dirlock.Acquire(lctx, s.dir, LockFile, dirlock.Command(), s.OnLockWait)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("store: the data directory %w", err)
	}
	return func() { l.Unlock(); s.mu.Unlock() }, nil
}

// Write stores out as the new snapshot of source, all or nothing.
func (s *Store) Write(ctx context.Context, source string, out *sources.Output) (*Manifest, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	tmp, m, err := s.begin(source, out.Provenance)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // a no-op once committed
	provJSON, err := json.Marshal(out.Provenance)
	if err != nil {
		return nil, err
	}
	for _, name := range sortedTableNames(out.Tables) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec := out.Tables[name]
		if err := s.writeParquet(filepath.Join(tmp, name+".parquet"), rec, string(provJSON)); err != nil {
			return nil, fmt.Errorf("store %s/%s: %w", source, name, err)
		}
		m.Rows[name] = rec.NumRows()
	}
	return s.commit(source, tmp, m, out)
}

// begin makes the temporary directory of a new generation.
func (s *Store) begin(source string, prov sources.Provenance) (string, *Manifest, error) {
	sdir := s.sourceDir(source)
	if err := os.MkdirAll(sdir, 0o755); err != nil {
		return "", nil, fmt.Errorf("store %s: %w", source, err)
	}
	now := s.now().UTC()
	gen := now.Format("20060102T150405.000000000Z")
	tmp, err := os.MkdirTemp(sdir, ".tmp-"+gen+"-")
	if err != nil {
		return "", nil, fmt.Errorf("store %s: %w", source, err)
	}
	// MkdirTemp makes the directory 0700; a generation is as readable as
	// the rest of the data directory.
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return "", nil, fmt.Errorf("store %s: %w", source, err)
	}
	return tmp, &Manifest{Source: source, Generation: gen, WrittenAt: now, Provenance: prov, Rows: map[string]int64{}}, nil
}

// commit writes the quarantine list and the manifest, fsyncs the new
// generation, renames it into place and swaps CURRENT.
func (s *Store) commit(source, tmp string, m *Manifest, out *sources.Output) (*Manifest, error) {
	if out.QuarantinedRows > 0 {
		m.Quarantined = out.QuarantinedRows
		var q strings.Builder
		fmt.Fprintf(&q, "# %d of %d rows failed validation and were left out of this snapshot", out.QuarantinedRows, out.RowsRead)
		if int64(len(out.Quarantine)) < out.QuarantinedRows {
			fmt.Fprintf(&q, " (the first %d problems follow)", len(out.Quarantine))
		}
		q.WriteString("\n")
		for _, e := range out.Quarantine {
			q.WriteString(e.Error() + "\n")
		}
		if err := fsutil.WriteFileSync(filepath.Join(tmp, "quarantine.txt"), []byte(q.String())); err != nil {
			return nil, fmt.Errorf("store %s: %w", source, err)
		}
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := fsutil.WriteFileSync(filepath.Join(tmp, "manifest.json"), mb); err != nil {
		return nil, fmt.Errorf("store %s: %w", source, err)
	}
	if err := fsutil.SyncDir(tmp); err != nil {
		return nil, fmt.Errorf("store %s: %w", source, err)
	}
	sdir := s.sourceDir(source)
	final := filepath.Join(sdir, m.Generation)
	if err := os.Rename(tmp, final); err != nil {
		return nil, fmt.Errorf("store %s: %w", source, err)
	}
	if err := fsutil.SyncDir(sdir); err != nil {
		return nil, fmt.Errorf("store %s: %w", source, err)
	}
	prev, _ := s.current(source)
	if err := WriteFileAtomic(filepath.Join(sdir, "CURRENT"), []byte(m.Generation+"\n")); err != nil {
		os.RemoveAll(final)
		return nil, fmt.Errorf("store %s: %w", source, err)
	}
	s.prune(source, m.Generation, prev)
	return m, nil
}

// WriteStream stores one table written batch by batch: produce calls write
// for each record batch and returns the streamed parse's result and the
// provenance of the bytes it read (known once they are all read). The
// snapshot is committed only if produce succeeds (all or nothing), with the
// rows it left out listed in quarantine.txt.
func (s *Store) WriteStream(ctx context.Context, source, table string, schema *arrow.Schema,
	produce func(write func(arrow.RecordBatch) error) (*sources.StreamResult, sources.Provenance, error)) (*Manifest, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	tmp, m, err := s.begin(source, sources.Provenance{})
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // a no-op once committed
	pw, err := s.newParquetFile(filepath.Join(tmp, table+".parquet"), schema, "")
	if err != nil {
		return nil, fmt.Errorf("store %s/%s: %w", source, table, err)
	}
	var rows int64
	res, prov, err := produce(func(rec arrow.RecordBatch) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		rows += rec.NumRows()
		return pw.writeBuffered(rec)
	})
	if err != nil {
		pw.abort()
		return nil, err
	}
	provJSON, err := json.Marshal(prov)
	if err != nil {
		pw.abort()
		return nil, err
	}
	if err := pw.w.AppendKeyValueMetadata("palermo.provenance", string(provJSON)); err != nil {
		pw.abort()
		return nil, err
	}
	if err := pw.close(); err != nil {
		return nil, fmt.Errorf("store %s/%s: %w", source, table, err)
	}
	m.Provenance = prov
	m.Rows[table] = rows
	out := &sources.Output{Provenance: prov, Quarantine: res.Quarantine, QuarantinedRows: res.QuarantinedRows, RowsRead: res.RowsRead}
	return s.commit(source, tmp, m, out)
}

// prune removes generations other than the current and the previous good one,
// and the temporary directories and files left by crashed writes.
func (s *Store) prune(source string, keep ...string) {
	entries, err := os.ReadDir(s.sourceDir(source))
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() {
			if strings.HasPrefix(n, ".CURRENT.tmp-") {
				os.Remove(filepath.Join(s.sourceDir(source), n)) // torn pointer swap
			}
			continue
		}
		kept := false
		for _, k := range keep {
			kept = kept || n == k
		}
		if !kept {
			os.RemoveAll(filepath.Join(s.sourceDir(source), n))
		}
	}
}

func sortedTableNames(m map[string]arrow.RecordBatch) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeParquet writes one record batch as a Parquet file, fsynced.
func (s *Store) writeParquet(path string, rec arrow.RecordBatch, provenance string) error {
	p, err := s.newParquetFile(path, rec.Schema(), provenance)
	if err != nil {
		return err
	}
	if err := p.write(rec); err != nil {
		p.abort()
		return err
	}
	return p.close()
}

// Current is the generation of source's snapshot in use; for a source made
// of many files, the newest of its partitions'.
func (s *Store) Current(source string) (string, error) {
	gen, err := s.current(source)
	if !errors.Is(err, ErrNoSnapshot) {
		return gen, err
	}
	newest := ""
	for _, k := range s.StoredPartitions(source) {
		if g, err := s.current(PartitionStore(source, k)); err == nil {
			newest = max(newest, g)
		}
	}
	if newest == "" {
		return "", err
	}
	return newest, nil
}

func (s *Store) current(source string) (string, error) {
	b, err := os.ReadFile(filepath.Join(s.sourceDir(source), "CURRENT"))
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrNoSnapshot
	}
	if err != nil {
		return "", err
	}
	gen := strings.TrimSpace(string(b))
	if gen == "" || strings.ContainsAny(gen, `/\`) || strings.HasPrefix(gen, ".") {
		return "", fmt.Errorf("store %s: CURRENT names an invalid generation %q", source, gen)
	}
	return gen, nil
}

// Manifest reads the manifest of the current snapshot of source.
func (s *Store) Manifest(source string) (*Manifest, error) {
	gen, err := s.current(source)
	if err != nil {
		return nil, err
	}
	return s.readManifest(source, gen)
}

func (s *Store) readManifest(source, gen string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(s.sourceDir(source), gen, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", source, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("store %s: manifest of %s: %w", source, gen, err)
	}
	return &m, nil
}

// Load reads the current snapshot of source into Arrow tables.
func (s *Store) Load(ctx context.Context, source string) (*sources.TableSet, error) {
	m, err := s.Manifest(source)
	if err != nil {
		return nil, err
	}
	ts := &sources.TableSet{Source: source, Generation: m.Generation, Provenance: m.Provenance, Tables: map[string]arrow.Table{}}
	for table := range m.Rows {
		t, err := s.readParquet(ctx, filepath.Join(s.sourceDir(source), m.Generation, table+".parquet"))
		if err != nil {
			ts.Release()
			return nil, fmt.Errorf("store %s/%s: %w", source, table, err)
		}
		ts.Tables[table] = t
	}
	return ts, nil
}

// Open is Load without reading the tables: each is read batch by batch from
// its Parquet file when asked (TableSet.EachBatch), so that aggregating a
// large table never holds it whole.
func (s *Store) Open(source string) (*sources.TableSet, error) {
	m, err := s.Manifest(source)
	if err != nil {
		return nil, err
	}
	ts := &sources.TableSet{Source: source, Generation: m.Generation, Provenance: m.Provenance,
		Open: map[string]func(context.Context) (array.RecordReader, error){}}
	for table := range m.Rows {
		path := filepath.Join(s.sourceDir(source), m.Generation, table+".parquet")
		ts.Open[table] = func(ctx context.Context) (array.RecordReader, error) { return s.openParquet(ctx, path) }
	}
	return ts, nil
}

// closingReader closes the Parquet file when the record reader is released.
type closingReader struct {
	pqarrow.RecordReader
	file *file.Reader
}

func (c *closingReader) Release() {
	c.RecordReader.Release()
	c.file.Close()
}

func (s *Store) openParquet(ctx context.Context, path string) (rr array.RecordReader, err error) {
	err = sources.Guard(func() error {
		rr, err = s.openParquetUnguarded(ctx, path)
		return err
	})
	return rr, err
}

func (s *Store) openParquetUnguarded(ctx context.Context, path string) (array.RecordReader, error) {
	f, err := file.OpenParquetFile(path, false, file.WithReadProps(parquet.NewReaderProperties(s.mem)))
	if err != nil {
		return nil, err
	}
	fr, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, s.mem)
	if err != nil {
		f.Close()
		return nil, err
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &closingReader{RecordReader: rr, file: f}, nil
}

func (s *Store) readParquet(ctx context.Context, path string) (t arrow.Table, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	err = sources.Guard(func() error {
		t, err = pqarrow.ReadTable(ctx, f, parquet.NewReaderProperties(s.mem), pqarrow.ArrowReadProperties{}, s.mem)
		return err
	})
	return t, err
}

// WriteFileAtomic replaces path with data through a fsynced temporary file
// and a rename (see fsutil).
func WriteFileAtomic(path string, data []byte) error { return fsutil.WriteFileAtomic(path, data) }

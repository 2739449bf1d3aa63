package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/internal/arrowmem"
	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/internal/diag"
	"github.com/palermo-project/palermo/sources"
)

// LocationIngested is the location shown for a source that the
// configuration does not name and whose snapshot palermo ingest stored.
const LocationIngested = "ingested"

// IngestOptions tune one ingest of local files.
type IngestOptions struct {
	// Observer, when set, is called before each pass over the files of a
	// streamed ingest (a file whose rows repeat a key is parsed twice) and
	// returns what sees every record batch of that pass as it is stored;
	// palermo ingest folds them into the indicators' sums this way.
	Observer func() func(arrow.RecordBatch) error
	// Progress, when set, is started with the ingest's counters (bytes
	// read of total, rows stored) and stopped when it ends.
	Progress func(done *atomic.Int64, total int64, rows *atomic.Int64) (stop func())
}

// FileError is what went wrong with one file of an ingest or a validation.
type FileError struct {
	File string
	Err  error
}

// FileErrors lists the files that failed; its text has one line per
// positioned problem (FILE:LINE:COL: message), or FILE: error.
type FileErrors []FileError

func (l FileErrors) Error() string {
	var b strings.Builder
	for _, fe := range l {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(describeFileError(fe.File, fe.Err))
	}
	return b.String()
}

// describeFileError writes an error as the lines a user reads: each
// positioned problem, and how many more there were.
func describeFileError(file string, err error) string {
	pos := diag.Positions(err)
	if len(pos) == 0 {
		return file + ": " + err.Error()
	}
	lines := make([]string, 0, len(pos)+1)
	for _, p := range pos {
		lines = append(lines, p.Error())
	}
	var qe *sources.QuarantineError
	if errors.As(err, &qe) && qe.Rows > int64(len(pos)) {
		lines = append(lines, fmt.Sprintf("%s: %d rows failed validation in all; the first %d are listed", file, qe.Rows, len(pos)))
	}
	return strings.Join(lines, "\n")
}

// DescribeError is FileErrors' text for any error of a run or an ingest.
func DescribeError(file string, err error) string {
	var fe FileErrors
	if errors.As(err, &fe) {
		return fe.Error()
	}
	return describeFileError(file, err)
}

// Ingest validates local files of a source and stores them, together, as
// its new snapshot (all or nothing), through the same checks, run history,
// job state and job metrics as a scheduled run (trigger "ingest"). A source
// the configuration disables is refused with the line to change; one it
// does not name is ingested and published from then on, with the location
// "ingested".
func (r *Runner) Ingest(ctx context.Context, job string, files []string, opts IngestOptions) (*Manifest, error) {
	spec, ok := sources.Lookup(job)
	if !ok {
		return nil, fmt.Errorf("source %s: unknown; known: %s", job, strings.Join(sources.Names(), ", "))
	}
	if sc, configured := r.Config.Sources[job]; configured && !sc.IsEnabled() {
		return nil, fmt.Errorf("source %s is disabled in the configuration (%s: sources.%s.enabled: false), so what is ingested would never be published; set it to true or remove the line, then ingest again", job, r.Config.Path(), job)
	}
	if len(files) == 0 {
		return nil, errors.New("ingest: no files")
	}
	var m *Manifest
	err := r.execute(ctx, job, "ingest", 0, func(ctx context.Context) (*Manifest, bool, error) {
		if sc := r.Config.Sources[job]; sc.Partitioned() {
			var changed bool
			var err error
			m, changed, err = r.ingestPartitions(ctx, spec, sc, files)
			return m, changed, err
		}
		var err error
		m, err = r.ingest(ctx, spec, files, opts)
		return m, err == nil, err
	})
	return m, err
}

func (r *Runner) ingest(ctx context.Context, spec *sources.Spec, files []string, opts IngestOptions) (*Manifest, error) {
	maxShare := r.Config.Sources[spec.Name].QuarantineMaxShare
	if spec.Stream != nil {
		return r.streamFiles(ctx, spec, files, maxShare, opts)
	}
	out, err := r.parseFiles(ctx, spec, files, maxShare)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	return r.storeOutput(ctx, spec, out)
}

// parseFiles parses every file with the source's parser and joins their
// tables; it fails, naming each bad file, unless all parse.
func (r *Runner) parseFiles(ctx context.Context, spec *sources.Spec, files []string, maxShare float64) (*sources.Output, error) {
	var (
		outs []*sources.Output
		bad  FileErrors
		hash = sha256.New()
		size int64
	)
	defer func() {
		for _, o := range outs {
			o.Release()
		}
	}()
	limit := r.Config.Sources[spec.Name].MaxBytes.OrDefault()
	for _, file := range files {
		out, n, err := parseFile(ctx, spec, file, limit, maxShare, hash)
		size += n
		if err != nil {
			bad = append(bad, FileError{file, err})
			continue
		}
		outs = append(outs, out)
	}
	if len(bad) > 0 {
		return nil, bad
	}
	prov := sources.Provenance{Origin: spec.Origin, Location: absList(files), RetrievedAt: r.now().UTC(),
		SHA256: hex.EncodeToString(hash.Sum(nil)), Bytes: size}
	joined := &sources.Output{Tables: map[string]arrow.RecordBatch{}, Provenance: prov}
	for _, o := range outs {
		joined.RowsRead += o.RowsRead
		joined.QuarantinedRows += o.QuarantinedRows
		joined.Quarantine.Keep(o.Quarantine...)
	}
	for _, table := range spec.Tables {
		var batches []arrow.RecordBatch
		for _, o := range outs {
			if b, ok := o.Tables[table]; ok {
				batches = append(batches, b)
			}
		}
		if len(batches) == 0 {
			continue
		}
		b, err := sources.ConcatBatches(memory.NewGoAllocator(), batches[0].Schema(), batches)
		if err != nil {
			joined.Release()
			return nil, err
		}
		joined.Tables[table] = b
	}
	return joined, nil
}

// parseFile parses one local file read in place (never whole into memory
// unless the format needs it) while another goroutine feeds its bytes to
// hash, which thus receives the files in order; it returns the file's size.
func parseFile(ctx context.Context, spec *sources.Spec, file string, limit int64, maxShare float64, hash io.Writer) (*sources.Output, int64, error) {
	f, closeFile, err := bounded.OpenFile(file, limit)
	if err != nil {
		return nil, 0, err
	}
	defer closeFile()
	hashed := make(chan error, 1)
	go func() {
		_, err := io.Copy(hash, io.NewSectionReader(f, 0, f.Size()))
		hashed <- err
	}()
	out, err := sources.ParseChecked(ctx, spec, sources.Input{Name: file, File: f, Mem: memory.NewGoAllocator()}, maxShare)
	if herr := <-hashed; err == nil && herr != nil {
		out.Release()
		err = herr
	}
	return out, f.Size(), err
}

func absList(files []string) string {
	abs := make([]string, len(files))
	for i, f := range files {
		abs[i], _ = filepath.Abs(f)
	}
	return strings.Join(abs, " ")
}

// streamMemoryLimit is the soft limit of the Go heap during a streamed
// ingest (runtime/debug.SetMemoryLimit), unless GOMEMLIMIT is set: it keeps
// the heap near what the pipeline holds (a few batches and the Parquet row
// group being written) whatever the size of the file.
const streamMemoryLimit = 72 << 20

// streamReuseBytes bounds the released Arrow buffers kept for reuse during
// a streamed ingest: enough for the few batches in flight; more only fills
// up over a long ingest and raises its peak.
const streamReuseBytes = 8 << 20

// streamFiles parses files of a streaming source on all cores and writes
// their record batches, in file order, to the Parquet snapshot on another
// goroutine, so that at most a few batches are in memory. Nothing is stored
// unless every file parses (all or nothing). A file whose rows repeat a key
// is parsed a second time, with those rows quarantined (the check needs the
// whole file; see sources.RepeatedKeysError).
func (r *Runner) streamFiles(ctx context.Context, spec *sources.Spec, files []string, maxShare float64, opts IngestOptions) (*Manifest, error) {
	inputs := make([]streamSource, len(files))
	var total int64
	for i, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return nil, FileErrors{{f, err}}
		}
		total += st.Size()
		abs, _ := filepath.Abs(f)
		name := f
		inputs[i] = streamSource{name: name, location: abs, open: func() (io.ReadCloser, error) { return os.Open(name) }}
	}
	return r.stream(ctx, spec, inputs, total, maxShare, opts)
}

// streamSource is one input of a streamed parse.
type streamSource struct {
	name, location string
	open           func() (io.ReadCloser, error)
	retrievedAt    time.Time // when the bytes were fetched; zero means now
}

func (r *Runner) stream(ctx context.Context, spec *sources.Spec, inputs []streamSource, total int64, maxShare float64, opts IngestOptions) (*Manifest, error) {
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(streamMemoryLimit))
	}
	repeats := map[string]map[int]int{}
	for {
		var observe func(arrow.RecordBatch) error
		if opts.Observer != nil {
			observe = opts.Observer()
		}
		m, err := r.streamOnce(ctx, spec, inputs, total, maxShare, repeats, observe, opts.Progress)
		var rep *sources.RepeatedKeysError
		if errors.As(err, &rep) && repeats[rep.File] == nil {
			repeats[rep.File] = rep.Lines
			continue
		}
		return m, err
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (r *Runner) streamOnce(ctx context.Context, spec *sources.Spec, inputs []streamSource, total int64, maxShare float64,
	repeats map[string]map[int]int, observe func(arrow.RecordBatch) error,
	progress func(done *atomic.Int64, total int64, rows *atomic.Int64) func()) (*Manifest, error) {
	table := spec.Tables[0]
	var done, rows atomic.Int64
	if progress != nil {
		stop := progress(&done, total, &rows)
		defer stop()
	}
	return r.Store.WriteStream(ctx, spec.Name, table, sources.Schemas[table],
		func(write func(arrow.RecordBatch) error) (*sources.StreamResult, sources.Provenance, error) {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			batches := make(chan arrow.RecordBatch, 1)
			type parsed struct {
				res  *sources.StreamResult
				prov sources.Provenance
				err  error
			}
			result := make(chan parsed, 1)
			mem := arrowmem.NewReuse(streamReuseBytes)
			go func() {
				defer close(batches)
				hash := sha256.New()
				sum := &sources.StreamResult{}
				var locs []string
				retrieved := r.now().UTC()
				for _, src := range inputs {
					if !src.retrievedAt.IsZero() {
						retrieved = src.retrievedAt
					}
					fh, err := src.open()
					if err != nil {
						result <- parsed{err: FileErrors{{src.name, err}}}
						return
					}
					locs = append(locs, src.location)
					in := sources.StreamInput{Name: src.name, R: io.TeeReader(countingReader{fh, &done}, hash), Mem: mem,
						TempDir: r.Store.Dir(), Repeats: repeats[src.name]}
					res, err := spec.Stream(ctx, in, func(rec arrow.RecordBatch) error {
						if observe != nil {
							if err := observe(rec); err != nil {
								return err
							}
						}
						rec.Retain()
						select {
						case batches <- rec:
							return nil
						case <-ctx.Done():
							rec.Release()
							return ctx.Err()
						}
					})
					fh.Close()
					if err != nil {
						var rep *sources.RepeatedKeysError
						if !errors.As(err, &rep) && len(diag.Positions(err)) > 0 {
							err = FileErrors{{src.name, err}}
						}
						result <- parsed{err: err}
						return
					}
					sum.RowsRead += res.RowsRead
					sum.QuarantinedRows += res.QuarantinedRows
					sum.Quarantine.Keep(res.Quarantine...)
				}
				prov := sources.Provenance{Origin: spec.Origin, Location: strings.Join(locs, " "), RetrievedAt: retrieved,
					SHA256: hex.EncodeToString(hash.Sum(nil)), Bytes: done.Load()}
				result <- parsed{res: sum, prov: prov}
			}()
			var writeErr error
			for rec := range batches {
				if writeErr == nil {
					if writeErr = write(rec); writeErr != nil {
						cancel() // stop the parser; keep draining
					}
					rows.Add(rec.NumRows())
				}
				rec.Release()
			}
			p := <-result
			switch {
			case writeErr != nil:
				return nil, sources.Provenance{}, writeErr
			case p.err != nil:
				return nil, sources.Provenance{}, p.err
			}
			if err := p.res.Check(maxShare); err != nil {
				name := inputs[0].name
				if len(inputs) > 1 {
					name = "input"
				}
				return nil, sources.Provenance{}, FileErrors{{name, err}}
			}
			if err := r.checkShrink(spec.Name, map[string]int64{table: rows.Load()}, p.prov.Bytes); err != nil {
				return nil, sources.Provenance{}, err
			}
			return p.res, p.prov, nil
		})
}

// streamFile is the streamed path for what was fetched (an HTTP body in
// the fetch cache, the embedded snapshot): the parse and the store work
// batch by batch, so memory follows neither the body nor the table.
func (r *Runner) streamFile(ctx context.Context, spec *sources.Spec, name string, file sources.InputFile, prov sources.Provenance, maxShare float64) (*Manifest, error) {
	src := streamSource{name: name, location: prov.Location, retrievedAt: prov.RetrievedAt,
		open: func() (io.ReadCloser, error) { return io.NopCloser(io.NewSectionReader(file, 0, file.Size())), nil }}
	return r.stream(ctx, spec, []streamSource{src}, file.Size(), maxShare, IngestOptions{})
}

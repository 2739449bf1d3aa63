package main

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

	"github.com/palermo-project/palermo/internal/arrowmem"
	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/sources"
)

// ingestMemoryLimit is the soft limit of the Go heap during a streamed
// ingest (runtime/debug.SetMemoryLimit). Measured with bench/compare.sh:
// at 72 MiB (and the 8 MiB pool below) the 10M-row peak RSS is 3-6% above
// the 1M-row one; at 88 MiB the garbage collector let the longer run's
// heap creep up by 12%, for no measurable gain in time.
const ingestMemoryLimit = 72 << 20

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

// streamIngest parses files of a streaming source on all cores and writes
// their record batches, in file order, to the Parquet snapshot on another
// goroutine, so that at most a few batches are in memory. Nothing is
// stored unless every file parses (all or nothing). A file whose rows
// repeat an operation's key is parsed a second time, with those rows
// quarantined (the check needs the whole file; see
// sources.RepeatedKeysError).
//
// The operations are folded into the indicators' sums as they pass, so
// that the recompute after the ingest need not read them back: the fold is
// returned for Publisher.RecomputeWith.
func streamIngest(ctx context.Context, a *app, spec *sources.Spec, files []string, maxShare float64, stderr io.Writer) (*pipeline.Manifest, *metrics.OperationsFold, error) {
	var total int64
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return nil, nil, err
		}
		total += st.Size()
	}
	// Keep the Go heap near what the pipeline holds (a few batches, the
	// Parquet row group being written), not twice that, unless GOMEMLIMIT
	// says otherwise.
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(ingestMemoryLimit))
	}
	repeats := map[string]map[int]int{}
	for {
		var fold *metrics.OperationsFold
		if spec.Tables[0] == sources.TableOperations {
			fold = metrics.NewOperationsFold(spec.Name, a.pub.Catalogue)
		}
		m, err := streamIngestOnce(ctx, a, spec, files, maxShare, stderr, total, repeats, fold)
		var rep *sources.RepeatedKeysError
		if errors.As(err, &rep) && repeats[rep.File] == nil {
			repeats[rep.File] = rep.Lines
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if fold != nil {
			fold.Generation = m.Generation
		}
		return m, fold, nil
	}
}

func streamIngestOnce(ctx context.Context, a *app, spec *sources.Spec, files []string, maxShare float64, stderr io.Writer,
	total int64, repeats map[string]map[int]int, fold *metrics.OperationsFold) (*pipeline.Manifest, error) {
	table := spec.Tables[0]
	var done, rows atomic.Int64
	stop := showProgress(stderr, &done, total, &rows)
	defer stop()
	return a.store.WriteStream(ctx, spec.Name, table, sources.Schemas[table],
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
			// Batches are built and released again and again: their
			// buffers are reused rather than left to the garbage collector.
			// The few batches in flight need a few MiB; a larger pool only
			// fills up over a long ingest (with 32 MiB the 10M-row peak RSS
			// was 8-11% above the 1M-row one, with 8 MiB 4-6%, no slower).
			mem := arrowmem.NewReuse(8 << 20)
			go func() {
				defer close(batches)
				hash := sha256.New()
				sum := &sources.StreamResult{}
				var abs []string
				for _, file := range files {
					fh, err := os.Open(file)
					if err != nil {
						result <- parsed{err: err}
						return
					}
					p, _ := filepath.Abs(file)
					abs = append(abs, p)
					r := io.TeeReader(countingReader{fh, &done}, hash)
					in := sources.StreamInput{Name: file, R: r, Mem: mem, TempDir: a.store.Dir(), Repeats: repeats[file]}
					res, err := spec.Stream(ctx, in, func(rec arrow.RecordBatch) error {
						if fold != nil {
							if err := fold.Add(rec); err != nil {
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
						result <- parsed{err: err}
						return
					}
					sum.RowsRead += res.RowsRead
					sum.QuarantinedRows += res.QuarantinedRows
					sum.Quarantine.Keep(res.Quarantine...)
				}
				prov := sources.Provenance{Origin: spec.Origin, Location: strings.Join(abs, " "), RetrievedAt: time.Now().UTC(),
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
				return nil, sources.Provenance{}, err
			}
			return p.res, p.prov, nil
		})
}

// showProgress prints bytes, rows per second and the time left on stderr
// when it is a terminal, twice a second; in logs and CI it stays quiet.
func showProgress(w io.Writer, done *atomic.Int64, total int64, rows *atomic.Int64) (stop func()) {
	f, ok := w.(*os.File)
	if !ok {
		return func() {}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	start := time.Now()
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				el := time.Since(start).Seconds()
				d := done.Load()
				eta := "?"
				if d > 0 {
					eta = time.Duration(el * float64(total-d) / float64(d) * float64(time.Second)).Round(time.Second).String()
				}
				fmt.Fprintf(w, "\r\033[K%.0f of %.0f MB, %d rows, %.0f rows/s, %s left", float64(d)/1e6, float64(total)/1e6, rows.Load(), float64(rows.Load())/el, eta)
			}
		}
	}()
	return func() { close(quit); <-finished }
}

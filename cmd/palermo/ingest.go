package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/sources"
)

// ingestBatchRows bounds the rows of one record batch of a streamed ingest:
// memory follows the batch size, not the file's.
const ingestBatchRows = 1 << 16

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

// streamIngest parses files of a streaming source on one goroutine and
// writes their record batches to the Parquet snapshot on another, so that
// both cores work and at most a few batches are in memory. Nothing is
// stored unless every file parses (all or nothing).
func streamIngest(ctx context.Context, a *app, spec *sources.Spec, files []string, maxShare float64, stderr io.Writer) (*pipeline.Manifest, error) {
	table := spec.Tables[0]
	var total, done atomic.Int64
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		total.Add(st.Size())
	}
	var rows atomic.Int64
	stop := showProgress(stderr, &done, total.Load(), &rows)
	defer stop()
	return a.store.WriteStream(ctx, spec.Name, table, sources.Schemas[table],
		func(write func(arrow.RecordBatch) error) (*sources.StreamResult, sources.Provenance, error) {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			batches := make(chan arrow.RecordBatch, 2)
			type parsed struct {
				res  *sources.StreamResult
				prov sources.Provenance
				err  error
			}
			result := make(chan parsed, 1)
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
					res, err := spec.Stream(ctx, file, r, memory.NewGoAllocator(), ingestBatchRows, func(rec arrow.RecordBatch) error {
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
					for _, e := range res.Quarantine {
						if len(sum.Quarantine) < sources.MaxErrors {
							sum.Quarantine = append(sum.Quarantine, e)
						}
					}
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

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/sources"
)

func cmdIngest(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ingest", "--source NAME [--data-dir D] FILE...", `
Validates local files for a source and stores them, together, as the source's
new snapshot (all or nothing), then recomputes the indicators. Bad input is
reported as FILE:LINE:COL: message and nothing is stored.`, stderr)
	var c commonFlags
	c.register(fs, true)
	source := fs.String("source", "", "source name (see palermo sources)")
	shrink := fs.Bool("accept-shrink", false, "accept files smaller than min_share_of_previous of the snapshot in use")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *source == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	a, err := c.app(stderr)
	if err != nil {
		return err
	}
	if *shrink {
		a.runner.AcceptShrink = acceptShrink([]string{*source})
	}
	spec, ok := sources.Lookup(*source)
	if !ok {
		return fmt.Errorf("--source %s: unknown; known: %s", *source, strings.Join(sources.Names(), ", "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var fold *metrics.OperationsFold
	opts := pipeline.IngestOptions{Progress: func(done *atomic.Int64, total int64, rows *atomic.Int64) func() {
		return showProgress(stderr, done, total, rows)
	}}
	if len(spec.Tables) == 1 && spec.Tables[0] == sources.TableOperations {
		// The operations are folded into the indicators' sums as they are
		// stored, so that the recompute after the ingest need not read
		// them back.
		opts.Observer = func() func(arrow.RecordBatch) error {
			fold = a.pub.FoldOperations(spec.Name)
			return fold.Add
		}
	}
	m, err := a.runner.Ingest(ctx, spec.Name, fs.Args(), opts)
	if err != nil {
		var fe pipeline.FileErrors
		if errors.As(err, &fe) {
			fmt.Fprintln(stderr, fe.Error())
			return errFailed
		}
		return err
	}
	if fold != nil { // set by the observer, which only a streamed ingest calls
		fold.Generation = m.Generation
	}
	var counts []string
	for _, t := range spec.Tables {
		counts = append(counts, fmt.Sprintf("%s %d rows", t, m.Rows[t]))
	}
	fmt.Fprintf(stdout, "stored %s snapshot %s: %s\n", spec.Name, m.Generation, strings.Join(counts, ", "))
	if _, err := a.pub.Recompute(ctx); err != nil {
		return err
	}
	return nil
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

package main

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/palermo-project/palermo/metrics"
)

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "[--config F] [--data-dir D] [--job NAME]...", `
Runs the jobs once (all enabled ones by default), then recomputes the
indicators and writes the exports to DATA_DIR/exports. A failed job keeps its
previous snapshot. Exits 0 when every job succeeded, 1 when any failed.`, stderr)
	var c commonFlags
	c.register(fs, true)
	var jobs, shrink multiFlag
	fs.Var(&jobs, "job", "run only this job (repeatable)")
	fs.Var(&shrink, "accept-shrink", "accept a new snapshot of this source smaller than min_share_of_previous of the one in use (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := c.app(stderr)
	if err != nil {
		return err
	}
	a.runner.AcceptShrink = acceptShrink(shrink)
	if len(jobs) == 0 {
		jobs = a.cfg.EnabledSources()
	}
	for _, j := range jobs {
		if _, ok := a.cfg.Sources[j]; !ok {
			return fmt.Errorf("--job %s: not in the configuration; configured: %s", j, strings.Join(a.cfg.SourceNames(), ", "))
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	runErr := a.runner.RunAll(ctx, jobs, "manual")
	var recomputeErr error
	if a.hasSnapshots() {
		var snap *metrics.Snapshot
		snap, recomputeErr = a.pub.Recompute(ctx)
		if snap != nil {
			fmt.Fprintf(stdout, "%d indicator rows computed\n", len(snap.Rows))
		}
	}
	// Every job's error is printed, and the recompute's after them.
	if runErr != nil {
		for _, line := range strings.Split(runErr.Error(), "\n") {
			fmt.Fprintln(stderr, line)
		}
	}
	if recomputeErr != nil {
		fmt.Fprintln(stderr, recomputeErr)
	}
	if runErr != nil || recomputeErr != nil {
		return errFailed
	}
	fmt.Fprintf(stdout, "exports written to %s\n", filepath.Join(a.cfg.DataDir, "exports"))
	return nil
}

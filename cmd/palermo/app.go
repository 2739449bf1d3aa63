package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/palermo-project/palermo/internal/dirlock"
	"github.com/palermo-project/palermo/internal/fsutil"
	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/sources"
)

// app wires configuration, storage, runner and publisher together.
type app struct {
	cfg    *pipeline.Config
	store  *pipeline.Store
	state  *pipeline.State
	runner *pipeline.Runner
	pub    *metrics.Publisher
	log    *slog.Logger
}

func newApp(configPath, dataDir string, log *slog.Logger) (*app, error) {
	cfg, err := pipeline.LoadConfig(configPath)
	if err != nil {
		return nil, err
	}
	if dataDir != "" {
		cfg.DataDir = dataDir
	}
	if cfg.Privacy.MinCell < pipeline.SafeMinCell {
		log.Warn("privacy.allow_small_cells is set: counts of victims and arrestees derived from records are published from this min_cell up, which can identify people",
			"min_cell", cfg.Privacy.MinCell, "config", cfg.Path())
	}
	store, err := pipeline.OpenStore(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	state, err := pipeline.OpenState(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, store: store, state: state, log: log}
	a.runner = pipeline.NewRunner(cfg, store, state, log)
	a.pub = &metrics.Publisher{
		Catalogue: metrics.Catalogue,
		Privacy: metrics.Privacy{MinCell: cfg.Privacy.MinCell, RoundBase: cfg.Privacy.MinCell,
			UnstableBelow: cfg.Privacy.UnstableBelow, LowCoverageBelow: cfg.Privacy.LowCoverageBelow},
		Load:      a.load,
		OnPublish: a.writeExports,
		Log:       log,
	}
	return a, nil
}

// load reads the current snapshot of every enabled source that has one.
func (a *app) load(ctx context.Context) ([]*sources.TableSet, error) {
	var sets []*sources.TableSet
	for _, name := range a.runner.Sources() {
		open := a.store.Open
		if a.cfg.Sources[name].Partitioned() {
			open = a.store.OpenPartitions
		}
		ts, err := open(name)
		if errors.Is(err, pipeline.ErrNoSnapshot) {
			continue
		}
		if err != nil {
			for _, s := range sets {
				s.Release()
			}
			return nil, err
		}
		sets = append(sets, ts)
	}
	return sets, nil
}

// writeExports keeps the latest export files in the data directory.
func (a *app) writeExports(snap *metrics.Snapshot) error {
	return writeExportDir(filepath.Join(a.cfg.DataDir, "exports"), snap)
}

// writeExportDir replaces dir with the snapshot's export files, whole: a
// reader (or a process killed midway) sees the previous export or the new
// one, never files of both, and no file the new datapackage.json does not
// describe stays behind. A directory that holds something other than an
// earlier export is refused rather than replaced.
func writeExportDir(dir string, snap *metrics.Snapshot) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("%s is a file, not a directory: the export would replace it", dir)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, "datapackage.json")); err != nil {
			return fmt.Errorf("%s is not empty and holds no palermo export (no datapackage.json); an export replaces the whole directory, so choose a new or empty one", dir)
		}
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	// One export of a directory at a time, across processes.
	l, err := dirlock.Acquire(context.Background(), parent, "."+filepath.Base(dir)+".lock", dirlock.Command(), nil)
	if err != nil {
		return err
	}
	defer l.Unlock()
	return fsutil.ReplaceDir(dir, func(tmp string) error {
		for _, name := range snap.Exports.Names() {
			path := filepath.Join(tmp, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := fsutil.WriteFileSync(path, snap.Exports.Files[name]); err != nil {
				return err
			}
		}
		return nil
	})
}

// recomputeAfterStore recomputes the indicators after each stored snapshot.
func (a *app) recomputeAfterStore() {
	a.runner.OnStored = func(ctx context.Context, source string) {
		a.pub.Recompute(ctx) // the publisher logs a failure and keeps what it published
	}
}

// hasSnapshots reports whether any enabled source has a stored snapshot.
func (a *app) hasSnapshots() bool {
	for _, name := range a.runner.Sources() {
		if _, err := a.store.Current(name); err == nil {
			return true
		}
	}
	return false
}

func (a *app) requireSnapshots() error {
	if !a.hasSnapshots() {
		abs, _ := filepath.Abs(a.cfg.DataDir)
		return fmt.Errorf("no snapshots in %s (looked in %s): run `palermo run --data-dir %s` first", a.cfg.DataDir, abs, a.cfg.DataDir)
	}
	return nil
}

// generations maps each published source with a stored snapshot to the
// generation in use on disk.
func (a *app) generations() map[string]string {
	out := map[string]string{}
	for _, name := range a.runner.Sources() {
		if gen, err := a.store.Current(name); err == nil {
			out[name] = gen
		}
	}
	return out
}

// published maps each source of the published indicators to its generation.
func (a *app) published() map[string]string {
	out := map[string]string{}
	if snap := a.pub.Snapshot(); snap != nil {
		for _, s := range snap.Sources {
			out[s.Name] = s.Generation
		}
	}
	return out
}

// follow keeps serve's indicators in step with the data directory when
// another process (palermo run or ingest beside serve) stores a snapshot:
// every interval, and at once on SIGHUP, it compares the generations on
// disk with those the published indicators were computed from, and
// recomputes when they differ. A set of generations that failed to compute
// is not tried again until it changes.
func (a *app) follow(ctx context.Context, every time.Duration, hup <-chan os.Signal) {
	t := time.NewTicker(every)
	defer t.Stop()
	var tried map[string]string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-hup:
			a.log.Info("SIGHUP: looking for snapshots stored by other processes")
			tried = nil
		}
		disk := a.generations()
		if maps.Equal(disk, a.published()) || maps.Equal(disk, tried) {
			continue
		}
		tried = disk
		a.log.Info("snapshots changed on disk; recomputing the indicators", "generations", disk)
		a.pub.Recompute(ctx) // a failure is logged and keeps what is published
	}
}

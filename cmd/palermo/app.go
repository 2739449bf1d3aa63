package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

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
			UnstableBelow: cfg.Privacy.UnstableBelow},
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
		ts, err := a.store.Open(name)
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

func writeExportDir(dir string, snap *metrics.Snapshot) error {
	for _, name := range snap.Exports.Names() {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := pipeline.WriteFileAtomic(path, snap.Exports.Files[name]); err != nil {
			return err
		}
	}
	return nil
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
		return fmt.Errorf("no snapshots in %s: run `palermo run --data-dir %s` first", a.cfg.DataDir, a.cfg.DataDir)
	}
	return nil
}

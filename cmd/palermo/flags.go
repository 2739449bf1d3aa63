package main

import (
	"context"
	"flag"
	"io"

	"github.com/palermo-project/palermo/metrics"
)

// commonFlags are the flags of the commands that open a data directory.
type commonFlags struct {
	config, dataDir, logLevel, logFormat string
}

func (c *commonFlags) register(fs interface {
	StringVar(*string, string, string, string)
}, withConfig bool) {
	if withConfig {
		fs.StringVar(&c.config, "config", "", "configuration file (default: the embedded configs/palermo.yaml)")
	}
	fs.StringVar(&c.dataDir, "data-dir", "", "data directory for snapshots, state and exports (default: data_dir of the configuration)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
}

func (c *commonFlags) app(stderr io.Writer) (*app, error) {
	log, err := newLogger(stderr, c.logLevel, c.logFormat)
	if err != nil {
		return nil, err
	}
	return newApp(c.config, c.dataDir, log)
}

// computeLatest loads the stored snapshots and computes the indicators.
func computeLatest(c *commonFlags, stderr io.Writer) (*app, *metrics.Snapshot, error) {
	c.logLevel = "error" // reading commands print results, not progress or the run's warnings
	a, err := c.app(stderr)
	if err != nil {
		return nil, nil, err
	}
	if err := a.requireSnapshots(); err != nil {
		return nil, nil, err
	}
	a.pub.OnPublish = nil // reading commands do not touch the data directory
	snap, err := a.pub.Recompute(context.Background())
	return a, snap, err
}

func acceptShrink(names []string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// computeInto parses the flags of a command that writes what the stored
// snapshots compute into a directory (noOut: --out was not given, which is
// a usage error), then computes the indicators.
func computeInto(fs *flag.FlagSet, args []string, c *commonFlags, noOut func() bool, stderr io.Writer) (*metrics.Snapshot, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if noOut() {
		fs.Usage()
		return nil, errUsage
	}
	_, snap, err := computeLatest(c, stderr)
	return snap, err
}

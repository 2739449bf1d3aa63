// Command palermo measures whether anti-trafficking law enforcement is
// victim-centred: it fetches public enforcement data on a schedule, stores
// it as Arrow/Parquet snapshots, computes the indicator catalogue and
// publishes it to Prometheus and as citable CSV.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

const usage = `palermo: is anti-trafficking law enforcement victim-centred?

palermo turns public enforcement data (State Department TIP report, UNODC,
FBI operations, ...) into indicators such as convictions per identified
victim or the labour trafficking prosecution gap, and publishes them to
Prometheus and as citable CSV. Only aggregates are published.

Usage:
  palermo <command> [flags]

Commands:
  serve       run the scheduler and the HTTP server (/metrics, /exports/...)
  run         run the jobs once, recompute the indicators, write the exports
  ingest      store local files as a source's new snapshot
  export      write indicators.csv, datapackage.json and the other export files
  report      write an HTML report with charts per jurisdiction
  validate    check files against a source's schema
  indicators  print the latest indicator values
  sources     list the sources with their schedule and last run
  healthcheck ask a running palermo for /healthz (for container healthchecks)

Without --config palermo uses its embedded default configuration, whose
sources read real public data shipped in the binary: no network needed.

Run 'palermo <command> -h' for the flags of a command.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type command struct {
	name string
	run  func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"serve", cmdServe},
	{"run", cmdRun},
	{"ingest", cmdIngest},
	{"export", cmdExport},
	{"report", cmdReport},
	{"validate", cmdValidate},
	{"indicators", cmdIndicators},
	{"sources", cmdSources},
	{"healthcheck", cmdHealthcheck},
}

// errFailed means the command already reported what went wrong.
var errFailed = errors.New("failed")

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.Is(err, errFailed):
			return 1
		default:
			fmt.Fprintf(stderr, "palermo %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "palermo: unknown command %q\n\n%s", args[0], usage)
	return 2
}

var errUsage = errors.New("usage")

// newFlags returns a flag set whose usage text explains the command.
func newFlags(name, synopsis, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: palermo %s %s\n\n%s\n\nFlags:\n", name, synopsis, strings.TrimSpace(help))
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses and maps flag errors to a usage exit.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// newLogger logs to stderr as text (or JSON), at the given level.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is neither text nor json", format)
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

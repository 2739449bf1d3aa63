package main

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/sources"
)

// printErrors prints positioned errors one per line, or the error itself.
func printErrors(w io.Writer, file string, err error) {
	fmt.Fprintln(w, pipeline.DescribeError(file, err))
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", "--source NAME FILE...", `
Checks files against a source's schema without storing anything. Prints
FILE:LINE:COL: message for each problem on stderr and exits 1; prints
FILE: ok with the row counts and exits 0 when every file is clean.`, stderr)
	source := fs.String("source", "", "source name (see palermo sources)")
	maxBytes := fs.Int64("max-bytes", bounded.DefaultMaxBytes, "refuse a file larger than this many bytes (streamed sources read files of any size)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *source == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	spec, ok := sources.Lookup(*source)
	if !ok {
		return fmt.Errorf("--source %s: unknown; known: %s", *source, strings.Join(sources.Names(), ", "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	failed := false
	for _, file := range fs.Args() {
		rows, err := sources.ValidateFile(ctx, spec, file, *maxBytes)
		if err != nil {
			printErrors(stderr, file, err)
			failed = true
			continue
		}
		var counts []string
		for _, t := range spec.Tables {
			counts = append(counts, fmt.Sprintf("%s %d rows", t, rows[t]))
		}
		fmt.Fprintf(stdout, "%s: ok (%s)\n", file, strings.Join(counts, ", "))
	}
	if failed {
		return errFailed
	}
	return nil
}

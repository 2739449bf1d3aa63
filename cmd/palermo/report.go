package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/report"
)

func cmdReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "[--data-dir D] --out DIR [--jurisdiction X]...", `
Writes the report for people who do not run Grafana as static files that
work offline (open DIR/index.html): an index with the world and regions
first, a page per jurisdiction (DIR/<jurisdiction>/index.html) with a
scorecard and a chart per indicator on a true time axis, a page per
indicator (DIR/indicators/<id>/index.html) comparing jurisdictions with a
ranking and a map, the operations one by one, and the rows behind every
chart as CSV (DIR/csv/). palermo serve serves the same report at /report/.
Without --jurisdiction, every jurisdiction with a published or withheld
value gets a page.`, stderr)
	var c commonFlags
	c.register(fs, true)
	out := fs.String("out", "", "directory to write the report into")
	var only multiFlag
	fs.Var(&only, "jurisdiction", "only this jurisdiction's page, e.g. WLD, USA, US-MN or a name (repeatable)")
	snap, err := computeInto(fs, args, &c, func() bool { return *out == "" }, stderr)
	if err != nil {
		return err
	}
	var opt report.Options
	for _, s := range only {
		code, err := jurisdictionCode(snap, s)
		if err != nil {
			return err
		}
		opt.Jurisdictions = append(opt.Jurisdictions, code)
	}
	site, err := report.Build(snap, metrics.Catalogue, opt)
	if err != nil {
		return err
	}
	for _, p := range site.Paths() {
		path := filepath.Join(*out, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := pipeline.WriteFileAtomic(path, site.Files[p]); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote the report to %s: %d jurisdiction pages, %d files (open %s)\n",
		*out, len(site.Jurisdictions), len(site.Files), filepath.Join(*out, "index.html"))
	return nil
}

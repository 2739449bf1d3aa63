package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/report"
)

func cmdReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "[--data-dir D] --out DIR [--jurisdiction X]...", `
Writes a report for people who do not run Grafana: one self-contained HTML
page per jurisdiction (DIR/<jurisdiction>/index.html, charts embedded) with a
PNG chart per indicator beside it, each with its direction, caveats and
sources, and a scorecard; DIR/index.html lists the pages. Without
--jurisdiction, every jurisdiction with a published value gets a page.`, stderr)
	var c commonFlags
	c.register(fs, true)
	out := fs.String("out", "", "directory to write the report into")
	var only multiFlag
	fs.Var(&only, "jurisdiction", "only this jurisdiction, e.g. WLD, USA, US-MN (repeatable)")
	snap, err := computeInto(fs, args, &c, func() bool { return *out == "" }, stderr)
	if err != nil {
		return err
	}
	all := report.Jurisdictions(snap)
	list := all
	if len(only) > 0 {
		list = nil
		for _, j := range only {
			if !slices.Contains(all, j) {
				return fmt.Errorf("--jurisdiction %s: no published value; jurisdictions with values: %s", j, strings.Join(all, ", "))
			}
			list = append(list, j)
		}
	}
	for _, j := range list {
		page, err := report.Render(snap, metrics.Catalogue, j)
		if err != nil {
			return err
		}
		dir := filepath.Join(*out, j)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := pipeline.WriteFileAtomic(filepath.Join(dir, "index.html"), page.HTML); err != nil {
			return err
		}
		for id, png := range page.Charts {
			if err := pipeline.WriteFileAtomic(filepath.Join(dir, id+".png"), png); err != nil {
				return err
			}
		}
	}
	if err := pipeline.WriteFileAtomic(filepath.Join(*out, "index.html"), report.Index(snap, list)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d report pages to %s (open %s)\n", len(list), *out, filepath.Join(*out, "index.html"))
	return nil
}

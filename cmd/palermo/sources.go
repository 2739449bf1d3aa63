package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/sources"
)

func cmdSources(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sources", "[--config F] [--data-dir D]", `
Lists every source palermo knows: whether it is configured and enabled, its
schedule, where it reads from, and its last run, rows and status from the
data directory.`, stderr)
	var c commonFlags
	c.register(fs, true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := c.app(stderr)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tENABLED\tSCHEDULE\tLOCATION\tLAST RUN\tROWS\tSTATUS\tSUMMARY")
	for _, spec := range sources.Specs() {
		sc, configured := a.cfg.Sources[spec.Name]
		enabled, schedule, location := "no", spec.DefaultSchedule, "-"
		if configured {
			schedule, location = sc.Schedule, sources.RedactLocation(sc.Location)
			if sc.IsEnabled() {
				enabled = "yes"
			}
		} else if _, err := a.store.Current(spec.Name); err == nil {
			enabled, schedule, location = "yes", "-", pipeline.LocationIngested
		}
		st := a.state.Job(spec.Name)
		last, status := "never", "no snapshot"
		if !st.LastRunStart.IsZero() {
			last = st.LastRunStart.UTC().Format("2006-01-02 15:04Z")
		}
		if _, err := a.store.Current(spec.Name); err == nil {
			status = "ok"
		}
		if st.Runs > 0 && !st.LastRunSuccess {
			status = "last run failed"
		}
		var rows []string
		for _, t := range spec.Tables {
			rows = append(rows, fmt.Sprintf("%s=%d", t, st.Rows[t]))
		}
		if configured && sc.Partitioned() {
			location = fmt.Sprintf("%d files", len(st.Partitions))
			if len(sc.Locations) == 0 {
				location += ": " + strings.NewReplacer("%7B", "{", "%7D", "}").Replace(sources.RedactLocation(sc.Location))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", spec.Name, enabled, schedule, location, last, strings.Join(rows, " "), status, spec.Summary)
		for _, key := range slices.Sorted(maps.Keys(st.Partitions)) {
			p := st.Partitions[key]
			status, last := "ok", p.LastRunStart.UTC().Format("2006-01-02 15:04Z")
			if !p.LastRunSuccess {
				status = "last run failed"
				if p.Generation != "" {
					status += "; previous snapshot in use"
				}
			}
			var rows []string
			for _, t := range spec.Tables {
				rows = append(rows, fmt.Sprintf("%s=%d", t, p.Rows[t]))
			}
			why, _, _ := strings.Cut(p.LastError, "\n")
			fmt.Fprintf(tw, "  %s\t\t\t%s\t%s\t%s\t%s\t%s\n", key, p.Location, last, strings.Join(rows, " "), status, why)
		}
	}
	return tw.Flush()
}

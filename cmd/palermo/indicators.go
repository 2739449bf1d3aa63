package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/palermo-project/palermo/metrics"
)

func cmdIndicators(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("indicators", "[--data-dir D] [--format table|csv|json] [--all]", `
Prints the latest indicator values computed from the stored snapshots.
--all lists the whole catalogue instead: which indicators palermo computes
and, for the others, which missing source keeps them from being computed.`, stderr)
	var c commonFlags
	c.register(fs, true)
	format := fs.String("format", "table", "output format: table, csv or json")
	all := fs.Bool("all", false, "list the catalogue, with the data each entry lacks")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("--format: %q is not table, csv or json", *format)
	}
	if *all {
		return printCatalogue(stdout, *format)
	}
	_, snap, err := computeLatest(&c, stderr)
	if err != nil {
		return err
	}
	switch *format {
	case "csv":
		_, err = stdout.Write(snap.Exports.CSV)
		return err
	case "json":
		rows := make([]metrics.ExportRow, 0, len(snap.Rows))
		for i := range snap.Rows {
			rows = append(rows, snap.Rows[i].Export())
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDICATOR\tJURISDICTION\tPERIOD\tVALUE\tNUMERATOR\tDENOMINATOR\tSTATUS\tSOURCE")
	for _, r := range snap.Rows {
		if !r.Published() {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Indicator.ID, r.Jurisdiction, r.Period,
			num(r.Value), num(r.Numerator), num(r.Denominator), r.Status, r.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var hidden int
	for _, r := range snap.Rows {
		if !r.Published() {
			hidden++
		}
	}
	fmt.Fprintf(stdout, "\n%d published rows; %d rows suppressed or without data are in --format csv.\n", len(snap.Rows)-hidden, hidden)
	return nil
}

func num(v *float64) string {
	if v == nil {
		return ""
	}
	if *v == float64(int64(*v)) {
		return fmt.Sprintf("%d", int64(*v))
	}
	return fmt.Sprintf("%.4g", *v)
}

// printCatalogue lists the catalogue: as a table, or as catalogue.json and
// catalogue.csv of an export have it (without the kinds of page the
// published values rest on, which need computed values).
func printCatalogue(w io.Writer, format string) error {
	entries := metrics.CatalogueEntries(metrics.Catalogue, &metrics.Snapshot{Privacy: metrics.DefaultPrivacy})
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	case "csv":
		b, err := metrics.CatalogueCSV(entries)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDICATOR\tCOMPUTED\tUNIT\tDIRECTION\tFROM / MISSING")
	for _, e := range entries {
		from := strings.Join(e.Sources, ", ")
		computed := "yes"
		if !e.HasData {
			computed, from = "no", "lacks data: "+e.MissingData
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, computed, e.Unit, e.Direction, from)
	}
	return tw.Flush()
}

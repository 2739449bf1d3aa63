package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/palermo-project/palermo/internal/closest"
	"github.com/palermo-project/palermo/metrics"
)

func cmdIndicators(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("indicators", "[--data-dir D] [--format table|csv|json] [--indicator ID]... [--jurisdiction X]... [--period P]... [--latest] [--all]", `
Prints the latest indicator values computed from the stored snapshots: the
published ones as a table (suppressed and empty rows are counted, and are in
--format csv and json), or only those the filters ask for: --indicator,
--jurisdiction and --period may each be repeated (any of them matches);
--latest keeps the last period of each indicator, jurisdiction and source.
A jurisdiction may be written in any case or by its name (minnesota).
--all lists the whole catalogue instead: which indicators palermo computes,
those computed but without data in the shipped sources, and for the others
which missing source keeps them from being computed.`, stderr)
	var c commonFlags
	c.register(fs, true)
	format := fs.String("format", "table", "output format: table, csv or json")
	all := fs.Bool("all", false, "list the catalogue, with the data each entry lacks")
	latest := fs.Bool("latest", false, "only the latest period of each indicator, jurisdiction and source")
	var indicators, jurisdictions, periods multiFlag
	fs.Var(&indicators, "indicator", "only this indicator (repeatable)")
	fs.Var(&jurisdictions, "jurisdiction", "only this jurisdiction: USA, US-MN, us-mn, Minnesota (repeatable)")
	fs.Var(&periods, "period", "only this period: 2022, FY2024 (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return fmt.Errorf("--format: %q is not table, csv or json", *format)
	}
	for _, id := range indicators {
		if _, ok := metrics.Lookup(id); !ok {
			return fmt.Errorf("--indicator %s: no such indicator%s", id, suggest(id, catalogueIDs()))
		}
	}
	if *all {
		var snap *metrics.Snapshot
		if _, s, err := computeLatest(&c, io.Discard); err == nil {
			snap = s // what the stored snapshots give each entry
		}
		return printCatalogue(stdout, *format, snap)
	}
	_, snap, err := computeLatest(&c, stderr)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, j := range jurisdictions {
		code, err := jurisdictionCode(snap, j)
		if err != nil {
			return err
		}
		want[code] = true
	}
	rows := filterRows(snap.Rows, indicators, want, periods, *latest)
	filtered := len(indicators)+len(jurisdictions)+len(periods) > 0 || *latest
	switch *format {
	case "csv":
		if !filtered {
			_, err = stdout.Write(snap.Exports.CSV)
			return err
		}
		b, err := metrics.CSVBytes(&metrics.Snapshot{Rows: rows})
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	case "json":
		out := make([]metrics.ExportRow, 0, len(rows))
		for i := range rows {
			out = append(out, rows[i].Export())
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDICATOR\tJURISDICTION\tPERIOD\tVALUE\tNUMERATOR\tDENOMINATOR\tUNIT\tSTATUS\tREASON\tSOURCE\tKIND")
	hidden := 0
	for _, r := range rows {
		if !r.Published() && !filtered {
			hidden++
			continue
		}
		e := r.Export()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Indicator, e.Jurisdiction, e.Period,
			num(e.Value), num(e.Numerator), num(e.Denominator), e.Unit, e.Status, e.StatusReason, e.Source, e.SourceKind)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if filtered {
		fmt.Fprintf(stdout, "\n%d rows.\n", len(rows))
		return nil
	}
	fmt.Fprintf(stdout, "\n%d published rows; %d rows suppressed or without data are in --format csv.\n", len(rows)-hidden, hidden)
	return nil
}

// filterRows keeps the rows of the given indicators, jurisdictions and
// periods (none given: all), and with latest only the last period of each
// indicator, jurisdiction and source.
func filterRows(rows []metrics.Row, indicators []string, jurisdictions map[string]bool, periods []string, latest bool) []metrics.Row {
	var out []metrics.Row
	for _, r := range rows {
		if (len(indicators) == 0 || slices.Contains(indicators, r.Indicator.ID)) &&
			(len(jurisdictions) == 0 || jurisdictions[r.Jurisdiction]) &&
			(len(periods) == 0 || slices.ContainsFunc(periods, func(p string) bool { return strings.EqualFold(p, r.Period) })) {
			out = append(out, r)
		}
	}
	if !latest {
		return out
	}
	type series struct{ indicator, jurisdiction, source string }
	last := map[series]string{}
	for _, r := range out {
		k := series{r.Indicator.ID, r.Jurisdiction, r.Source}
		if p, ok := last[k]; !ok || metrics.ComparePeriods(r.Period, p) > 0 {
			last[k] = r.Period
		}
	}
	kept := out[:0]
	for _, r := range out {
		if last[series{r.Indicator.ID, r.Jurisdiction, r.Source}] == r.Period {
			kept = append(kept, r)
		}
	}
	return kept
}

// jurisdictionCode finds a jurisdiction by its code in any case or by its
// name, or says which one was probably meant.
func jurisdictionCode(snap *metrics.Snapshot, s string) (string, error) {
	codes := map[string]bool{}
	for _, r := range snap.Rows {
		codes[r.Jurisdiction] = true
	}
	if up := strings.ToUpper(strings.TrimSpace(s)); codes[up] {
		return up, nil
	}
	var known []string
	for code := range codes {
		known = append(known, code)
		if name := snap.JurisdictionNames[code]; name != "" {
			if strings.EqualFold(name, strings.TrimSpace(s)) {
				return code, nil
			}
			known = append(known, name)
		}
	}
	return "", fmt.Errorf("--jurisdiction %s: no indicator row has it%s", s, suggest(s, known))
}

func catalogueIDs() []string {
	var ids []string
	for _, ind := range metrics.Catalogue {
		ids = append(ids, ind.ID)
	}
	return ids
}

// suggest names the closest of known to s, when one is close.
func suggest(s string, known []string) string {
	if i, ok := closest.Match(s, known); ok {
		return fmt.Sprintf("; did you mean %s?", known[i])
	}
	return ""
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
// catalogue.csv of an export have it. With snap (the stored snapshots'
// indicators), an entry computed whose every row is without data says so.
func printCatalogue(w io.Writer, format string, snap *metrics.Snapshot) error {
	entrySnap := snap
	if entrySnap == nil {
		entrySnap = &metrics.Snapshot{Privacy: metrics.DefaultPrivacy}
	}
	entries := metrics.CatalogueEntries(metrics.Catalogue, entrySnap)
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
	published := map[string]bool{}
	if snap != nil {
		for i := range snap.Rows {
			if r := &snap.Rows[i]; r.Status != metrics.StatusNoData {
				published[r.Indicator.ID] = true
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDICATOR\tCOMPUTED\tUNIT\tDIRECTION\tFROM / MISSING")
	for _, e := range entries {
		from := strings.Join(e.Sources, ", ")
		computed := "yes"
		switch {
		case !e.HasData:
			computed, from = "no", "lacks data: "+e.MissingData
		case snap != nil && !published[e.ID]:
			computed = "computed, no data in the shipped sources"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, computed, e.Unit, e.Direction, from)
	}
	return tw.Flush()
}

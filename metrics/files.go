package metrics

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The files of an export besides indicators.csv and datapackage.json: one
// CSV per indicator, the catalogue as CSV and JSON, and CITATION.cff.

// perIndicatorCSVs splits the indicator table by indicator, one file each
// with the columns of indicators.csv.
func perIndicatorCSVs(snap *Snapshot) (map[string][]byte, error) {
	rows := map[string][]Row{}
	for _, r := range snap.Rows {
		rows[r.Indicator.ID] = append(rows[r.Indicator.ID], r)
	}
	out := map[string][]byte{}
	for id, rs := range rows {
		b, err := CSVBytes(&Snapshot{Rows: rs})
		if err != nil {
			return nil, err
		}
		out["indicators/"+id+".csv"] = b
	}
	return out, nil
}

// CatalogueColumns are the columns of catalogue.csv.
var CatalogueColumns = []string{"id", "title", "question", "description", "numerator", "denominator", "unit", "short_unit",
	"direction", "direction_note", "principles", "normative_anchor", "sources", "privacy_class", "min_denominator",
	"context", "component_of", "has_data", "missing_data", "metric", "caveats", "source_kind"}

// CatalogueEntry is one indicator of catalogue.json and catalogue.csv.
type CatalogueEntry struct {
	ID              string   `json:"id"`
	Title           string   `json:"title"`
	Question        string   `json:"question"`
	Description     string   `json:"description"`
	Numerator       string   `json:"numerator"`
	Denominator     string   `json:"denominator,omitempty"`
	Unit            string   `json:"unit"`
	ShortUnit       string   `json:"short_unit"`
	Direction       string   `json:"direction"`
	DirectionNote   string   `json:"direction_note,omitempty"`
	Principles      []string `json:"principles"`
	NormativeAnchor string   `json:"normative_anchor,omitempty"`
	Sources         []string `json:"sources"`
	PrivacyClass    string   `json:"privacy_class"`
	MinDenominator  float64  `json:"min_denominator"`
	Context         bool     `json:"context"`
	ComponentOf     string   `json:"component_of,omitempty"`
	HasData         bool     `json:"has_data"`
	MissingData     string   `json:"missing_data,omitempty"`
	Metric          string   `json:"metric"`
	Caveats         []string `json:"caveats"`
	// SourceKind is what the indicator's published values rest on:
	// primary, secondary, primary;secondary, or empty when none is.
	SourceKind string `json:"source_kind"`
}

// CatalogueEntries describes the catalogue as the export does; snap gives
// the privacy rules and the kinds of page the published values rest on.
func CatalogueEntries(cat []*Indicator, snap *Snapshot) []CatalogueEntry {
	p := snap.Privacy
	kinds := map[string]PageKinds{}
	for i := range snap.Rows {
		if r := &snap.Rows[i]; r.Published() {
			kinds[r.Indicator.ID] |= r.SourceKind
		}
	}
	var out []CatalogueEntry
	for _, ind := range cat {
		min := ind.MinDenominator
		if min == 0 {
			min = float64(p.UnstableBelow)
		}
		srcs := ind.Sources
		if srcs == nil {
			srcs = []string{}
		}
		out = append(out, CatalogueEntry{ind.ID, ind.Title, ind.Question, ind.DescriptionShort, ind.Numerator, ind.Denominator,
			string(ind.Unit), ind.ShortUnit, string(ind.Direction), ind.DirectionNote, ind.Principles, ind.NormativeAnchor,
			srcs, string(ind.PrivacyClass), min, ind.Context, ind.ComponentOf, ind.HasData(), ind.MissingData, ind.Metric(), ind.DescriptionKey,
			kinds[ind.ID].String()})
	}
	return out
}

// CatalogueCSV renders entries as catalogue.csv.
func CatalogueCSV(entries []CatalogueEntry) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(CatalogueColumns)
	for _, e := range entries {
		w.Write([]string{e.ID, e.Title, e.Question, e.Description, e.Numerator, e.Denominator, e.Unit, e.ShortUnit,
			e.Direction, e.DirectionNote, strings.Join(e.Principles, " "), e.NormativeAnchor, strings.Join(e.Sources, " "),
			e.PrivacyClass, strconv.FormatFloat(e.MinDenominator, 'f', -1, 64), strconv.FormatBool(e.Context), e.ComponentOf,
			strconv.FormatBool(e.HasData), e.MissingData, e.Metric, strings.Join(e.Caveats, " | "), e.SourceKind})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// citationCFF describes the export in the Citation File Format 1.2.0, with
// every source as a reference.
func citationCFF(snap *Snapshot, pages map[string]*SourcePages) []byte {
	var b strings.Builder
	q := func(s string) string { return strconv.Quote(s) }
	b.WriteString("cff-version: 1.2.0\n")
	b.WriteString("message: \"If you use these figures, cite this export and, for each figure, the source and retrieval date given in indicators.csv.\"\n")
	b.WriteString("type: dataset\n")
	b.WriteString("title: \"palermo indicators: is anti-trafficking law enforcement victim-centred?\"\n")
	b.WriteString("authors:\n  - name: \"palermo contributors\"\n")
	fmt.Fprintf(&b, "version: %q\n", snap.ComputedAt.Format("2006.01.02"))
	fmt.Fprintf(&b, "date-released: %q\n", snap.ComputedAt.Format(time.DateOnly))
	b.WriteString("license: CC0-1.0\n")
	b.WriteString("abstract: \"Indicators of victim-centred anti-trafficking law enforcement computed from public data. Only aggregates are published; small derived victim counts are suppressed. Each value keeps the terms of its source.\"\n")
	b.WriteString("keywords:\n  - human trafficking\n  - law enforcement\n  - indicators\n")
	if len(snap.Sources) > 0 {
		b.WriteString("references:\n")
	}
	for _, s := range snap.Sources {
		o := s.Provenance.Origin
		url := o.URLDownload
		if url == "" {
			url = o.URLMain
		}
		fmt.Fprintf(&b, "  - type: data\n    title: %s\n    authors:\n      - name: %s\n    url: %s\n", q(o.Title), q(o.Producer), q(url))
		if !s.Provenance.RetrievedAt.IsZero() {
			fmt.Fprintf(&b, "    date-accessed: %q\n", s.Provenance.RetrievedAt.UTC().Format(time.DateOnly))
		}
		fmt.Fprintf(&b, "    notes: %s\n", q("Terms: "+pages[s.Name].TermsText(o.License)+". "+o.CitationFull))
	}
	return []byte(b.String())
}

// sortedNames lists the files of an export in a stable order.
func sortedNames(files map[string][]byte) []string {
	out := make([]string, 0, len(files))
	for k := range files {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func marshalJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}

var catalogueFieldDocs = map[string]string{
	"id":               "Indicator id, the indicator column of indicators.csv.",
	"title":            "Title.",
	"question":         "The question the indicator answers.",
	"description":      "Short definition.",
	"numerator":        "What is counted above the line.",
	"denominator":      "What is counted below the line; empty for counts.",
	"unit":             "ratio, pp, count, per_100k, days, score or percent.",
	"short_unit":       "Unit as shown next to a value.",
	"direction":        "up: higher is more victim-centred; down: lower is; neutral: context, both extremes bad.",
	"direction_note":   "What the direction means where it needs words (e.g. target zero).",
	"principles":       "The principles it operationalises (P1-P10), separated by spaces.",
	"normative_anchor": "The law or standard it measures against.",
	"sources":          "palermo sources that feed it, separated by spaces.",
	"privacy_class":    "official_aggregate; victim_count (counts of people palermo derives from records, victims, minors and arrestees: min-cell suppression and rounding apply); or non_victim.",
	"min_denominator":  "Below this denominator a value is flagged unstable.",
	"context":          "A context indicator, outside the scored catalogue.",
	"component_of":     "The indicator this one is a published component of.",
	"has_data":         "Whether a palermo source provides its data.",
	"missing_data":     "For indicators without data: the source that is missing.",
	"metric":           "Prometheus metric family.",
	"caveats":          "Caveats, separated by ' | '.",
	"source_kind":      "What the published values rest on in this export: primary (the publishers' own pages), secondary (reproductions), primary;secondary when they mix, empty when none is published.",
}

// OperationsColumns are the columns of operations.csv.
var OperationsColumns = []string{"operation_id", "operation_name", "jurisdiction", "period", "source",
	"victims_identified", "victims_flag", "arrests_total", "arrests_traffickers",
	"victims_definition", "arrests_definition", "source_url", "source_kind"}

// operationsFieldDocs describe the columns of operations.csv.
var operationsFieldDocs = map[string]string{
	"operation_id":        "The operation, as palermo names it (release, edition and year).",
	"operation_name":      "The operation's name in its release.",
	"jurisdiction":        "Where it took place: ISO 3166-1 alpha-3, or US-XX for a state.",
	"period":              "The year it took place.",
	"source":              "The palermo source it was read from.",
	"victims_identified":  "Victims identified or recovered, as the release gave them; empty when not reported, never 0 for unknown.",
	"victims_flag":        "minors_only or adults_only when the release gave only that part; empty when it gave both or a total.",
	"arrests_total":       "Arrests of every kind the release announced; empty when not reported.",
	"arrests_traffickers": "Alleged traffickers or pimps arrested, as the release worded it; empty when not reported.",
	"victims_definition":  "How the release counted victims, in its words.",
	"arrests_definition":  "How the release counted arrests, in its words.",
	"source_url":          "The operation's own release.",
	"source_kind":         "primary (the publisher's page) or secondary (a reproduction).",
}

// operationsCSV lists the operations published one by one (the most
// recent, at most MaxOperationSeries), each with what its own release
// gave, its wording and its page.
func operationsCSV(snap *Snapshot) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(OperationsColumns)
	for _, o := range snap.Operations {
		w.Write([]string{o.ID, o.Name, o.Jurisdiction, o.Period, o.Source, formatNumber(o.VictimsIdentified), o.VictimsFlag,
			formatNumber(o.ArrestsTotal), formatNumber(o.ArrestsTraffickers), o.VictimsDefinition, o.ArrestsDefinition,
			o.SourceURL, o.SourceKind.String()})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

package metrics

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the indicators.csv contract.
var CSVHeader = []string{"indicator", "jurisdiction", "period", "value", "numerator", "denominator",
	"unit", "status", "status_reason", "source", "source_url", "retrieved_at", "source_kind", "coverage"}

// ExportRow is one row of indicators.csv as it is published: a suppressed
// row has no value, numerator or denominator. The CSV and the CLI's JSON
// are both written from it.
type ExportRow struct {
	Indicator    string   `json:"indicator"`
	Jurisdiction string   `json:"jurisdiction"`
	Period       string   `json:"period"`
	Value        *float64 `json:"value"`
	Numerator    *float64 `json:"numerator"`
	Denominator  *float64 `json:"denominator"`
	Unit         string   `json:"unit"`
	Status       string   `json:"status"`
	StatusReason string   `json:"status_reason,omitempty"`
	Source       string   `json:"source"`
	SourceURL    string   `json:"source_url"`
	RetrievedAt  string   `json:"retrieved_at"`
	SourceKind   string   `json:"source_kind"`
	Coverage     *float64 `json:"coverage,omitempty"`
}

// Export is the row as indicators.csv publishes it.
func (r *Row) Export() ExportRow {
	e := ExportRow{Indicator: r.Indicator.ID, Jurisdiction: r.Jurisdiction, Period: r.Period, Unit: string(r.Indicator.Unit),
		Status: string(r.Status), StatusReason: r.Reason, Source: r.Source, SourceURL: r.SourceURL,
		RetrievedAt: formatTime(r.RetrievedAt), SourceKind: r.SourceKind.String(), Coverage: r.Coverage}
	if r.Status != StatusSuppressed {
		e.Value, e.Numerator, e.Denominator = r.Value, r.Numerator, r.Denominator
	}
	return e
}

// Record is the row's cells in the order of CSVHeader.
func (e *ExportRow) Record() []string {
	return []string{e.Indicator, e.Jurisdiction, e.Period, formatNumber(e.Value), formatNumber(e.Numerator), formatNumber(e.Denominator),
		e.Unit, e.Status, e.StatusReason, e.Source, e.SourceURL, e.RetrievedAt, e.SourceKind, formatNumber(e.Coverage)}
}

// WriteCSV writes the snapshot as indicators.csv: one row per indicator,
// jurisdiction, period and source, sorted by those keys, so re-exports diff
// cleanly. Suppressed rows have empty value, numerator and denominator.
func WriteCSV(w io.Writer, snap *Snapshot) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for i := range snap.Rows {
		e := snap.Rows[i].Export()
		if err := cw.Write(e.Record()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSVBytes renders the snapshot as indicators.csv.
func CSVBytes(snap *Snapshot) ([]byte, error) {
	var b bytes.Buffer
	err := WriteCSV(&b, snap)
	return b.Bytes(), err
}

// formatNumber writes integers as integers and other values with at most
// six decimals; nil is an empty cell.
func formatNumber(v *float64) string {
	if v == nil {
		return ""
	}
	if *v == math.Trunc(*v) && math.Abs(*v) < 1e15 {
		return strconv.FormatInt(int64(*v), 10)
	}
	return strconv.FormatFloat(math.Round(*v*1e6)/1e6, 'f', -1, 64)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Data Package v2 (https://datapackage.org/standard/data-package/).
type dataPackage struct {
	Schema      string         `json:"$schema"`
	Name        string         `json:"name"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Version     string         `json:"version"`
	Created     string         `json:"created"`
	Homepage    string         `json:"homepage,omitempty"`
	Keywords    []string       `json:"keywords"`
	Licenses    []dpLicense    `json:"licenses"`
	Sources     []dpSource     `json:"sources"`
	Resources   []dpResource   `json:"resources"`
	Privacy     map[string]any `json:"palermo:privacy"`
	Citation    string         `json:"palermo:citation"`
	Snapshots   []dpSnapshot   `json:"palermo:snapshots"`
	Catalogue   []dpIndicator  `json:"palermo:indicators"`
}

type dpLicense struct {
	Name  string `json:"name,omitempty"`
	Path  string `json:"path,omitempty"`
	Title string `json:"title"`
}

type dpSource struct {
	Title   string `json:"title"`
	Path    string `json:"path"`
	Version string `json:"version,omitempty"`
	// SourceKind says what the source's published rows rest on: primary,
	// secondary or primary;secondary.
	SourceKind string `json:"palermo:source_kind,omitempty"`
}

type dpResource struct {
	Schema      string         `json:"$schema"`
	Name        string         `json:"name"`
	Path        string         `json:"path"`
	Type        string         `json:"type"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Format      string         `json:"format"`
	Mediatype   string         `json:"mediatype"`
	Encoding    string         `json:"encoding"`
	Hash        string         `json:"hash,omitempty"`
	Bytes       int            `json:"bytes,omitempty"`
	TableSchema dpTableSchema  `json:"schema"`
	Dialect     map[string]any `json:"dialect"`
}

type dpTableSchema struct {
	Schema     string    `json:"$schema"`
	Fields     []dpField `json:"fields"`
	PrimaryKey []string  `json:"primaryKey"`
}

type dpField struct {
	Name        string         `json:"name"`
	Type        string         `json:"type"`
	Description string         `json:"description"`
	Format      string         `json:"format,omitempty"`
	Constraints map[string]any `json:"constraints,omitempty"`
}

type dpSnapshot struct {
	Source      string `json:"source"`
	Generation  string `json:"generation"`
	Location    string `json:"location"`
	RetrievedAt string `json:"retrieved_at"`
	SHA256      string `json:"sha256"`
	Bytes       int64  `json:"bytes"`
}

type dpIndicator struct {
	ID          string   `json:"id"`
	Metric      string   `json:"metric"`
	Title       string   `json:"title"`
	Question    string   `json:"question"`
	Unit        string   `json:"unit"`
	Direction   string   `json:"direction"`
	Numerator   string   `json:"numerator"`
	Denominator string   `json:"denominator,omitempty"`
	Caveats     []string `json:"caveats"`
	Sources     []string `json:"sources,omitempty"`
	HasData     bool     `json:"has_data"`
	MissingData string   `json:"missing_data,omitempty"`
}

// csvFields describes the columns of indicators.csv.
var csvFields = []dpField{
	{Name: "indicator", Type: "string", Description: "Catalogue id of the indicator (see palermo:indicators).", Constraints: map[string]any{"required": true}},
	{Name: "jurisdiction", Type: "string", Description: "ISO 3166-1 alpha-3 country code, US-XX for US states, WLD for the world, TIP-<bureau> for State Department regions.", Constraints: map[string]any{"required": true}},
	{Name: "period", Type: "string", Description: "Data year (2023) or fiscal year (FY2023); for TIP, the data year, not the report year.", Constraints: map[string]any{"required": true}},
	{Name: "value", Type: "number", Description: "The indicator value; empty unless status is ok or unstable."},
	{Name: "numerator", Type: "number", Description: "The numerator as published by the source; empty when suppressed or not applicable."},
	{Name: "denominator", Type: "number", Description: "The denominator as published by the source; empty when suppressed or not applicable."},
	{Name: "unit", Type: "string", Description: "ratio (a ratio of two counts; 0..1 for shares), pp (percentage points), count, per_100k, days, score or percent.", Constraints: map[string]any{"required": true}},
	{Name: "status", Type: "string", Description: "ok; unstable (published, denominator below the reliability threshold or resting on low coverage); suppressed (withheld for privacy or censored by the publisher); implausible (the inputs contradict each other, e.g. a part above its total: never published as a value); no_data (an input is not reported).", Constraints: map[string]any{"required": true, "enum": []string{"ok", "unstable", "suppressed", "implausible", "no_data"}}},
	{Name: "status_reason", Type: "string", Description: "Why, machine-readable, several separated by ';': min_cell, complementary, censored_at_source, missing_input, zero_denominator, ambiguous_input, small_denominator, part_exceeds_total, copied_cells (the part's by-form cells repeat the victims identified's cell for cell), minors_only, adults_only, identified_or_arrested (the arrest counts are suspects identified or arrested, not arrests only)."},
	{Name: "source", Type: "string", Description: "palermo source; with the publisher's edition where editions restate earlier years (tip_global:2024).", Constraints: map[string]any{"required": true}},
	{Name: "source_url", Type: "string", Description: "Where the inputs were published: one or more http(s) URLs separated by a space."},
	{Name: "retrieved_at", Type: "datetime", Description: "When palermo's copy of the source was retrieved from the publisher (UTC)."},
	{Name: "source_kind", Type: "string", Description: "What the value rests on: primary (the publisher's own page or file), secondary (a reproduction: a news page, a blog, a compilation, a third party's copy), or primary;secondary when its inputs mix.", Constraints: map[string]any{"required": true, "enum": []string{"primary", "secondary", "primary;secondary"}}},
	{Name: "coverage", Type: "number", Description: "Where the source gives it: the share of the area's population covered by the agencies that reported (0..1); values below the low-coverage threshold are unstable with reason low_coverage. Empty where the source does not say.",
		Constraints: map[string]any{"minimum": 0}},
}

// DataPackage describes the export as a Data Package v2 descriptor: the
// indicator table, one resource per indicator and the catalogue.
// pages are the pages the snapshot's rows cite (PagesBySource).
func DataPackage(snap *Snapshot, cat []*Indicator, files map[string][]byte, pages map[string]*SourcePages) ([]byte, error) {
	dp := dataPackage{
		Schema:      "https://datapackage.org/profiles/2.0/datapackage.json",
		Name:        "palermo-indicators",
		Title:       "palermo: is anti-trafficking enforcement victim-centred?",
		Description: "Indicators of victim-centred anti-trafficking law enforcement computed by palermo from public data. Only aggregates are published; small derived victim counts are suppressed. Every row names its source, source URL and retrieval date.",
		Version:     snap.ComputedAt.Format("2006.01.02"),
		Created:     formatTime(snap.ComputedAt),
		Keywords:    []string{"human trafficking", "law enforcement", "victim-centred", "indicators", "TIP report", "UNODC"},
		Licenses: []dpLicense{{Title: "Each value keeps the terms of its source (see sources); palermo's own computations are released under the CC0 1.0 public domain dedication",
			Name: "CC0-1.0", Path: "https://creativecommons.org/publicdomain/zero/1.0/"}},
		Privacy: map[string]any{
			"min_cell":                  snap.Privacy.MinCell,
			"round_base":                snap.Privacy.RoundBase,
			"unstable_below":            snap.Privacy.UnstableBelow,
			"low_coverage_below":        snap.Privacy.LowCoverageBelow,
			"complementary_suppression": true,
			"rules":                     "Aggregates only. palermo-derived victim counts of 1 to min_cell-1, and ratios built on them, are suppressed; derived victim counts (and the numerators and denominators built on them) are rounded down to a multiple of round_base, ratios being computed from the exact counts; official aggregates pass through as published; values the source censored (UNODC '<5') stay censored; ratios with a denominator below unstable_below are flagged unstable.",
		},
		Citation: "palermo indicators (" + snap.ComputedAt.Format(time.DateOnly) + "), computed from the sources listed, each cited by its URL and retrieval date in indicators.csv.",
	}
	for _, s := range snap.Sources {
		o := s.Provenance.Origin
		path := o.URLDownload
		if path == "" {
			path = o.URLMain
		}
		sp := pages[s.Name]
		title := o.Producer + ": " + o.Title + ". Terms: " + sp.TermsText(o.License)
		if sp == nil || len(sp.Sites) == 0 {
			title += " (" + o.License.URL + ")"
		}
		var kind string
		if sp != nil {
			kind = sp.Kinds.String()
		}
		dp.Sources = append(dp.Sources, dpSource{Title: title, Path: path, Version: o.DatePublished, SourceKind: kind})
		dp.Snapshots = append(dp.Snapshots, dpSnapshot{Source: s.Name, Generation: s.Generation, Location: s.Provenance.Location,
			RetrievedAt: formatTime(s.Provenance.RetrievedAt), SHA256: s.Provenance.SHA256, Bytes: s.Provenance.Bytes})
	}
	for _, ind := range cat {
		dp.Catalogue = append(dp.Catalogue, dpIndicator{ID: ind.ID, Metric: ind.Metric(), Title: ind.Title, Question: ind.Question,
			Unit: string(ind.Unit), Direction: string(ind.Direction), Numerator: ind.Numerator, Denominator: ind.Denominator,
			Caveats: ind.DescriptionKey, Sources: ind.Sources, HasData: ind.HasData(), MissingData: ind.MissingData})
	}
	sort.Slice(dp.Catalogue, func(i, j int) bool { return dp.Catalogue[i].ID < dp.Catalogue[j].ID })
	table := func(name, path, title, description string, fields []dpField, key []string) dpResource {
		return dpResource{
			Schema: "https://datapackage.org/profiles/2.0/dataresource.json", Name: name, Path: path, Type: "table",
			Title: title, Description: description, Format: "csv", Mediatype: "text/csv", Encoding: "utf-8",
			Hash: "sha256:" + sha256hex(files[path]), Bytes: len(files[path]),
			TableSchema: dpTableSchema{Schema: "https://datapackage.org/profiles/2.0/tableschema.json", Fields: fields, PrimaryKey: key},
			Dialect:     map[string]any{"$schema": "https://datapackage.org/profiles/2.0/tabledialect.json", "header": true, "delimiter": ","},
		}
	}
	key := []string{"indicator", "jurisdiction", "period", "source"}
	dp.Resources = append(dp.Resources, table("indicators", "indicators.csv", "Indicator values",
		"One row per indicator, jurisdiction, period and source, sorted by those keys.", csvFields, key))
	for _, ind := range cat {
		path := "indicators/" + ind.ID + ".csv"
		if _, ok := files[path]; !ok {
			continue
		}
		dp.Resources = append(dp.Resources, table(strings.ReplaceAll(ind.ID, "_", "-"), path, ind.Title,
			ind.Question+" "+ind.DescriptionShort, csvFields, key))
	}
	var catFields []dpField
	for _, c := range CatalogueColumns {
		typ := "string"
		switch c {
		case "min_denominator":
			typ = "number"
		case "context", "has_data":
			typ = "boolean"
		}
		catFields = append(catFields, dpField{Name: c, Type: typ, Description: catalogueFieldDocs[c]})
	}
	var opFields []dpField
	for _, c := range OperationsColumns {
		typ := "string"
		if c == "victims_identified" || c == "arrests_total" || c == "arrests_traffickers" {
			typ = "integer"
		}
		opFields = append(opFields, dpField{Name: c, Type: typ, Description: operationsFieldDocs[c]})
	}
	dp.Resources = append(dp.Resources, table("operations", "operations.csv", "Enforcement operations, one by one",
		fmt.Sprintf("The operations published one by one (the %d most recent at most), each with the counts its own release gave, how the release worded them, and its page. Counts a release did not give are empty.", MaxOperationSeries),
		opFields, []string{"source", "operation_id"}))
	dp.Resources = append(dp.Resources, table("catalogue", "catalogue.csv", "Indicator catalogue",
		"Every indicator palermo defines, computed or still lacking data: definition, direction, caveats and sources (also as catalogue.json).", catFields, []string{"id"}))
	return json.MarshalIndent(dp, "", "  ")
}

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Exports are the files of one export, by path relative to the export
// directory: indicators.csv, datapackage.json, indicators/<id>.csv,
// catalogue.csv, catalogue.json and CITATION.cff.
type Exports struct {
	CSV         []byte // indicators.csv
	DataPackage []byte // datapackage.json
	Files       map[string][]byte
}

// Names lists the export's files in a stable order.
func (e *Exports) Names() []string { return sortedNames(e.Files) }

// Render renders the export files of a snapshot.
func Render(snap *Snapshot, cat []*Indicator) (*Exports, error) {
	files, err := perIndicatorCSVs(snap)
	if err != nil {
		return nil, err
	}
	c, err := CSVBytes(snap)
	if err != nil {
		return nil, err
	}
	files["indicators.csv"] = c
	if files["operations.csv"], err = operationsCSV(snap); err != nil {
		return nil, err
	}
	entries := CatalogueEntries(cat, snap)
	if files["catalogue.csv"], err = CatalogueCSV(entries); err != nil {
		return nil, err
	}
	if files["catalogue.json"], err = marshalJSON(entries); err != nil {
		return nil, err
	}
	pages := PagesBySource(snap) // the citation and the descriptor name the same pages
	files["CITATION.cff"] = citationCFF(snap, pages)
	dp, err := DataPackage(snap, cat, files, pages)
	if err != nil {
		return nil, err
	}
	files["datapackage.json"] = append(dp, '\n')
	return &Exports{CSV: c, DataPackage: files["datapackage.json"], Files: files}, nil
}

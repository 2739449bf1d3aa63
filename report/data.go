package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/palermo-project/palermo/metrics"
)

// jsRow is one indicator row as the page scripts read it: the cells of
// indicators.csv (a withheld row has no value, numerator or denominator),
// the period's first and last day, and the row's CSV line, so that a
// chart's download is the export's own lines.
type jsRow struct {
	K    int      `json:"k"` // the row's place in indicators.csv
	I    string   `json:"i"`
	J    string   `json:"j"`
	P    string   `json:"p"`
	X0   string   `json:"x0,omitempty"`
	X1   string   `json:"x1,omitempty"`
	V    *float64 `json:"v"`
	N    *float64 `json:"n"`
	D    *float64 `json:"d"`
	S    string   `json:"s"`
	R    string   `json:"r,omitempty"`
	Why  string   `json:"why,omitempty"` // the reasons in words
	Src  string   `json:"src"`
	Kind string   `json:"kind"`
	URL  string   `json:"url"`
	Ret  string   `json:"ret"`
	Cov  *float64 `json:"cov,omitempty"`
	Line string   `json:"line"`
}

type jsIndicator struct {
	Title     string `json:"title"`
	Unit      string `json:"unit"`
	ShortUnit string `json:"short"`
	Direction string `json:"dir"`
	Scale     string `json:"scale"`
}

type jsMeta struct {
	Header     string                 `json:"header"`
	Computed   string                 `json:"computed"`
	Indicators map[string]jsIndicator `json:"indicators"`
	// Jurisdictions lists every jurisdiction with a page, in index order,
	// with its name and group.
	Jurisdictions []jsJurisdiction `json:"jurisdictions"`
}

type jsJurisdiction struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Group string `json:"group"`
}

// jsRow is row i of the snapshot, exported as e with the cells rec and
// the CSV line l. The numbers are read back from the cells, so that the
// pages show the figures as published (to six decimals), not more.
func (m *model) jsRow(i int, e *metrics.ExportRow, rec []string, l string) jsRow {
	x0, x1 := span(e.Period)
	return jsRow{K: i, I: e.Indicator, J: e.Jurisdiction, P: e.Period, X0: x0, X1: x1,
		V: cell(rec[colValue]), N: cell(rec[colNumerator]), D: cell(rec[colDenominator]), S: e.Status, R: e.StatusReason, Why: m.reasons(e.StatusReason),
		Src: e.Source, Kind: e.SourceKind, URL: e.SourceURL, Ret: e.RetrievedAt, Cov: cell(rec[colCoverage]), Line: l}
}

// The places of the numeric cells in indicators.csv.
var (
	colValue       = slices.Index(metrics.CSVHeader, "value")
	colNumerator   = slices.Index(metrics.CSVHeader, "numerator")
	colDenominator = slices.Index(metrics.CSVHeader, "denominator")
	colCoverage    = slices.Index(metrics.CSVHeader, "coverage")
)

func cell(s string) *float64 {
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil
	}
	return &v
}

// dataFiles are the scripts that hand the rows to the pages: the
// catalogue, then one file per jurisdiction and one per indicator. They
// are scripts, not JSON, so that pages opened from disk can load them.
func (m *model) dataFiles() (map[string][]byte, error) {
	out := map[string][]byte{}
	meta := jsMeta{Header: m.header, Computed: m.computed, Indicators: map[string]jsIndicator{}}
	for _, ind := range m.cat {
		meta.Indicators[ind.ID] = jsIndicator{ind.Title, string(ind.Unit), ind.ShortUnit, string(ind.Direction), scale(ind)}
	}
	for _, j := range m.all {
		meta.Jurisdictions = append(meta.Jurisdictions, jsJurisdiction{j, m.name(j), groupTitles[group(j)]})
	}
	var err error
	if out["catalogue.js"], err = script("meta", meta); err != nil {
		return nil, err
	}
	for j, idx := range m.byJ {
		if out["j/"+j+".js"], err = script("add", m.jsRows(idx)); err != nil {
			return nil, fmt.Errorf("report: rows of %s: %w", j, err)
		}
	}
	for id, idx := range m.byI {
		if out["i/"+id+".js"], err = script("add", m.jsRows(idx)); err != nil {
			return nil, fmt.Errorf("report: rows of %s: %w", id, err)
		}
	}
	return out, nil
}

func (m *model) jsRows(idx []int) []jsRow {
	rows := make([]jsRow, len(idx))
	for n, i := range idx {
		rows[n] = m.rows[i]
	}
	return rows
}

// script is a call of palermo.<fn> with v as its argument. encoding/json
// escapes <, > and &, so the text cannot end the script early.
func script(fn string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := append([]byte("palermo."+fn+"("), b...)
	return append(out, ");\n"...), nil
}

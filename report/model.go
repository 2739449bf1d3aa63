package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/sources"
)

// model is a snapshot indexed the ways the pages read it.
type model struct {
	snap     *metrics.Snapshot
	cat      []*metrics.Indicator
	byJ      map[string][]int // row indexes by jurisdiction, in export order
	byI      map[string][]int // row indexes by indicator, in export order
	rows     []jsRow          // each row as the page scripts read it, its CSV line included
	all      []string         // the jurisdictions with a page, in index order
	header   string
	computed string
}

func newModel(snap *metrics.Snapshot, cat []*metrics.Indicator) (*model, error) {
	m := &model{snap: snap, cat: cat, byJ: map[string][]int{}, byI: map[string][]int{},
		rows: make([]jsRow, len(snap.Rows)), computed: snap.ComputedAt.UTC().Format("2 January 2006")}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	line := func(rec []string) (string, error) {
		b.Reset()
		if err := w.Write(rec); err != nil {
			return "", err
		}
		w.Flush()
		return strings.TrimSuffix(b.String(), "\n"), w.Error()
	}
	var err error
	if m.header, err = line(metrics.CSVHeader); err != nil {
		return nil, err
	}
	for i := range snap.Rows {
		r := &snap.Rows[i]
		e := r.Export()
		rec := e.Record()
		l, err := line(rec)
		if err != nil {
			return nil, fmt.Errorf("report: row %d: %w", i, err)
		}
		m.rows[i] = m.jsRow(i, &e, rec, l)
		m.byJ[r.Jurisdiction] = append(m.byJ[r.Jurisdiction], i)
		m.byI[r.Indicator.ID] = append(m.byI[r.Indicator.ID], i)
	}
	m.all = m.order(Jurisdictions(snap))
	return m, nil
}

// name is a jurisdiction's name as its publishers give it, or its code.
func (m *model) name(j string) string {
	if n := m.snap.JurisdictionNames[j]; n != "" {
		return n
	}
	if n := sources.StateName(j); n != "" {
		return n
	}
	return j
}

// Jurisdiction groups, in index order.
const (
	groupWorld = iota
	groupRegion
	groupCountry
	groupState
)

var groupTitles = []string{"World", "Regions", "Countries", "US states and territories"}

func group(j string) int {
	switch {
	case j == "WLD":
		return groupWorld
	case strings.HasPrefix(j, "US-"):
		return groupState
	case len(j) == 3:
		return groupCountry
	}
	return groupRegion
}

// order sorts jurisdictions as the index lists them: the world and the
// regions first, then countries, then US states, each by name.
func (m *model) order(js []string) []string {
	out := append([]string(nil), js...)
	sort.SliceStable(out, func(a, b int) bool {
		ga, gb := group(out[a]), group(out[b])
		if ga != gb {
			return ga < gb
		}
		return strings.ToLower(m.name(out[a])) < strings.ToLower(m.name(out[b]))
	})
	return out
}

func (m *model) indicatorsWithRows() []*metrics.Indicator {
	var out []*metrics.Indicator
	for _, ind := range m.cat {
		for _, i := range m.byI[ind.ID] {
			if shown(&m.snap.Rows[i]) {
				out = append(out, ind)
				break
			}
		}
	}
	return out
}

// tableRow is one row of a data table, formatted.
type tableRow struct {
	Jurisdiction, Name, Period, Value, Numerator, Denominator string
	Status, Reason, Source, Kind, Coverage, URL               string
	Published, Unstable, Withheld                             bool
}

func (m *model) tableRow(r *metrics.Row) tableRow {
	e := r.Export()
	t := tableRow{Jurisdiction: r.Jurisdiction, Name: m.name(r.Jurisdiction), Period: r.Period,
		Value: formatValue(r.Indicator, e.Value), Numerator: count(e.Numerator), Denominator: count(e.Denominator),
		Status: string(r.Status), Reason: m.reasons(r.Reason), Source: r.Source, Kind: e.SourceKind,
		Published: r.Published(), Unstable: r.Status == metrics.StatusUnstable, Withheld: withheld(r)}
	if r.Coverage != nil {
		t.Coverage = fmt.Sprintf("%.0f%%", *r.Coverage*100)
	}
	if f := strings.Fields(r.SourceURL); len(f) > 0 {
		t.URL = f[0]
	}
	if t.Withheld {
		t.Value = "withheld"
	} else if !t.Published {
		t.Value = "no data"
	}
	return t
}

// reasons says a row's status reasons in words.
func (m *model) reasons(codes string) string {
	if codes == "" {
		return ""
	}
	var out []string
	for _, c := range strings.Split(codes, ";") {
		out = append(out, m.reasonText(c))
	}
	return strings.Join(out, "; ")
}

func (m *model) reasonText(code string) string {
	p := m.snap.Privacy
	switch code {
	case metrics.ReasonMinCell:
		return fmt.Sprintf("fewer than %d people: withheld so that no one can be recognised", p.MinCell)
	case metrics.ReasonComplementary:
		return "withheld so that a withheld count cannot be worked out from the others"
	case metrics.ReasonCensoredAtSource:
		return "withheld by the publisher"
	case metrics.ReasonMissingInput:
		return "an input is not reported"
	case metrics.ReasonZeroDenominator:
		return "the denominator is zero"
	case metrics.ReasonAmbiguousInput:
		return "the source's figures can be read more than one way"
	case metrics.ReasonSmallDenominator:
		return fmt.Sprintf("denominator below %d: unstable", p.UnstableBelow)
	case metrics.ReasonPartExceedsTotal:
		return "a part exceeds its total in the publisher's figures: not published"
	case metrics.ReasonCopiedCells:
		return "the part repeats another measure's cells: not published"
	case metrics.ReasonLowCoverage:
		return fmt.Sprintf("reporting agencies cover less than %.0f%% of the population: unstable", p.LowCoverageBelow*100)
	case metrics.ReasonSeriesBreak:
		return "method changed: not comparable with other years"
	case metrics.ReasonPopulationYear:
		return "population of an earlier year"
	case metrics.ReasonIdentifiedOrArrested:
		return "arrests counted as suspects identified or arrested"
	case "minors_only":
		return "minors only: the release counted no adult victims"
	case "adults_only":
		return "adults only: the release counted no minors"
	}
	return code
}

// formatValue writes a value in its unit.
func formatValue(ind *metrics.Indicator, v *float64) string {
	if v == nil {
		return ""
	}
	switch {
	case ind.Unit == metrics.UnitPP:
		return fmt.Sprintf("%+.1f pp", *v)
	case ind.Unit == metrics.UnitRatio && ind.ShortUnit == "share":
		return fmt.Sprintf("%.1f%%", *v*100)
	case ind.Unit == metrics.UnitCount:
		return fmt.Sprintf("%.0f", *v)
	}
	return fmt.Sprintf("%.3g %s", *v, ind.ShortUnit)
}

func count(v *float64) string {
	if v == nil {
		return ""
	}
	if *v == math.Trunc(*v) {
		return fmt.Sprintf("%.0f", *v)
	}
	return fmt.Sprintf("%.3g", *v)
}

// scale says which way the indicator reads, for chart captions.
func scale(ind *metrics.Indicator) string {
	switch ind.Direction {
	case metrics.Up:
		return "↑ higher is more victim-centred"
	case metrics.Down:
		return "↓ lower is more victim-centred"
	}
	return "context: neither higher nor lower is better"
}

// sortByTime orders row indexes by period (as time), then source.
func (m *model) sortByTime(idx []int) {
	sort.SliceStable(idx, func(a, b int) bool {
		ra, rb := &m.snap.Rows[idx[a]], &m.snap.Rows[idx[b]]
		if c := metrics.ComparePeriods(ra.Period, rb.Period); c != 0 {
			return c < 0
		}
		return ra.Source < rb.Source
	})
}

// span is a period's first and last day as ISO dates, or empty strings.
func span(period string) (string, string) {
	s, e, ok := metrics.PeriodSpan(period)
	if !ok {
		return "", ""
	}
	return s.Format(time.DateOnly), e.Format(time.DateOnly)
}

// Package report renders palermo's indicators for people who do not run
// Grafana: one self-contained HTML page per jurisdiction, with a chart per
// indicator (PNG, also embedded in the page), its direction, caveats and
// sources under it, and a scorecard. There is no composite score.
package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/palermo-project/palermo/metrics"
)

// Page is the report of one jurisdiction.
type Page struct {
	Jurisdiction string
	HTML         []byte            // self-contained: the charts are embedded
	Charts       map[string][]byte // PNG per indicator id
}

// Jurisdictions lists the jurisdictions with at least one published value.
func Jurisdictions(snap *metrics.Snapshot) []string {
	seen := map[string]bool{}
	for _, r := range snap.Rows {
		if r.Published() {
			seen[r.Jurisdiction] = true
		}
	}
	out := make([]string, 0, len(seen))
	for j := range seen {
		out = append(out, j)
	}
	sort.Strings(out)
	return out
}

// series is the published values of one indicator, jurisdiction and source.
type series struct {
	Source string
	Points []metrics.Row // sorted by period
}

type section struct {
	Indicator *metrics.Indicator
	Series    []series
	Chart     template.URL // data: URI of the PNG
	Direction string
	Sources   []sourceLine
	Latest    *metrics.Row
	Trend     string
	Coverage  string
}

type sourceLine struct {
	Label, Retrieved, Terms string
	// Kind is what the series rests on: primary (the publisher's own
	// pages), secondary (reproductions) or primary;secondary.
	Kind     string
	URLs     []string
	MoreURLs int
}

// Render builds the page of one jurisdiction.
func Render(snap *metrics.Snapshot, cat []*metrics.Indicator, jurisdiction string) (*Page, error) {
	byIndicator := map[string][]metrics.Row{}
	for _, r := range snap.Rows {
		if r.Jurisdiction == jurisdiction {
			byIndicator[r.Indicator.ID] = append(byIndicator[r.Indicator.ID], r)
		}
	}
	page := &Page{Jurisdiction: jurisdiction, Charts: map[string][]byte{}}
	var sections []section
	for _, ind := range cat {
		rows := byIndicator[ind.ID]
		s := section{Indicator: ind, Direction: ind.DirectionText(), Coverage: coverage(rows)}
		bySource := map[string][]metrics.Row{}
		for _, r := range rows {
			if r.Published() {
				bySource[r.Source] = append(bySource[r.Source], r)
			}
		}
		if len(bySource) == 0 {
			continue
		}
		for src, pts := range bySource {
			sort.SliceStable(pts, func(i, j int) bool { return metrics.ComparePeriods(pts[i].Period, pts[j].Period) < 0 })
			s.Series = append(s.Series, series{Source: src, Points: pts})
		}
		sort.Slice(s.Series, func(i, j int) bool { return s.Series[i].Source < s.Series[j].Source })
		png, err := chart(ind, s.Series)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", ind.ID, err)
		}
		page.Charts[ind.ID] = png
		s.Chart = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
		s.Latest, s.Trend = trend(ind, s.Series)
		s.Sources = sourceLines(snap, s.Series)
		sections = append(sections, s)
	}
	name := snap.JurisdictionNames[jurisdiction]
	var b bytes.Buffer
	err := pageTmpl.Execute(&b, struct {
		Jurisdiction, Name string
		Sections           []section
		Snapshot           *metrics.Snapshot
		Computed           string
	}{jurisdiction, name, sections, snap, snap.ComputedAt.Format("2 January 2006")})
	if err != nil {
		return nil, err
	}
	page.HTML = b.Bytes()
	return page, nil
}

// Index is the page listing every jurisdiction's report.
func Index(snap *metrics.Snapshot, jurisdictions []string) []byte {
	var b bytes.Buffer
	type entry struct{ Code, Name string }
	var list []entry
	for _, j := range jurisdictions {
		list = append(list, entry{j, snap.JurisdictionNames[j]})
	}
	indexTmpl.Execute(&b, struct {
		Entries  []entry
		Computed string
	}{list, snap.ComputedAt.Format("2 January 2006")})
	return b.Bytes()
}

func coverage(rows []metrics.Row) string {
	var published, suppressed, noData int
	for _, r := range rows {
		switch {
		case r.Published():
			published++
		case r.Status == metrics.StatusSuppressed:
			suppressed++
		default:
			noData++
		}
	}
	return fmt.Sprintf("%d of %d periods published, %d suppressed, %d without data", published, len(rows), suppressed, noData)
}

// trend compares the latest published value with the one before it in the
// same series (the series with the latest period).
func trend(ind *metrics.Indicator, ss []series) (*metrics.Row, string) {
	var best *series
	for i := range ss {
		s := &ss[i]
		if best == nil || metrics.ComparePeriods(s.Points[len(s.Points)-1].Period, best.Points[len(best.Points)-1].Period) > 0 {
			best = s
		}
	}
	last := best.Points[len(best.Points)-1]
	if len(best.Points) < 2 {
		return &last, "one period only"
	}
	prev := best.Points[len(best.Points)-2]
	d := *last.Value - *prev.Value
	if math.Abs(d) <= 0.01*math.Abs(*prev.Value) {
		return &last, fmt.Sprintf("flat since %s", prev.Period)
	}
	word := "rising"
	if d < 0 {
		word = "falling"
	}
	switch {
	case ind.Direction == metrics.Neutral:
		return &last, fmt.Sprintf("%s since %s (context: no judgement)", word, prev.Period)
	case (d > 0) == (ind.Direction == metrics.Up):
		return &last, fmt.Sprintf("%s since %s, towards more victim-centred", word, prev.Period)
	default:
		return &last, fmt.Sprintf("%s since %s, away from victim-centred", word, prev.Period)
	}
}

func sourceLines(snap *metrics.Snapshot, ss []series) []sourceLine {
	prov := map[string]metrics.SourceInfo{}
	for _, s := range snap.Sources {
		prov[s.Name] = s
	}
	var out []sourceLine
	for _, s := range ss {
		first := s.Points[0]
		info := prov[first.SourceName]
		line := sourceLine{Label: s.Source, Retrieved: first.RetrievedAt.UTC().Format(time.DateOnly)}
		seen := map[string]bool{}
		var kinds metrics.PageKinds
		var pages metrics.Snapshot
		for _, p := range s.Points {
			kinds |= p.SourceKind
			pages.Rows = append(pages.Rows, p)
			for _, u := range strings.Fields(p.SourceURL) {
				if !seen[u] {
					seen[u] = true
					if len(line.URLs) < 5 {
						line.URLs = append(line.URLs, u)
					} else {
						line.MoreURLs++
					}
				}
			}
		}
		line.Kind = kinds.String()
		// The terms are those of the pages cited, not of the publisher
		// alone: a figure read on a blog keeps the blog's terms.
		line.Terms = metrics.PagesBySource(&pages)[first.SourceName].TermsText(info.Provenance.Origin.License)
		out = append(out, line)
	}
	return out
}

// chart draws an indicator's series as lines over the periods.
func chart(ind *metrics.Indicator, ss []series) ([]byte, error) {
	p := plot.New()
	p.Title.Text = ind.Title
	p.Y.Label.Text = ind.ShortUnit
	if ind.Unit == metrics.UnitPP {
		p.Y.Label.Text = "percentage points"
	}
	periods := map[string]bool{}
	for _, s := range ss {
		for _, pt := range s.Points {
			periods[pt.Period] = true
		}
	}
	var labels []string
	for k := range periods {
		labels = append(labels, k)
	}
	sort.Strings(labels)
	pos := map[string]float64{}
	for i, l := range labels {
		pos[l] = float64(i)
	}
	// Show at most about 12 period labels.
	step := (len(labels) + 11) / 12
	shown := make([]string, len(labels))
	for i, l := range labels {
		if i%step == 0 || i == len(labels)-1 {
			shown[i] = l
		}
	}
	p.NominalX(shown...)
	p.Add(plotter.NewGrid())
	for i, s := range ss {
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			xys[j] = plotter.XY{X: pos[pt.Period], Y: *pt.Value}
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		c := plotutil.Color(i)
		if ind.Direction == metrics.Neutral && len(ss) == 1 {
			c = color.RGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
		}
		line.Color, points.Color = c, c
		line.Width = vg.Points(1.5)
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		if len(ss) > 1 {
			p.Legend.Add(s.Source, line, points)
		}
	}
	if ind.Unit == metrics.UnitPP {
		zero := plotter.NewFunction(func(float64) float64 { return 0 })
		zero.Color = color.Gray{Y: 0x80}
		zero.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		p.Add(zero)
	}
	if ind.Unit == metrics.UnitPP && p.Y.Max < 0 {
		p.Y.Max = 0 // a gap is read against zero: keep zero in view
	}
	p.Legend.Top = true
	wt, err := p.WriterTo(16*vg.Centimeter, 7*vg.Centimeter, "png")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

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

var funcs = template.FuncMap{"value": formatValue, "percent": func(v *float64) string { return fmt.Sprintf("%.0f%%", *v*100) }}

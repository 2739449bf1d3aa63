// Package report renders palermo's indicators for people who do not run
// Grafana, as a small static site that works offline and that palermo serve
// also serves at /report/:
//
//   - index.html: the world and regions first, then countries and US states
//     by name, and every indicator;
//   - <jurisdiction>/index.html: a scorecard and, per indicator, a chart
//     over a true time axis, what was withheld and why, coverage, the
//     definition, caveats and sources, a data table and the chart's rows as
//     CSV; other jurisdictions can be added to every chart;
//   - indicators/<id>/index.html: several jurisdictions on one chart, a
//     ranking and a map for one period;
//   - operations/index.html: the enforcement operations one by one.
//
// The charts are drawn in the browser by Observable Plot (vendored under
// assets/vendor with its licence) from data files written beside the pages.
// The tables and texts are in the HTML itself, so a page read without
// scripts, printed or read aloud still carries every number. There is no
// composite score.
package report

import (
	"bytes"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"

	"github.com/palermo-project/palermo/metrics"
)

// Site is a rendered report: its files by path relative to the report's
// root, with "/" as separator.
type Site struct {
	Files map[string][]byte
	// Jurisdictions are the jurisdictions with a page, in index order.
	Jurisdictions []string
}

// Options choose what a report holds.
type Options struct {
	// Jurisdictions limits the jurisdiction pages to these codes; empty
	// means every jurisdiction with a published or withheld value.
	Jurisdictions []string
}

// Jurisdictions lists the jurisdictions that get a page: those with at
// least one published or withheld value, sorted by code.
func Jurisdictions(snap *metrics.Snapshot) []string {
	seen := map[string]bool{}
	for i := range snap.Rows {
		if shown(&snap.Rows[i]) {
			seen[snap.Rows[i].Jurisdiction] = true
		}
	}
	out := make([]string, 0, len(seen))
	for j := range seen {
		out = append(out, j)
	}
	sort.Strings(out)
	return out
}

// shown: the row is on a page, as a value or as a value withheld.
func shown(r *metrics.Row) bool { return r.Published() || withheld(r) }

// withheld: a value exists but is not published (privacy, or inputs that
// contradict each other).
func withheld(r *metrics.Row) bool {
	return r.Status == metrics.StatusSuppressed || r.Status == metrics.StatusImplausible
}

// Build renders the whole report of a snapshot.
func Build(snap *metrics.Snapshot, cat []*metrics.Indicator, opt Options) (*Site, error) {
	ex := snap.Exports
	if ex == nil {
		var err error
		if ex, err = metrics.Render(snap, cat); err != nil {
			return nil, fmt.Errorf("report: exporting: %w", err)
		}
	}
	m, err := newModel(snap, cat)
	if err != nil {
		return nil, err
	}
	pages := m.all
	if len(opt.Jurisdictions) > 0 {
		var only []string
		for _, j := range pages {
			if slices.Contains(opt.Jurisdictions, j) {
				only = append(only, j)
			}
		}
		for _, j := range opt.Jurisdictions {
			if !slices.Contains(only, j) {
				return nil, fmt.Errorf("report: %s has no published or withheld value", j)
			}
		}
		pages = only
	}
	site := &Site{Files: map[string][]byte{}, Jurisdictions: pages}
	for name, b := range assetFiles() {
		site.Files["assets/"+name] = b
	}
	geo, err := geoFiles()
	if err != nil {
		return nil, err
	}
	for name, b := range geo {
		site.Files["assets/"+name] = b
	}
	data, err := m.dataFiles()
	if err != nil {
		return nil, err
	}
	for name, b := range data {
		site.Files["data/"+name] = b
	}
	for name, b := range ex.Files {
		if name == "operations.csv" || name == "indicators.csv" {
			site.Files["csv/"+name] = b
		} else if id, ok := cutIndicatorCSV(name); ok {
			site.Files["csv/"+id+".csv"] = b
		}
	}
	render := func(path string, t *template.Template, data any) error {
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return fmt.Errorf("report: %s: %w", path, err)
		}
		site.Files[path] = b.Bytes()
		return nil
	}
	if err := render("index.html", indexTmpl, m.index(pages)); err != nil {
		return nil, err
	}
	for _, j := range pages {
		if err := render(j+"/index.html", jurisdictionTmpl, m.jurisdictionPage(j)); err != nil {
			return nil, err
		}
	}
	for _, ind := range m.indicatorsWithRows() {
		if err := render("indicators/"+ind.ID+"/index.html", indicatorTmpl, m.indicatorPage(ind)); err != nil {
			return nil, err
		}
	}
	if err := render("operations/index.html", operationsTmpl, m.operationsPage()); err != nil {
		return nil, err
	}
	return site, nil
}

func cutIndicatorCSV(name string) (string, bool) {
	id, ok := strings.CutPrefix(name, "indicators/")
	if !ok {
		return "", false
	}
	id, ok = strings.CutSuffix(id, ".csv")
	return id, ok && id != ""
}

// Paths lists the site's files in a stable order.
func (s *Site) Paths() []string {
	out := make([]string, 0, len(s.Files))
	for p := range s.Files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

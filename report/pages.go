package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/palermo-project/palermo/metrics"
)

// page is what every page's layout reads.
type page struct {
	Title, Root, Computed string
	Privacy               string
	Scripts               []string // data and geometry scripts, relative to Root
}

func (m *model) page(title, root string, scripts ...string) page {
	p := m.snap.Privacy
	return page{Title: title, Root: root, Computed: m.computed, Scripts: scripts,
		Privacy: fmt.Sprintf("Counts of people derived from records are withheld from 1 to %d and rounded down to multiples of %d, with every value built on them; ratios on fewer than %d are marked unstable.",
			p.MinCell-1, p.RoundBase, p.UnstableBelow)}
}

type indexEntry struct{ Code, Name string }

type indexGroup struct {
	Title   string
	Entries []indexEntry
}

type indexView struct {
	page
	Groups     []indexGroup
	Indicators []indicatorLink
	Operations int
}

type indicatorLink struct {
	ID, Title, Scale string
	Jurisdictions    int
}

func (m *model) index(pages []string) indexView {
	v := indexView{page: m.page("palermo report", ""), Operations: len(m.snap.Operations)}
	groups := make([]indexGroup, len(groupTitles))
	for i, t := range groupTitles {
		groups[i].Title = t
	}
	for _, j := range pages {
		g := &groups[group(j)]
		g.Entries = append(g.Entries, indexEntry{j, m.name(j)})
	}
	for _, g := range groups {
		if len(g.Entries) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	for _, ind := range m.indicatorsWithRows() {
		js := map[string]bool{}
		for _, i := range m.byI[ind.ID] {
			if m.snap.Rows[i].Published() {
				js[m.snap.Rows[i].Jurisdiction] = true
			}
		}
		v.Indicators = append(v.Indicators, indicatorLink{ind.ID, ind.Title, scale(ind), len(js)})
	}
	return v
}

// section is one indicator on a jurisdiction's page.
type section struct {
	Ind                         *metrics.Indicator
	Direction, Scale            string
	Rows                        []tableRow // by time
	Published, Withheld, NoData int
	WithheldLines               []string
	Latest, Trend, Coverage     string
	Sources                     []sourceLine
}

type sourceLine struct {
	Label, Retrieved, Terms string
	// Kind is what the series rests on: primary (the publisher's own
	// pages), secondary (reproductions) or primary;secondary.
	Kind     string
	URLs     []string
	MoreURLs int
}

type jurisdictionView struct {
	page
	Code, Name string
	Sections   []section
	Missing    []string // indicators without data for the jurisdiction
	Operations int
}

func (m *model) jurisdictionPage(j string) jurisdictionView {
	v := jurisdictionView{page: m.page("palermo report: "+m.name(j), "../", "data/catalogue.js", "data/j/"+j+".js"), Code: j, Name: m.name(j)}
	byInd := map[string][]int{}
	for _, i := range m.byJ[j] {
		id := m.snap.Rows[i].Indicator.ID
		byInd[id] = append(byInd[id], i)
	}
	for _, ind := range m.cat {
		idx := byInd[ind.ID]
		if len(idx) == 0 {
			continue
		}
		s := m.section(ind, idx)
		if s.Published+s.Withheld == 0 {
			v.Missing = append(v.Missing, ind.Title)
			continue
		}
		v.Sections = append(v.Sections, s)
	}
	for _, op := range m.snap.Operations {
		if op.Jurisdiction == j {
			v.Operations++
		}
	}
	return v
}

func (m *model) section(ind *metrics.Indicator, idx []int) section {
	idx = append([]int(nil), idx...)
	m.sortByTime(idx)
	s := section{Ind: ind, Direction: ind.DirectionText(), Scale: scale(ind)}
	var published, cited []*metrics.Row
	for _, i := range idx {
		r := &m.snap.Rows[i]
		t := m.tableRow(r)
		s.Rows = append(s.Rows, t)
		switch {
		case t.Published:
			s.Published++
			published = append(published, r)
			cited = append(cited, r)
		case t.Withheld:
			s.Withheld++
			cited = append(cited, r)
			s.WithheldLines = append(s.WithheldLines, fmt.Sprintf("%s (%s): %s, %s", r.Period, r.Source, r.Status, t.Reason))
		default:
			s.NoData++
		}
	}
	s.Coverage = fmt.Sprintf("%d of %d periods published, %d withheld, %d without data", s.Published, len(idx), s.Withheld, s.NoData)
	// A withheld value's source is cited too: its page is public, only
	// the figure is not republished.
	s.Sources = sourceLines(m.snap, cited)
	if len(published) > 0 {
		s.Latest, s.Trend = m.trend(ind, published)
	} else {
		s.Latest, s.Trend = "withheld", "no published value"
	}
	return s
}

// trend compares the latest published value with the one before it in the
// same source. Two values are a trend only when both are stable: from an
// unstable value (few cases) the change is reported but not called one.
func (m *model) trend(ind *metrics.Indicator, rows []*metrics.Row) (latest, trend string) {
	last := rows[len(rows)-1]
	latest = formatValue(ind, last.Value) + " (" + last.Period
	if last.Status == metrics.StatusUnstable {
		latest += ", unstable"
	}
	if last.Reason != "" && last.Status == metrics.StatusOK {
		latest += "; " + m.reasons(last.Reason)
	}
	if last.Coverage != nil {
		latest += fmt.Sprintf("; reporting agencies cover %.0f%% of the population", *last.Coverage*100)
	}
	latest += ")"
	var prev *metrics.Row
	for i := len(rows) - 2; i >= 0; i-- {
		if rows[i].Source == last.Source && rows[i].Period != last.Period {
			prev = rows[i]
			break
		}
	}
	if prev == nil {
		return latest, "one period only"
	}
	d := *last.Value - *prev.Value
	word := "rising"
	switch {
	case math.Abs(d) <= 0.01*math.Abs(*prev.Value):
		word = "flat"
	case d < 0:
		word = "falling"
	}
	switch {
	case last.Status == metrics.StatusUnstable || prev.Status == metrics.StatusUnstable:
		return latest, fmt.Sprintf("%s since %s, from unstable values (few cases): not a trend", word, prev.Period)
	case word == "flat":
		return latest, fmt.Sprintf("flat since %s", prev.Period)
	}
	switch {
	case ind.Direction == metrics.Neutral:
		return latest, fmt.Sprintf("%s since %s (context: no judgement)", word, prev.Period)
	case (d > 0) == (ind.Direction == metrics.Up):
		return latest, fmt.Sprintf("%s since %s, towards more victim-centred", word, prev.Period)
	default:
		return latest, fmt.Sprintf("%s since %s, away from victim-centred", word, prev.Period)
	}
}

// sourceLines cites the sources of published rows, one line per source
// label, in the order of first appearance.
func sourceLines(snap *metrics.Snapshot, rows []*metrics.Row) []sourceLine {
	prov := map[string]metrics.SourceInfo{}
	for _, s := range snap.Sources {
		prov[s.Name] = s
	}
	bySource := map[string][]*metrics.Row{}
	var order []string
	for _, r := range rows {
		if _, ok := bySource[r.Source]; !ok {
			order = append(order, r.Source)
		}
		bySource[r.Source] = append(bySource[r.Source], r)
	}
	var out []sourceLine
	for _, label := range order {
		pts := bySource[label]
		first := pts[0]
		info := prov[first.SourceName]
		line := sourceLine{Label: label, Retrieved: first.RetrievedAt.UTC().Format(time.DateOnly)}
		seen := map[string]bool{}
		var kinds metrics.PageKinds
		var pages metrics.Snapshot
		for _, p := range pts {
			kinds |= p.SourceKind
			pages.Rows = append(pages.Rows, *p)
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

type indicatorView struct {
	page
	Ind              *metrics.Indicator
	Direction, Scale string
	Sources          []sourceLine
	Published        int
	Withheld         int
	Jurisdictions    int
	Default          []string // jurisdictions charted when the URL names none
}

func (m *model) indicatorPage(ind *metrics.Indicator) indicatorView {
	v := indicatorView{page: m.page("palermo report: "+ind.Title, "../../", "data/catalogue.js", "data/i/"+ind.ID+".js", "assets/world.js", "assets/us-states.js"),
		Ind: ind, Direction: ind.DirectionText(), Scale: scale(ind)}
	var cited []*metrics.Row
	perJ, heldJ := map[string]int{}, map[string]int{}
	for _, i := range m.byI[ind.ID] {
		r := &m.snap.Rows[i]
		switch {
		case r.Published():
			v.Published++
			cited = append(cited, r)
			perJ[r.Jurisdiction]++
		case withheld(r):
			v.Withheld++
			cited = append(cited, r)
			heldJ[r.Jurisdiction]++
		}
	}
	v.Jurisdictions = len(perJ)
	if len(cited) > 0 {
		v.Sources = sourceLines(m.snap, cited)
	}
	// An indicator whose every value is withheld still shows where: its
	// chart starts on the jurisdictions with withheld values.
	if len(perJ) == 0 {
		perJ = heldJ
	}
	v.Default = defaultJurisdictions(perJ)
	return v
}

// defaultJurisdictions picks what an indicator's chart shows first: the
// world where it has values, else the jurisdictions with the longest
// series, at most four.
func defaultJurisdictions(perJ map[string]int) []string {
	if perJ["WLD"] > 0 {
		return []string{"WLD"}
	}
	var js []string
	for j := range perJ {
		js = append(js, j)
	}
	sortByCountThenCode(js, perJ)
	if len(js) > 4 {
		js = js[:4]
	}
	return js
}

func sortByCountThenCode(js []string, n map[string]int) {
	sort.Slice(js, func(a, b int) bool {
		if n[js[a]] != n[js[b]] {
			return n[js[a]] > n[js[b]]
		}
		return js[a] < js[b]
	})
}

type operationRow struct {
	Name, Jurisdiction, Period, Source, URL, Kind string
	Victims, VictimsFlag, Arrests, Traffickers    string
	VictimsDefinition, ArrestsDefinition          string
}

type operationsView struct {
	page
	Rows []operationRow
}

func (m *model) operationsPage() operationsView {
	v := operationsView{page: m.page("palermo report: enforcement operations", "../")}
	for _, op := range m.snap.Operations {
		r := operationRow{Name: op.Name, Jurisdiction: op.Jurisdiction, Period: op.Period, Source: op.Source,
			URL: op.SourceURL, Kind: op.SourceKind.String(), Victims: count(op.VictimsIdentified),
			Arrests: count(op.ArrestsTotal), Traffickers: count(op.ArrestsTraffickers),
			VictimsDefinition: op.VictimsDefinition, ArrestsDefinition: op.ArrestsDefinition}
		if op.VictimsFlag != "" {
			r.VictimsFlag = m.reasonText(op.VictimsFlag)
		}
		v.Rows = append(v.Rows, r)
	}
	return v
}

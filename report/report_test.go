package report

import (
	"bytes"
	"context"
	"encoding/json"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/sources/sourcestest"
)

var embedded struct {
	once sync.Once
	snap *metrics.Snapshot
	site *Site
	err  error
}

// embeddedSite is the report of the embedded sources, built once for all
// the tests (they only read it).
func embeddedSite(t testing.TB) (*metrics.Snapshot, *Site) {
	t.Helper()
	embedded.once.Do(func() {
		embedded.snap, embedded.err = metrics.Compute(context.Background(), sourcestest.Sets(t), metrics.Catalogue, metrics.DefaultPrivacy, sourcestest.Now)
		if embedded.err == nil {
			embedded.site, embedded.err = Build(embedded.snap, metrics.Catalogue, Options{})
		}
	})
	if embedded.err != nil {
		t.Fatal(embedded.err)
	}
	return embedded.snap, embedded.site
}

// section cuts one indicator's section out of a page.
func sectionOf(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `<section id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no %s section", id)
	}
	s := page[i:]
	if j := strings.Index(s, "</section>"); j > 0 {
		s = s[:j]
	}
	return s
}

// TestWorldReport: the world page has a chart per indicator with values,
// with direction, caveats and source lines beside it, and a scorecard
// with the latest values; never a composite score.
func TestWorldReport(t *testing.T) {
	_, site := embeddedSite(t)
	html := string(site.Files["WLD/index.html"])
	for _, want := range []string{
		"<h1>World</h1>",
		"Labour trafficking prosecution gap",
		"-11.8 pp (2023)",
		"falling since 2022, away from victim-centred",
		"19.6% (2023)",
		"Direction: up. A higher value is more victim-centred (towards zero or above).",
		"Direction: neutral. Context, not a score: both extremes are bad, so the value is never coloured as good or bad.",
		"Below zero: labour trafficking is prosecuted less than its share of identified victims.",
		`tip_global:2024 (secondary): <a href="https://greenlightoperation.org/?p=5924">`,
		// A blog's copy of the TIP report keeps the blog's terms.
		"greenlightoperation.org: its own terms (a third party&#39;s page reproducing the figures; not a government work)",
		"retrieved 2026-11-23",
		`<a class="csv" href="../csv/labour_prosecution_gap_pp.csv" download>`,
		`<script>palermo.jurisdictionPage("WLD");</script>`,
		`<a href="../index.html">All jurisdictions</a>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(html), "composite") {
		t.Error("the page mentions a composite score")
	}
	if n := strings.Count(html, `<figure class="chart"`); n != 5 {
		t.Errorf("%d charts, want 5 (the indicators with world values)", n)
	}
	if n := strings.Count(html, `<details class="datatable">`); n != 5 {
		t.Errorf("%d data tables, want one per chart", n)
	}
}

// TestWithheldIsShown: Minnesota's suppressed child-victim count has its
// section, says it is withheld and why, and carries no number anywhere:
// not in the page, not in the data the chart reads.
func TestWithheldIsShown(t *testing.T) {
	snap, site := embeddedSite(t)
	s := sectionOf(t, string(site.Files["US-MN/index.html"]), "child_sex_trafficking_victims_recorded")
	for _, want := range []string{`data-published="0" data-withheld="1"`, "Withheld, not zero:",
		"2018 (fbi_nibrs): suppressed, fewer than 10 people: withheld so that no one can be recognised",
		"<td>2018</td><td>withheld</td><td></td><td></td><td>suppressed</td>"} {
		if !strings.Contains(s, want) {
			t.Errorf("the section lacks %q:\n%s", want, s)
		}
	}
	var rows []jsRow
	if err := json.Unmarshal(callArgument(t, site.Files["data/j/US-MN.js"], "palermo.add("), &rows); err != nil {
		t.Fatal(err)
	}
	withheldRows := 0
	for _, r := range rows {
		if r.S == string(metrics.StatusSuppressed) {
			withheldRows++
			if r.V != nil || r.N != nil || r.D != nil || strings.Contains(r.Line, ",suppressed,") && !strings.HasPrefix(strings.SplitN(r.Line, ",", 4)[3], ",,,") {
				t.Errorf("a suppressed row carries a number: %+v", r)
			}
		}
	}
	if withheldRows == 0 {
		t.Error("no suppressed row for Minnesota")
	}
	if snap.Privacy.MinCell != 10 {
		t.Fatal("the test assumes the default privacy rules")
	}
}

// callArgument is the JSON argument of the palermo.fn(...) call a data
// script makes.
func callArgument(t *testing.T, b []byte, call string) []byte {
	t.Helper()
	if !bytes.HasPrefix(b, []byte(call)) || !bytes.HasSuffix(b, []byte(");\n")) {
		t.Fatalf("not a %s...) script: %.80s", call, b)
	}
	return b[len(call) : len(b)-3]
}

// TestStateReportShowsCoverage: a state's rate of children arrested is shown
// with the coverage of the agencies it rests on, and its sources with their
// kinds; a change from an unstable value is not called a trend.
func TestStateReportShowsCoverage(t *testing.T) {
	_, site := embeddedSite(t)
	html := string(site.Files["US-NY/index.html"])
	for _, want := range []string{
		"Children arrested for prostitution per 100,000 children",
		"(2021, unstable; reporting agencies cover 17% of the population)",
		"fbi_arrests_state (primary;secondary): ",
		"from unstable values (few cases): not a trend",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the New York page lacks %q", want)
		}
	}
}

// TestMinorsOnlyIsSaid: a victims-per-arrest value counted from minors
// only says so wherever it is shown.
func TestMinorsOnlyIsSaid(t *testing.T) {
	_, site := embeddedSite(t)
	s := sectionOf(t, string(site.Files["USA/index.html"]), "operation_victims_per_arrest")
	if !strings.Contains(s, "minors only: the release counted no adult victims") {
		t.Errorf("the minors-only value is not qualified:\n%s", s)
	}
	score := string(site.Files["USA/index.html"])
	score = score[strings.Index(score, `<table class="scorecard">`):]
	score = score[:strings.Index(score, "</table>")]
	if !strings.Contains(score, "(2008; minors only") {
		t.Error("the scorecard shows the minors-only value as a plain figure")
	}
}

// TestScorecardOrdersPeriodsByTime: CBP's actions of FY2024 (to September
// 2024) come before those of the quarter October-December 2024, which is
// the latest value, and the trend runs from FY2024 to it; as strings the
// two would sort the other way round.
func TestScorecardOrdersPeriodsByTime(t *testing.T) {
	_, site := embeddedSite(t)
	html := string(site.Files["USA/index.html"])
	i := strings.Index(html, `<td><a href="#forced_labour_import_actions">`)
	if i < 0 {
		t.Fatal("no forced_labour_import_actions row in the scorecard")
	}
	row := html[i : i+strings.Index(html[i:], "</tr>")]
	if !strings.Contains(row, "2 (2024-10..2024-12)") || !strings.Contains(row, "since FY2024") {
		t.Errorf("the scorecard does not read the quarter as the latest, after FY2024:\n%s", row)
	}
	var rows []jsRow
	if err := json.Unmarshal(callArgument(t, site.Files["data/i/forced_labour_import_actions.js"], "palermo.add("), &rows); err != nil {
		t.Fatal(err)
	}
	spans := map[string][2]string{}
	for _, r := range rows {
		spans[r.P] = [2]string{r.X0, r.X1}
	}
	if spans["FY2024"] != [2]string{"2023-10-01", "2024-09-30"} || spans["2024-10..2024-12"] != [2]string{"2024-10-01", "2024-12-31"} {
		t.Errorf("the periods are not placed where they fall: %v", spans)
	}
}

// TestIndexOrder: the world and the regions first, then countries and US
// states by name, each named, never "US-MN: MN".
func TestIndexOrder(t *testing.T) {
	_, site := embeddedSite(t)
	html := string(site.Files["index.html"])
	pos := func(s string) int {
		i := strings.Index(html, s)
		if i < 0 {
			t.Fatalf("the index lacks %q", s)
		}
		return i
	}
	order := []string{`href="WLD/index.html">World</a>`, "<h3>Regions</h3>", `href="TIP-AF/index.html">Africa</a>`,
		"<h3>Countries</h3>", `href="ALB/index.html">Albania</a>`, `href="ZWE/index.html">Zimbabwe</a>`,
		"<h3>US states and territories</h3>", `href="US-AL/index.html">Alabama</a>`, `href="US-MN/index.html">Minnesota</a>`,
		`href="US-WY/index.html">Wyoming</a>`, `<h2 id="indicators">`, `href="indicators/ht_arrests/index.html"`}
	for i := 1; i < len(order); i++ {
		if pos(order[i-1]) > pos(order[i]) {
			t.Errorf("%s comes after %s", order[i-1], order[i])
		}
	}
}

// TestSiteLinksResolve: every page's scripts, style sheet and links inside
// the report name a file of the report, and each indicator's CSV is the
// export's own file.
func TestSiteLinksResolve(t *testing.T) {
	snap, site := embeddedSite(t)
	ref := regexp.MustCompile(`(?:src|href)="([^"#?:]+)(?:[#?][^"]*)?"`)
	for _, p := range site.Paths() {
		if !strings.HasSuffix(p, ".html") {
			continue
		}
		for _, m := range ref.FindAllStringSubmatch(string(site.Files[p]), -1) {
			target := path.Join(path.Dir(p), m[1])
			if strings.HasSuffix(m[1], "/") {
				target += "/index.html"
			}
			if _, ok := site.Files[target]; !ok {
				t.Errorf("%s links %s, which the report lacks", p, m[1])
			}
		}
	}
	ex, err := metrics.Render(snap, metrics.Catalogue)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range ex.Files {
		if id, ok := cutIndicatorCSV(name); ok && !bytes.Equal(site.Files["csv/"+id+".csv"], b) {
			t.Errorf("csv/%s.csv differs from the export's %s", id, name)
		}
	}
}

// TestRowLinesAreTheExport: the CSV line every data row carries is the
// export's line for it, so a chart's download equals the export.
func TestRowLinesAreTheExport(t *testing.T) {
	snap, site := embeddedSite(t)
	csv, err := metrics.CSVBytes(snap)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(csv), "\n"), "\n")
	var meta jsMeta
	if err := json.Unmarshal(callArgument(t, site.Files["data/catalogue.js"], "palermo.meta("), &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Header != lines[0] {
		t.Errorf("header %q, want %q", meta.Header, lines[0])
	}
	seen := 0
	for _, p := range site.Paths() {
		if !strings.HasPrefix(p, "data/i/") {
			continue
		}
		var rows []jsRow
		if err := json.Unmarshal(callArgument(t, site.Files[p], "palermo.add("), &rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			seen++
			if r.Line != lines[r.K+1] {
				t.Fatalf("%s: row %d line %q, the export has %q", p, r.K, r.Line, lines[r.K+1])
			}
			cells := strings.Split(r.Line, ",")
			if v := cells[3]; (r.V == nil) != (v == "") || r.V != nil && strconv.FormatFloat(*r.V, 'f', -1, 64) != v {
				t.Fatalf("%s: row %d value %v, the export's cell %q", p, r.K, r.V, v)
			}
		}
	}
	if seen != len(snap.Rows) {
		t.Errorf("%d rows in the indicator files, want %d", seen, len(snap.Rows))
	}
}

// TestMapsCoverTheCountries: every country with a row has a shape on the
// world map, under the code palermo publishes; the US map has the states.
func TestMapsCoverTheCountries(t *testing.T) {
	snap, site := embeddedSite(t)
	ids := func(name, object string) map[string]bool {
		var topo struct {
			Objects map[string]struct {
				Geometries []struct {
					ID string `json:"id"`
				} `json:"geometries"`
			} `json:"objects"`
		}
		if err := json.Unmarshal(callArgument(t, site.Files["assets/"+name], `palermo.geo("`+object+`", `), &topo); err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, g := range topo.Objects[object].Geometries {
			out[g.ID] = true
		}
		return out
	}
	world, states := ids("world.js", "countries"), ids("us-states.js", "states")
	for _, j := range Jurisdictions(snap) {
		switch group(j) {
		case groupCountry:
			if !world[j] {
				t.Errorf("%s has no shape on the world map", j)
			}
		case groupState:
			if !states[j] && j != "US-GU" && j != "US-VI" && j != "US-PR" {
				t.Errorf("%s has no shape on the US map", j)
			}
		}
	}
	if !states["US-MN"] || len(states) < 51 {
		t.Errorf("%d states on the US map", len(states))
	}
}

// BenchmarkBuild measures building the whole report of the embedded
// default, which palermo serve does once per indicator snapshot.
func BenchmarkBuild(b *testing.B) {
	snap, _ := embeddedSite(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(snap, metrics.Catalogue, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

package e2e

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// exportRows is indicators.csv as palermo serve exports it: the header, and
// each row with its line.
type exportRows struct {
	header string
	rows   []exportRow
}

type exportRow struct {
	indicator, jurisdiction, period, status, source, line string
	value                                                 float64
	hasValue                                              bool
}

func (e *exportRows) published(r exportRow) bool {
	return (r.status == "ok" || r.status == "unstable") && r.hasValue
}

func readExport(t *testing.T, base string) *exportRows {
	t.Helper()
	body, err := httpGet(base + "/exports/indicators.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	out := &exportRows{header: lines[0]}
	for _, line := range lines[1:] {
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil {
			t.Fatalf("indicators.csv: %v: %s", err, line)
		}
		r := exportRow{indicator: rec[0], jurisdiction: rec[1], period: rec[2], status: rec[7], source: rec[9], line: line}
		if rec[3] != "" {
			r.value, _ = strconv.ParseFloat(rec[3], 64)
			r.hasValue = true
		}
		out.rows = append(out.rows, r)
	}
	return out
}

// count is the number of published and withheld rows of an indicator for
// these jurisdictions, or for all of them when none is named.
func (e *exportRows) count(indicator string, js ...string) (published, withheld int) {
	for _, r := range e.rows {
		if r.indicator != indicator || len(js) > 0 && !slices.Contains(js, r.jurisdiction) {
			continue
		}
		switch {
		case e.published(r):
			published++
		case r.status == "suppressed" || r.status == "implausible":
			withheld++
		}
	}
	return published, withheld
}

// csvFor is the export's own lines of an indicator for these jurisdictions.
func (e *exportRows) csvFor(indicator string, js ...string) string {
	out := []string{e.header}
	for _, r := range e.rows {
		if r.indicator == indicator && slices.Contains(js, r.jurisdiction) {
			out = append(out, r.line)
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// browser starts headless Chromium (Debian package chromium) with the flags
// this closed network needs, and collects every console error, uncaught
// exception and browser-log error (a failed load among them) of the pages
// it opens.
func browser(t *testing.T) (context.Context, *console) {
	t.Helper()
	exe := tool(t, "chromium", "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 1000))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	c := &console{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				c.mu.Lock()
				c.errors = append(c.errors, m.String()+" "+m.URL)
				c.mu.Unlock()
			}
		}
	}()
	return ctx, c
}

// console holds the errors the pages wrote since the last look.
type console struct {
	mu     sync.Mutex
	errors []string
}

func (c *console) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.errors
	c.errors = nil
	return out
}

// open loads a page and waits until its scripts have drawn it.
func open(t *testing.T, ctx context.Context, c *console, u string) {
	t.Helper()
	wait, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(wait, chromedp.Navigate(u), chromedp.WaitReady(chromedp.CSS(`body[data-ready]`)))
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	if ready := eval[string](t, ctx, `document.body.dataset.ready`); ready != "true" {
		t.Errorf("%s: the page says %q, not ready", u, ready)
	}
	time.Sleep(50 * time.Millisecond) // let the last console events arrive
	if errs := c.take(); len(errs) > 0 {
		t.Errorf("%s:\n%s", u, strings.Join(errs, "\n"))
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// chartState is what a drawn chart shows.
type chartState struct {
	Indicator string   `json:"indicator"`
	Marks     int      `json:"marks"`
	Held      int      `json:"held"`
	YDomain   []string `json:"ydomain"`
	Legend    []string `json:"legend"`
}

const chartsJS = `[...document.querySelectorAll("figure.chart")].map(f => ({
  indicator: f.dataset.indicator,
  marks: f.querySelectorAll("g.p-published > *").length,
  held: f.querySelectorAll("g.p-withheld > *").length,
  ydomain: (f.dataset.ydomain || "").split(","),
  legend: [...f.querySelectorAll("[class$=-swatch]")].map(s => s.textContent.trim()),
}))`

// TestReportInBrowser drives headless Chromium over the report that
// palermo serve serves on the embedded default: pages load without errors,
// every chart draws one mark per published row of the export, counts and
// shares never get a negative axis, the comparison and the ranking show
// the export's values, the map shades one country per ranked country, and
// the CSV download equals the export's lines. With PALERMO_SCREENSHOTS=DIR
// it also writes the screenshots of docs/screenshots into DIR.
func TestReportInBrowser(t *testing.T) {
	ctx, problems := browser(t)
	bin := build(t)
	port := freePort(t)
	p := start(t, bin, "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", t.TempDir())
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor(t, "palermo /readyz", 90*time.Second, p, func() bool { return httpStatus(base+"/readyz") == 200 })
	ex := readExport(t, base)
	units := map[string]string{}
	for _, r := range ex.rows {
		units[r.indicator] = ""
	}
	catalogue, err := httpGet(base + "/exports/catalogue.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(catalogue)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[1:] {
		units[rec[0]] = rec[6] + "/" + rec[7] // unit/short_unit
	}

	checkCharts := func(page string, js ...string) []chartState {
		t.Helper()
		charts := eval[[]chartState](t, ctx, chartsJS)
		if len(charts) == 0 {
			t.Fatalf("%s: no chart", page)
		}
		for _, c := range charts {
			pub, held := ex.count(c.Indicator, js...)
			if c.Marks != pub || c.Held != held {
				t.Errorf("%s %s: %d marks and %d withheld, the export has %d published and %d withheld rows",
					page, c.Indicator, c.Marks, c.Held, pub, held)
			}
			lo, err := strconv.ParseFloat(c.YDomain[0], 64)
			if err != nil || !strings.HasPrefix(units[c.Indicator], "pp/") && lo < 0 {
				t.Errorf("%s %s (%s): y axis from %v", page, c.Indicator, units[c.Indicator], c.YDomain)
			}
		}
		return charts
	}

	// The index: the world first, every page linked.
	open(t, ctx, problems, base+"/report/")
	first := eval[string](t, ctx, `document.querySelector("ul.jurisdictions a").textContent`)
	if first != "World" {
		t.Errorf("the index starts with %q, want World", first)
	}

	// Jurisdiction pages, alone.
	for _, j := range []string{"WLD", "USA", "US-MN", "US-NY", "GBR", "TIP-EUR"} {
		open(t, ctx, problems, base+"/report/"+j+"/")
		checkCharts(j, j)
	}

	// A state compared with the country, asked for in lower case: the URL
	// is corrected and keeps the comparison; every chart shows both.
	open(t, ctx, problems, base+"/report/us-mn/?compare=usa")
	if u := eval[string](t, ctx, `location.pathname + location.search`); u != "/report/US-MN/?compare=USA" {
		t.Errorf("the page is at %s", u)
	}
	checkCharts("US-MN compared with USA", "US-MN", "USA")
	if chips := eval[[]string](t, ctx, `[...document.querySelectorAll(".chip")].map(c => c.dataset.code)`); !slices.Equal(chips, []string{"USA"}) {
		t.Errorf("the picker shows %v", chips)
	}

	// Adding a jurisdiction with the picker redraws every chart and keeps
	// the choice in the URL.
	err = chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`.picker input`), "germany"),
		chromedp.Click(chromedp.CSS(`.picker button`)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for eval[string](t, ctx, `location.search`) != "?compare=USA,DEU" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if u := eval[string](t, ctx, `location.search`); u != "?compare=USA,DEU" {
		t.Errorf("after adding Germany the URL keeps %q", u)
	}
	checkCharts("US-MN compared with USA and DEU", "US-MN", "USA", "DEU")

	// Every indicator page with its default jurisdictions.
	var ids []string
	for _, rec := range recs[1:] {
		if pub, held := ex.count(rec[0]); pub+held > 0 {
			ids = append(ids, rec[0])
		}
	}
	for _, id := range ids {
		open(t, ctx, problems, base+"/report/indicators/"+id+"/")
		js := eval[[]string](t, ctx, `[...document.querySelectorAll(".chip")].map(c => c.dataset.code)`)
		if len(js) == 0 {
			t.Errorf("%s: the chart starts with no jurisdiction", id)
			continue
		}
		checkCharts(id, js...)
		checkRanking(t, ctx, ex, id)
	}

	// A comparison of four countries: the legend names them, the marks are
	// their rows, the CSV download is the export's lines for them.
	four := []string{"USA", "GBR", "DEU", "NLD"}
	compare := base + "/report/indicators/detected_victims_per_100k/?j=" + strings.Join(four, ",")
	open(t, ctx, problems, compare)
	charts := checkCharts("comparison", four...)
	if want := []string{"United States", "United Kingdom of Great Britain and Northern Ireland", "Germany", "Netherlands (Kingdom of the)"}; !slices.Equal(charts[0].Legend, want) {
		t.Errorf("the comparison's legend is %v, want %v", charts[0].Legend, want)
	}
	got := eval[string](t, ctx, `fetch(document.querySelector("#compare a.csv").href).then(r => r.text())`)
	if want := ex.csvFor("detected_victims_per_100k", four...); got != want {
		t.Errorf("the chart's CSV download differs from the export:\n got %.300q\nwant %.300q", got, want)
	}
	checkRanking(t, ctx, ex, "detected_victims_per_100k")
	if n := eval[int](t, ctx, `document.querySelectorAll("#map-world g.p-map-value > path").length`); n < 100 {
		t.Errorf("the world map shades %d countries", n)
	}

	// The US map of a state indicator.
	open(t, ctx, problems, base+"/report/indicators/minor_prostitution_arrests_per_100k_minors/")
	if n := eval[int](t, ctx, `document.querySelectorAll("#map-us g.p-map-value > path").length`); n < 30 {
		t.Errorf("the US map shades %d states", n)
	}

	// The operations, one row each, with the CSV the export has.
	open(t, ctx, problems, base+"/report/operations/")
	ops, _ := httpGet(base + "/exports/operations.csv")
	opRecs, _ := csv.NewReader(strings.NewReader(ops)).ReadAll()
	if n := eval[int](t, ctx, `document.querySelectorAll("table.operations tbody tr").length`); n != len(opRecs)-1 {
		t.Errorf("the operations page has %d rows, operations.csv %d", n, len(opRecs)-1)
	}
	if got := eval[string](t, ctx, `fetch(document.querySelector(".downloads a").href).then(r => r.text())`); got != ops {
		t.Error("the operations download differs from the export's operations.csv")
	}

	if dir := os.Getenv("PALERMO_SCREENSHOTS"); dir != "" {
		screenshots(t, ctx, problems, base, dir)
	}
}

// checkRanking: the ranking lists exactly the export's published rows of
// the chosen period and source, with their values, ordered by the
// indicator's direction, and the maps shade one area per ranked area.
func checkRanking(t *testing.T, ctx context.Context, ex *exportRows, id string) {
	t.Helper()
	type ranked struct {
		Period, Source string
		Rows           [][2]string
		Dir            string
		World, US      int
	}
	r := eval[ranked](t, ctx, `({
  Period: document.getElementById("period").value,
  Source: document.getElementById("source").value,
  Rows: [...document.querySelectorAll("#ranking tbody tr")].map(tr => [tr.dataset.jurisdiction, tr.dataset.value]),
  Dir: palermo.m.indicators[`+strconv.Quote(id)+`].dir,
  World: document.querySelectorAll("#map-world g.p-map-value > path").length,
  US: document.querySelectorAll("#map-us g.p-map-value > path").length,
})`)
	want := map[string]float64{}
	for _, row := range ex.rows {
		if row.indicator == id && row.period == r.Period && row.source == r.Source && ex.published(row) {
			want[row.jurisdiction] = row.value
		}
	}
	if len(r.Rows) != len(want) {
		t.Errorf("%s %s %s: the ranking has %d rows, the export %d", id, r.Period, r.Source, len(r.Rows), len(want))
	}
	countries, states := 0, 0
	prev := 0.0
	for i, row := range r.Rows {
		v, _ := strconv.ParseFloat(row[1], 64)
		if w, ok := want[row[0]]; !ok || w != v {
			t.Errorf("%s %s: ranking shows %s = %v, the export %v", id, r.Period, row[0], v, w)
		}
		if i > 0 && (r.Dir == "down" && v < prev || r.Dir != "down" && v > prev) {
			t.Errorf("%s: the ranking is not ordered by its direction (%s) at %s", id, r.Dir, row[0])
		}
		prev = v
		switch {
		case strings.HasPrefix(row[0], "US-"):
			if !slices.Contains([]string{"US-AS", "US-GU", "US-MP", "US-PR", "US-VI"}, row[0]) { // not on the Albers USA map
				states++
			}
		case len(row[0]) == 3 && row[0] != "WLD":
			countries++
		}
	}
	if r.World != countries || r.US != states {
		t.Errorf("%s: the maps shade %d countries and %d states, the ranking has %d and %d", id, r.World, r.US, countries, states)
	}
}

// screenshots writes the pictures of docs/screenshots: the world page, a
// country compared with others, a state, a comparison chart and a map.
func screenshots(t *testing.T, ctx context.Context, problems *console, base, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := func(name, u, sel string) {
		t.Helper()
		open(t, ctx, problems, u)
		b, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shot("world.png", base+"/report/WLD/", "section.indicator")
	shot("country-usa.png", base+"/report/USA/?compare=GBR,DEU", "#convictions_per_identified_victim")
	shot("state-minnesota.png", base+"/report/US-MN/", "#child_sex_trafficking_victims_recorded")
	shot("comparison.png", base+"/report/indicators/detected_victims_per_100k/?j=USA,GBR,DEU,NLD", "#compare")
	shot("map-world.png", base+"/report/indicators/detected_victims_per_100k/?j=USA,GBR,DEU,NLD", "#map-world")
	shot("map-us.png", base+"/report/indicators/minor_prostitution_arrests_per_100k_minors/", "#map-us")
}

package report

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"testing"

	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/sources/sourcestest"
)

func embeddedSnapshot(t *testing.T) *metrics.Snapshot {
	t.Helper()
	snap, err := metrics.Compute(context.Background(), sourcestest.Sets(t), metrics.Catalogue, metrics.DefaultPrivacy, sourcestest.Now)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestWorldReport: the world page has a chart per indicator with values,
// each a valid PNG, with direction, caveats and source lines under it, and
// a scorecard with the latest values; never a composite score.
func TestWorldReport(t *testing.T) {
	snap := embeddedSnapshot(t)
	page, err := Render(snap, metrics.Catalogue, "WLD")
	if err != nil {
		t.Fatal(err)
	}
	html := string(page.HTML)
	for _, want := range []string{
		"Is anti-trafficking enforcement victim-centred? WLD: World",
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
		"data:image/png;base64,",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(html), "composite") && !strings.Contains(html, "There is no composite score") {
		t.Error("the report mentions a composite score")
	}
	if len(page.Charts) != 5 {
		t.Errorf("%d charts, want 5 (the indicators with world values)", len(page.Charts))
	}
	for id, b := range page.Charts {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if img.Bounds().Dx() < 400 {
			t.Fatalf("%s: chart %d px wide", id, img.Bounds().Dx())
		}
	}
}

// TestSuppressedNeverCharted: Minnesota 2018's suppressed victim and
// arrest counts appear in no chart and no scorecard; a published count
// (its children arrested: 0) does.
func TestSuppressedNeverCharted(t *testing.T) {
	snap := embeddedSnapshot(t)
	page, err := Render(snap, metrics.Catalogue, "US-MN")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := page.Charts["child_sex_trafficking_victims_recorded"]; ok {
		t.Error("a suppressed victim count was charted")
	}
	if _, ok := page.Charts["prostitution_buying_arrests"]; ok {
		t.Error("a suppressed arrest count (3 buyers) was charted")
	}
	if _, ok := page.Charts["minor_prostitution_arrests"]; !ok {
		t.Error("the published count of children arrested has no chart")
	}
	if len(Jurisdictions(snap)) < 100 {
		t.Errorf("%d jurisdictions with values", len(Jurisdictions(snap)))
	}
	idx := string(Index(snap, []string{"US-MN", "WLD"}))
	if !strings.Contains(idx, `href="WLD/index.html"`) {
		t.Error("the index does not link the pages")
	}
}

// TestStateReportShowsCoverage: a state's rate of children arrested is shown
// with the coverage of the agencies it rests on, and its sources with their
// kinds.
func TestStateReportShowsCoverage(t *testing.T) {
	page, err := Render(embeddedSnapshot(t), metrics.Catalogue, "US-NY")
	if err != nil {
		t.Fatal(err)
	}
	html := string(page.HTML)
	for _, want := range []string{
		"Children arrested for prostitution per 100,000 children",
		"(2021, unstable; reporting agencies cover 17% of the population)",
		"fbi_arrests_state (primary;secondary): ",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the New York page lacks %q", want)
		}
	}
}

// TestScorecardOrdersPeriodsByTime: CBP's actions of FY2024 (to September
// 2024) come before those of the quarter October-December 2024, which is
// the latest value, and the trend runs from FY2024 to it; as strings the
// two would sort the other way round.
func TestScorecardOrdersPeriodsByTime(t *testing.T) {
	snap := embeddedSnapshot(t)
	page, err := Render(snap, metrics.Catalogue, "USA")
	if err != nil {
		t.Fatal(err)
	}
	html := string(page.HTML)
	i := strings.Index(html, "forced_labour_import_actions")
	if i < 0 {
		t.Fatal("no forced_labour_import_actions section")
	}
	section := html[i:]
	if j := strings.Index(section[1:], "<h2"); j > 0 {
		section = section[:j+1]
	}
	if !strings.Contains(section, "2024-10..2024-12") || !strings.Contains(section, "since FY2024") {
		t.Errorf("the scorecard does not read the quarter as the latest, after FY2024:\n%s", section)
	}
}

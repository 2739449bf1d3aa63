package metrics

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/palermo-project/palermo/internal/testutil"
	"github.com/palermo-project/palermo/sources"
	"github.com/palermo-project/palermo/sources/sourcestest"
)

// embeddedSets parses every source's embedded snapshot, with a checked
// allocator that must end with zero bytes outstanding.
func embeddedSets(t *testing.T) []*sources.TableSet { return sourcestest.Sets(t) }

var fixedNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func computeEmbedded(t *testing.T) *Snapshot {
	t.Helper()
	snap, err := Compute(context.Background(), embeddedSets(t), Catalogue, DefaultPrivacy, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Exports, err = Render(snap, Catalogue); err != nil {
		t.Fatal(err)
	}
	return snap
}

func find(t *testing.T, snap *Snapshot, id, jur, period, source string) Row {
	t.Helper()
	for _, r := range snap.Rows {
		if r.Indicator.ID == id && r.Jurisdiction == jur && r.Period == period && r.Source == source {
			return r
		}
	}
	t.Fatalf("no row %s %s %s %s", id, jur, period, source)
	return Row{}
}

// TestEmbeddedFigures checks figures a reader can verify against the
// published sources.
func TestEmbeddedFigures(t *testing.T) {
	snap := computeEmbedded(t)
	f := func(id, jur, period, source string, num, den float64, value float64, status Status, reason string) {
		t.Helper()
		r := find(t, snap, id, jur, period, source)
		if r.Status != status || r.Reason != reason {
			t.Errorf("%s %s %s: status %s/%q, want %s/%q", id, jur, period, r.Status, r.Reason, status, reason)
		}
		if status == StatusSuppressed || status == StatusNoData {
			if r.Value != nil {
				t.Errorf("%s %s %s: %s row carries value %v", id, jur, period, status, *r.Value)
			}
			return
		}
		if num >= 0 && (r.Numerator == nil || *r.Numerator != num) {
			t.Errorf("%s %s %s: numerator %v, want %v", id, jur, period, r.Numerator, num)
		}
		if den >= 0 && (r.Denominator == nil || *r.Denominator != den) {
			t.Errorf("%s %s %s: denominator %v, want %v", id, jur, period, r.Denominator, den)
		}
		if r.Value == nil || math.Abs(*r.Value-value) > 0.05 {
			t.Errorf("%s %s %s: value %v, want %v", id, jur, period, r.Value, value)
		}
	}
	// TIP 2024 edition, data year 2023.
	f("convictions_per_identified_victim", "WLD", "2023", "tip_global:2024", 7115, 133943, 0.053, StatusOK, "")
	f("labour_share_prosecutions_ratio", "WLD", "2023", "tip_global:2024", 3684, 18774, 0.196, StatusOK, "")
	f("labour_share_victims_identified_ratio", "WLD", "2023", "tip_global:2024", 42098, 133943, 0.314, StatusOK, "")
	f("labour_share_convictions_ratio", "WLD", "2023", "tip_global:2024", 1256, 7115, 0.177, StatusOK, "")
	// The labour prosecution gap: 19.6% - 31.4% = -11.8 pp (2023); 5.0% - 24.7% = -19.7 pp (2017).
	f("labour_prosecution_gap_pp", "WLD", "2023", "tip_global:2024", -1, -1, -11.8, StatusOK, "")
	f("labour_prosecution_gap_pp", "WLD", "2017", "tip_global:2024", -1, -1, -19.7, StatusOK, "")
	// Scorecard Diplomacy's compilation fills TIP data years palermo's
	// curated file lacks: 2008, 2,983 convictions for 30,961 victims; 2011,
	// labour 456 of 7,907 prosecutions and 15,205 of 42,291 victims.
	f("convictions_per_identified_victim", "WLD", "2008", "tip_scorecard", 2983, 30961, 0.0963, StatusOK, "")
	f("labour_prosecution_gap_pp", "WLD", "2011", "tip_scorecard", -1, -1, 456.0/7907*100-15205.0/42291*100, StatusOK, "")
	// UNODC, United States 2022: 256 convicted, 310 prosecuted, 16,390 victims detected.
	f("convictions_per_identified_victim", "USA", "2022", "unodc_glotip", 256, 16390, 0.0156, StatusOK, "")
	f("prosecutions_per_detected_victim", "USA", "2022", "unodc_glotip", 310, 16390, 0.0189, StatusOK, "")
	// UNODC "Other forms" convictions for the USA are "<5": a labour share of
	// convictions is computable (8 of 256), and the censored part is not used.
	f("labour_share_convictions_ratio", "USA", "2022", "unodc_glotip", 8, 256, 0.031, StatusOK, "")
	// OCC II (2008): 47 children recovered, 642 arrests of all kinds; minors only.
	f("operation_victims_per_arrest", "USA", "2008", "fbi_operations", 47, 642, 0.073, StatusOK, "minors_only")
	// Operation Independence Day (2019): 103 juveniles, 67 suspected traffickers.
	f("operation_minors_per_trafficker_arrest", "USA", "2019", "fbi_operations", 103, 67, 1.537, StatusOK, "")
	// T visa principal approvals over decisions: FY2005 113/434, FY2009 313/390.
	f("t_visa_approval_ratio", "USA", "FY2005", "us_immigration_relief", 113, 434, 0.26, StatusOK, "")
	f("t_visa_approval_ratio", "USA", "FY2009", "us_immigration_relief", 313, 390, 0.80, StatusOK, "")
	// Continued Presence per HHS certification letter to foreign adults, FY2014: 130/530.
	f("continued_presence_per_certified_adult", "USA", "FY2014", "us_immigration_relief", 130, 530, 0.25, StatusOK, "")
	// HTI: 5 of 183 new federal criminal cases in 2022 were forced labour.
	// The 2023 report revised the 183 to 203, without a labour count: that
	// edition's row has no data.
	f("labour_share_new_federal_cases_ratio", "USA", "2022", "us_federal_prosecutions:FHTR-2022", 5, 183, 0.027, StatusOK, "")
	f("labour_share_new_federal_cases_ratio", "USA", "2022", "us_federal_prosecutions:FHTR-2023", -1, -1, 0, StatusNoData, ReasonMissingInput)
	// OCC XIII (2023): 59 minors per 68 suspects of trafficking "identified
	// or arrested", which are not arrests only.
	f("operation_minors_per_trafficker_arrest", "USA", "2023", "fbi_operations", 59, 68, 0.868, StatusOK, ReasonIdentifiedOrArrested)
	// CBP, FY2024: 1 Withhold Release Order and 0 Findings.
	f("forced_labour_import_actions", "USA", "FY2024", "cbp_forced_labor", 1, -1, 1, StatusOK, "")
	// NIBRS Minnesota 2018: the 5 child victims of 64A offences are withheld,
	// and so is every ratio built on them; arrest counts are published.
	f("child_sex_trafficking_victims_recorded", "US-MN", "2018", "fbi_nibrs", -1, -1, 0, StatusSuppressed, ReasonMinCell)
	f("ht_victims_recorded", "US-MN", "2018", "fbi_nibrs", -1, -1, 0, StatusSuppressed, ReasonMinCell)
	f("minor_arrests_per_child_victim", "US-MN", "2018", "fbi_nibrs", -1, -1, 0, StatusSuppressed, ReasonMinCell)
	f("minor_prostitution_arrests", "US-MN", "2018", "fbi_nibrs", 0, -1, 0, StatusOK, "")
	// Arrestees are people too: 2 trafficking arrests and 3 buying arrests
	// (counted from records) are withheld, and so is the ratio on them.
	f("ht_arrests", "US-MN", "2018", "fbi_nibrs", -1, -1, 0, StatusSuppressed, ReasonMinCell)
	f("prostitution_buying_arrests", "US-MN", "2018", "fbi_nibrs", -1, -1, 0, StatusSuppressed, ReasonMinCell)
	f("prostitution_arrests_per_ht_arrest", "US-MN", "2018", "fbi_nibrs", -1, -1, 0, StatusSuppressed, ReasonMinCell)
	// Massachusetts 2019 (NIBRS_ARRESTEE_MA.csv): 304 arrests for 40A,
	// shown rounded down to 300; 6 for 64A/64B, withheld.
	f("prostitution_selling_arrests", "US-MA", "2019", "fbi_nibrs", 300, -1, 300, StatusOK, "")
	f("ht_arrests", "US-MA", "2019", "fbi_nibrs", -1, -1, 0, StatusSuppressed, ReasonMinCell)
	// FBI national juvenile arrests for prostitution (ASR), by race: 231 of
	// the 408 juveniles of the four reported races in 2016 were Black; 321
	// of 1,016 in 1994.
	f("minor_prostitution_arrests_black_share_ratio", "USA", "2016", "fbi_juvenile_arrests", 231, 408, 0.566, StatusOK, "")
	f("minor_prostitution_arrests_black_share_ratio", "USA", "1994", "fbi_juvenile_arrests", 321, 1016, 0.316, StatusOK, "")
	// FBI Human Trafficking tables, the jurisdictions listed added up: 2016,
	// 654 of 1,196 offences cleared; 56 of the 973 people arrested were
	// minors (shown rounded down to tens, as counts of people are).
	f("ht_offences_cleared_ratio", "USA", "2016", "fbi_ht_tables", 654, 1196, 0.547, StatusOK, "")
	f("ht_arrests_juvenile_share_ratio", "USA", "2016", "fbi_ht_tables", 50, 970, 56.0/973, StatusOK, "")
	// Most releases give traffickers or all arrests, never both: no_data.
	f("operation_trafficker_arrest_ratio", "USA", "2013", "fbi_operations", -1, -1, 0, StatusNoData, ReasonMissingInput)

	// What each value rests on: the FBI's own release, a TV station's page,
	// USCIS figures read only on an immigration-law page, and UNODC's file.
	for _, c := range []struct {
		id, jur, period, source string
		kind                    PageKinds
	}{
		{"operation_victims_per_arrest", "USA", "2008", "fbi_operations", PagePrimary},
		{"operation_minors_per_trafficker_arrest", "USA", "2023", "fbi_operations", PageSecondary},
		{"t_visa_approval_ratio", "USA", "FY2005", "us_immigration_relief", PageSecondary},
		{"convictions_per_identified_victim", "USA", "2022", "unodc_glotip", PagePrimary},
	} {
		if r := find(t, snap, c.id, c.jur, c.period, c.source); r.SourceKind != c.kind {
			t.Errorf("%s %s %s %s: source_kind %s, want %s", c.id, c.jur, c.period, c.source, r.SourceKind, c.kind)
		}
	}
}

// TestCensoredNeverPublished: wherever an input is "<5" at source, the row
// is suppressed with reason censored_at_source, never computed as 0 or 5.
func TestCensoredNeverPublished(t *testing.T) {
	snap := computeEmbedded(t)
	// AGO 2018: convictions "<5" in the UNODC file.
	r := find(t, snap, "convictions_per_identified_victim", "AGO", "2018", "unodc_glotip")
	if r.Status != StatusSuppressed || r.Reason != ReasonCensoredAtSource || r.Value != nil || r.Numerator != nil {
		t.Fatalf("AGO 2018 = %+v, want suppressed/censored_at_source with no numbers", r)
	}
	var n int
	for _, r := range snap.Rows {
		if r.Reason == ReasonCensoredAtSource {
			n++
			if r.Status != StatusSuppressed || r.Value != nil || r.Numerator != nil || r.Denominator != nil {
				t.Fatalf("%s %s %s: censored row published %+v", r.Indicator.ID, r.Jurisdiction, r.Period, r)
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d censored rows; the UNODC file has 29,558 '<5' cells", n)
	}
}

// TestCSVContract checks indicators.csv against the contract and against a
// reviewed golden file.
func TestCSVContract(t *testing.T) {
	snap := computeEmbedded(t)
	recs, err := csv.NewReader(bytes.NewReader(snap.Exports.CSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "indicator,jurisdiction,period,value,numerator,denominator,unit,status,status_reason,source,source_url,retrieved_at,source_kind,coverage" {
		t.Fatalf("header = %s", got)
	}
	seen := map[string]bool{}
	prev := ""
	for i, rec := range recs[1:] {
		key := strings.Join([]string{rec[0], rec[1], rec[2], rec[9]}, "\x00")
		if seen[key] {
			t.Fatalf("line %d: duplicate key %v", i+2, rec[:3])
		}
		seen[key] = true
		if key < prev {
			t.Fatalf("line %d: not sorted by indicator, jurisdiction, period, source", i+2)
		}
		prev = key
		// Every row says what it rests on, and a row citing a reproduction
		// is never primary.
		switch kind := rec[12]; kind {
		case "primary", "secondary", "primary;secondary":
			for _, u := range strings.Fields(rec[10]) {
				if sources.PageKind(u) == sources.KindSecondary && kind == "primary" {
					t.Fatalf("line %d: primary row cites the secondary page %s", i+2, u)
				}
			}
		default:
			t.Fatalf("line %d: source_kind %q", i+2, kind)
		}
		switch rec[7] {
		case "ok", "unstable":
			if rec[3] == "" {
				t.Fatalf("line %d: %s row without a value", i+2, rec[7])
			}
			for _, u := range strings.Fields(rec[10]) {
				if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
					t.Fatalf("line %d: source_url %q is not http(s)", i+2, u)
				}
			}
			if rec[10] == "" || rec[11] == "" {
				t.Fatalf("line %d: published row without source_url or retrieved_at", i+2)
			}
		case "suppressed":
			if rec[3] != "" || rec[4] != "" || rec[5] != "" {
				t.Fatalf("line %d: suppressed row shows numbers %v", i+2, rec[3:6])
			}
			if rec[8] == "" {
				t.Fatalf("line %d: suppressed row without status_reason", i+2)
			}
		case "no_data":
			if rec[3] != "" || rec[8] == "" {
				t.Fatalf("line %d: no_data row %v", i+2, rec)
			}
		case "implausible":
			if rec[3] != "" || rec[4] != "" || rec[5] != "" || rec[8] != "part_exceeds_total" && rec[8] != "copied_cells" {
				t.Fatalf("line %d: implausible row %v", i+2, rec)
			}
		default:
			t.Fatalf("line %d: status %q", i+2, rec[7])
		}
	}
	golden(t, "testdata/indicators.golden.csv", snap.Exports.CSV)
}

func golden(t *testing.T, path string, got []byte) { testutil.Golden(t, path, got) }

// TestPublishRules checks the privacy and reliability rules on raw results.
func TestPublishRules(t *testing.T) {
	victimRatio := &Indicator{ID: "v", Unit: UnitRatio, PrivacyClass: VictimCount}
	victimCount := &Indicator{ID: "c", Unit: UnitCount, PrivacyClass: VictimCount}
	official := &Indicator{ID: "o", Unit: UnitRatio, PrivacyClass: OfficialAggregate}
	p := Privacy{MinCell: 10, RoundBase: 10, UnstableBelow: 20}
	res := func(num, den float64) Result {
		r := Result{Num: &num, Den: &den, URLs: []string{"https://example.org/a"}}
		if den != 0 {
			v := num / den
			r.Value = &v
		}
		return r
	}
	f := func(name string, ind *Indicator, r Result, status Status, reason string, value *float64) {
		t.Helper()
		row := publish(ind, r, p)
		if row.Status != status || row.Reason != reason {
			t.Fatalf("%s: got %s/%q, want %s/%q", name, row.Status, row.Reason, status, reason)
		}
		switch {
		case value == nil && row.Value != nil:
			t.Fatalf("%s: value %v, want none", name, *row.Value)
		case value != nil && (row.Value == nil || *row.Value != *value):
			t.Fatalf("%s: value %v, want %v", name, row.Value, *value)
		}
	}
	v := func(x float64) *float64 { return &x }
	f("official passes through small counts", official, res(3, 40), StatusOK, "", v(0.075))
	f("official small denominator is unstable", official, res(3, 6), StatusUnstable, ReasonSmallDenominator, v(0.5))
	f("derived victim count 1..9 suppressed", victimRatio, res(5, 60), StatusSuppressed, ReasonMinCell, nil)
	f("derived victim denominator 1..9 suppressed", victimRatio, res(12, 6), StatusSuppressed, ReasonMinCell, nil)
	// A difference of shares rests on four counts of people: any of them
	// at 1..9 withholds it; zeros do not.
	gap := &Indicator{ID: "g", Unit: UnitPP, PrivacyClass: VictimCount}
	gapRes := func(counts ...float64) Result {
		r := Result{Value: v(-12.5), URLs: []string{"https://example.org/a"}}
		for _, c := range counts {
			r.Counts = append(r.Counts, v(c))
		}
		return r
	}
	f("gap on a count of 3 suppressed", gap, gapRes(40, 300, 3, 12), StatusSuppressed, ReasonMinCell, nil)
	f("gap on counts of 0 and 10+ published", gap, gapRes(40, 300, 0, 12), StatusOK, "", v(-12.5))
	f("gap counts are not a victim rule for official figures", official, Result{Value: v(-12.5), Counts: []*float64{v(3)}, URLs: []string{"https://example.org/a"}}, StatusOK, "", v(-12.5))
	f("derived zero is published", victimRatio, res(0, 40), StatusOK, "", v(0))
	f("derived ten is published", victimRatio, res(10, 40), StatusOK, "", v(0.25))
	f("derived count rounded down to the base", victimCount, Result{Num: v(37), Value: v(37)}, StatusOK, "", v(30))
	rounded := publish(victimRatio, res(23, 47), Privacy{MinCell: 10, RoundBase: 10, UnstableBelow: 20})
	if *rounded.Numerator != 20 || *rounded.Denominator != 40 || *rounded.Value != 23.0/47 {
		t.Fatalf("derived ratio: numerator %v, denominator %v, value %v; want 20, 40 and the exact 23/47", *rounded.Numerator, *rounded.Denominator, *rounded.Value)
	}
	f("zero denominator", official, res(3, 0), StatusNoData, ReasonZeroDenominator, nil)
	censored := res(3, 40)
	censored.Censored = true
	f("censored at source", official, censored, StatusSuppressed, ReasonCensoredAtSource, nil)
	missing := Result{Missing: "victims_identified"}
	f("missing input", official, missing, StatusNoData, ReasonMissingInput, nil)
	// A censored numerator over a denominator the source does not have:
	// missing, not censored (996 UNODC rows said "censored" before).
	censoredOverAbsent := Result{Missing: "victims_identified", Censored: true, Absent: true}
	f("censored over an absent input", official, censoredOverAbsent, StatusNoData, ReasonMissingInput, nil)
	// A censored input that is itself what is missing stays censored.
	censoredOnly := Result{Missing: "convictions", Censored: true}
	f("censored input, the other present", official, censoredOnly, StatusSuppressed, ReasonCensoredAtSource, nil)
	implausible := res(1238, 79)
	implausible.Implausible = ReasonPartExceedsTotal
	f("part above its total", official, implausible, StatusImplausible, ReasonPartExceedsTotal, nil)
	flagged := res(47, 642)
	flagged.Flags = []string{"minors_only"}
	f("flags kept", official, flagged, StatusOK, "minors_only", v(47.0/642))
}

// TestCatalogue checks that every entry is complete and names either its
// formula's sources or the data it lacks.
func TestCatalogue(t *testing.T) {
	ids := map[string]bool{}
	scored, context := 0, 0
	for _, ind := range Catalogue {
		if ids[ind.ID] {
			t.Errorf("%s: duplicate id", ind.ID)
		}
		ids[ind.ID] = true
		if ind.Title == "" || ind.Question == "" || ind.Numerator == "" || ind.Unit == "" || len(ind.DescriptionKey) == 0 || len(ind.Principles) == 0 || ind.PrivacyClass == "" {
			t.Errorf("%s: incomplete entry", ind.ID)
		}
		switch ind.Direction {
		case Up, Down, Neutral:
		default:
			t.Errorf("%s: direction %q", ind.ID, ind.Direction)
		}
		for _, p := range ind.Principles {
			if _, ok := principleText(p); !ok {
				t.Errorf("%s: principle %s is not one of Principles", ind.ID, p)
			}
		}
		if ind.HasData() == (ind.MissingData != "") {
			t.Errorf("%s: an entry has either a formula or names its missing data", ind.ID)
		}
		if ind.HasData() {
			for _, s := range ind.Sources {
				if _, ok := sources.Lookup(s); !ok {
					t.Errorf("%s: unknown source %s", ind.ID, s)
				}
			}
		}
		switch {
		case ind.Context:
			context++
		case ind.ComponentOf == "":
			scored++
		}
	}
	if scored != 30 || context != 2 {
		t.Errorf("catalogue has %d scored and %d context indicators, want 30 and 2 (change the count with the catalogue)", scored, context)
	}
	// Every formula is evaluated over the shipped data, so that its rows
	// are in the golden file: a new indicator without data to test it on
	// fails here.
	rows := map[string]int{}
	for _, r := range computeEmbedded(t).Rows {
		rows[r.Indicator.ID]++
	}
	for _, ind := range Catalogue {
		if ind.HasData() && rows[ind.ID] == 0 {
			t.Errorf("%s has a formula but no row over the embedded snapshots: ship or name the data it is tested on", ind.ID)
		}
	}
}

// TestDocsUpToDate regenerates docs/indicators.md from the catalogue.
func TestDocsUpToDate(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteDocs(&buf, Catalogue); err != nil {
		t.Fatal(err)
	}
	golden(t, "../docs/indicators.md", buf.Bytes())
}

// TestNoShareAboveOne: no published share exceeds 1 on the embedded data;
// UNODC's Nigeria 2022 convictions (1,238 for forced labour of 79 in all:
// the by-form cell copies the victims' cell) are withheld as implausible,
// and the run log names the cells.
func TestNoShareAboveOne(t *testing.T) {
	snap := computeEmbedded(t)
	found := false
	for _, r := range snap.Rows {
		if r.Indicator.Unit == UnitRatio && strings.Contains(r.Indicator.ID, "share") && r.Published() && *r.Value > 1 {
			t.Errorf("%s %s %s published as %v", r.Indicator.ID, r.Jurisdiction, r.Period, *r.Value)
		}
		if r.Indicator.ID == "labour_share_convictions_ratio" && r.Jurisdiction == "NGA" && r.Period == "2022" && r.SourceName == "unodc_glotip" {
			found = true
			if r.Status != StatusImplausible || r.Reason != ReasonPartExceedsTotal || r.Value != nil || r.Numerator != nil {
				t.Errorf("NGA 2022 row = %s %s %v", r.Status, r.Reason, r.Value)
			}
		}
	}
	if !found {
		t.Fatal("no NGA 2022 labour share of convictions row")
	}
	want := "labour_share_convictions_ratio NGA 2022 (unodc_glotip): part_exceeds_total, labour convictions 1238 above convictions 79"
	if !slices.Contains(snap.Implausible, want) {
		t.Errorf("the implausible cells are not described as %q", want)
	}
}

// TestUnstableCompanion: every unstable value on /metrics has its
// palermo_indicator_unstable series, so a dashboard can tell it from ok.
func TestUnstableCompanion(t *testing.T) {
	snap := computeEmbedded(t)
	pub := &Publisher{Catalogue: Catalogue}
	if err := pub.Publish(snap); err != nil {
		t.Fatal(err)
	}
	unstable := 0
	for _, r := range snap.Rows {
		if r.Status == StatusUnstable {
			unstable++
			want := fmt.Sprintf(`palermo_indicator_unstable{indicator="%s",jurisdiction="%s",period="%s",reason="%s",source="%s"} 1`, r.Indicator.ID, r.Jurisdiction, r.Period, r.Reason, r.Source)
			if !bytes.Contains(snap.Exposition.Text, []byte(want+"\n")) {
				t.Fatalf("no companion series %s", want)
			}
		}
	}
	if got := bytes.Count(snap.Exposition.Text, []byte("\npalermo_indicator_unstable{")); got != unstable || unstable == 0 {
		t.Fatalf("%d companion series for %d unstable rows", got, unstable)
	}
}

// TestOperationsExport: operations.csv lists each operation with what its
// release gave (OCC II, 2008: 47 children recovered, 642 arrests of all
// kinds, no count of traffickers), how it worded them, and its own page;
// the data package describes it.
func TestOperationsExport(t *testing.T) {
	snap := computeEmbedded(t)
	rows, err := csv.NewReader(bytes.NewReader(snap.Exports.Files["operations.csv"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], OperationsColumns) || len(rows) != len(snap.Operations)+1 || len(rows) < 5 {
		t.Fatalf("header %v, %d rows for %d operations", rows[0], len(rows)-1, len(snap.Operations))
	}
	found := false
	for _, r := range rows[1:] {
		if r[0] == "fbi-operation-cross-country-ii-2008" {
			found = true
			if r[5] != "47" || r[6] != "minors_only" || r[7] != "642" || r[8] != "" || !strings.HasPrefix(r[11], "https://archives.fbi.gov/") || r[12] != "primary" {
				t.Errorf("OCC II: %v", r)
			}
		}
	}
	if !found {
		t.Error("no OCC II row")
	}
	if !bytes.Contains(snap.Exports.DataPackage, []byte(`"path": "operations.csv"`)) {
		t.Error("the data package does not describe operations.csv")
	}
}

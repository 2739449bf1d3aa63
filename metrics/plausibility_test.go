package metrics

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/sources"
)

// unodcLike builds a UNODC-like source of one country-year from cells
// given as measure/form: value (or -1 for "<5").
func unodcLike(t *testing.T, cells map[[2]string]float64) *sources.TableSet {
	t.Helper()
	ob := sources.NewObservationsBuilder(memory.NewGoAllocator())
	defer ob.Release()
	for k, v := range cells {
		o := sources.Observation{Source: "unodc_glotip", Jurisdiction: "NGA", JurisdictionName: "Nigeria", Period: "2022",
			Measure: k[0], Sex: sources.All, AgeGroup: sources.All, Form: k[1],
			SourceURL: "https://dataunodc.un.org/sites/dataunodc.un.org/files/data_glotip.xlsx", SourceKind: sources.KindPrimary}
		if v < 0 {
			o.Censored = "<5"
		} else {
			o.Value = &v
		}
		ob.Append(o)
	}
	rec := ob.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(rec.Schema(), []arrow.RecordBatch{rec})
	return &sources.TableSet{Source: "unodc_glotip", Tables: map[string]arrow.Table{sources.TableObservations: tbl}}
}

// TestPlausibility: a labour share is withheld as implausible when its part
// exceeds its total, and when its by-form cells are a copy of the victims'
// (identical cell for cell, two of them non-zero); otherwise it is computed.
func TestPlausibility(t *testing.T) {
	victims := map[[2]string]float64{
		{"victims_identified", "all"}: 2883, {"victims_identified", "forced_labour"}: 1238,
		{"victims_identified", "sexual_exploitation"}: 1104, {"victims_identified", "other"}: -1,
	}
	with := func(extra map[[2]string]float64) map[[2]string]float64 {
		m := map[[2]string]float64{}
		for k, v := range victims {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name   string
		cells  map[[2]string]float64
		status Status
		reason string
		value  float64
	}{
		// Nigeria 2022 as UNODC's file gives it.
		{"part above total", with(map[[2]string]float64{{"convictions", "all"}: 79, {"convictions", "forced_labour"}: 1238, {"convictions", "sexual_exploitation"}: 1104}),
			StatusImplausible, ReasonPartExceedsTotal, 0},
		// The same copy under a total large enough to hide it.
		{"copied cells under a larger total", with(map[[2]string]float64{{"convictions", "all"}: 2500, {"convictions", "forced_labour"}: 1238, {"convictions", "sexual_exploitation"}: 1104, {"convictions", "other"}: -1}),
			StatusImplausible, ReasonCopiedCells, 0},
		// One cell differs: not a copy.
		{"one cell differs", with(map[[2]string]float64{{"convictions", "all"}: 2500, {"convictions", "forced_labour"}: 1238, {"convictions", "sexual_exploitation"}: 1103}),
			StatusOK, "", 1238.0 / 2500},
		// The censoring differs: not a copy.
		{"censoring differs", with(map[[2]string]float64{{"convictions", "all"}: 2500, {"convictions", "forced_labour"}: 1238, {"convictions", "sexual_exploitation"}: 1104, {"convictions", "other"}: 3}),
			StatusOK, "", 1238.0 / 2500},
		// Only one form in common: too little to tell.
		{"one form only", with(map[[2]string]float64{{"convictions", "all"}: 2500, {"convictions", "forced_labour"}: 1238}),
			StatusOK, "", 1238.0 / 2500},
		// Identical but one non-zero cell: happens by chance in small counts.
		{"one non-zero cell", map[[2]string]float64{
			{"victims_identified", "all"}: 30, {"victims_identified", "forced_labour"}: 0, {"victims_identified", "sexual_exploitation"}: 30,
			{"convictions", "all"}: 40, {"convictions", "forced_labour"}: 0, {"convictions", "sexual_exploitation"}: 30}, StatusOK, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := unodcLike(t, c.cells)
			defer ts.Release()
			snap, err := Compute(context.Background(), []*sources.TableSet{ts}, Catalogue, DefaultPrivacy, time.Unix(0, 0))
			if err != nil {
				t.Fatal(err)
			}
			r := find(t, snap, "labour_share_convictions_ratio", "NGA", "2022", "unodc_glotip")
			if r.Status != c.status || r.Reason != c.reason {
				t.Fatalf("status %s/%q, want %s/%q", r.Status, r.Reason, c.status, c.reason)
			}
			if c.status == StatusImplausible {
				if r.Value != nil || r.Numerator != nil || r.Denominator != nil {
					t.Fatalf("an implausible row carries numbers")
				}
				if len(snap.Implausible) == 0 {
					t.Fatal("the run log would not name the cells")
				}
				return
			}
			if r.Value == nil || *r.Value != c.value {
				t.Fatalf("value %v, want %v", r.Value, c.value)
			}
			// The victims' own share is never taken for the copy.
			if v := find(t, snap, "labour_share_victims_identified_ratio", "NGA", "2022", "unodc_glotip"); v.Status == StatusImplausible {
				t.Fatalf("victims' share withheld: %s", v.Reason)
			}
		})
	}
}

// TestCoveredRate checks the under-18 prostitution arrest rate against a
// computation made independently from the raw files (the compiled FBI
// Table 69 and the Census Vintage 2019 file): arrests / (covered population
// × the state's under-18 share) × 100,000, with the coverage beside it.
func TestCoveredRate(t *testing.T) {
	snap := computeEmbedded(t)
	for _, c := range []struct {
		jur, period    string
		arrests        float64
		rate, coverage float64
		status         Status
		reason         string
	}{
		// California 2013: 205 arrests; the agencies cover 38,284,824,
		// above the civilian 38,104,708, so coverage is whole and the
		// denominator is the state's 9,157,311 under-18s.
		{"US-CA", "2013", 205, 2.2386484416658994, 1, StatusOK, ""},
		// New York 2018: 3 arrests by agencies covering 9,571,301 of
		// 19,505,408 people: 49%, below the threshold.
		{"US-NY", "2018", 3, 0.15018896900327214, 0.490699861289751, StatusUnstable, ReasonLowCoverage},
		// Minnesota 2021: NIBRS-only, a series break.
		{"US-MN", "2021", 0, 0, 0.979632, StatusOK, ReasonSeriesBreak},
	} {
		r := find(t, snap, "minor_prostitution_arrests_per_100k_minors", c.jur, c.period, "fbi_arrests_state")
		if r.Status != c.status || r.Reason != c.reason {
			t.Errorf("%s %s: %s/%q, want %s/%q", c.jur, c.period, r.Status, r.Reason, c.status, c.reason)
		}
		if r.Numerator == nil || *r.Numerator != c.arrests || r.Value == nil || math.Abs(*r.Value-c.rate) > 1e-9 {
			t.Errorf("%s %s: %v arrests, rate %v; want %v, %v", c.jur, c.period, r.Numerator, r.Value, c.arrests, c.rate)
		}
		if r.Coverage == nil || math.Abs(*r.Coverage-c.coverage) > 1e-6 {
			t.Errorf("%s %s: coverage %v, want %v", c.jur, c.period, r.Coverage, c.coverage)
		}
	}
	// Every state and DC has the rate for every year 2013-2021.
	seen := map[string]bool{}
	for _, r := range snap.Rows {
		if r.Indicator.ID == "minor_prostitution_arrests_per_100k_minors" && r.Published() {
			seen[r.Jurisdiction] = true
			if !sources.ValidJurisdiction(r.Jurisdiction) {
				t.Errorf("jurisdiction %q", r.Jurisdiction)
			}
			if *r.Coverage > 1 {
				t.Errorf("%s %s: coverage %v above 1", r.Jurisdiction, r.Period, *r.Coverage)
			}
		}
	}
	if len(seen) < 50 {
		t.Errorf("rates for %d states, want 50 at least", len(seen))
	}
}

// TestDetectedVictimsPerPopulation checks the rate against the raw files:
// UNODC's detected victims over the World Bank's population (as the
// embedded package gives it), per 100,000.
func TestDetectedVictimsPerPopulation(t *testing.T) {
	snap := computeEmbedded(t)
	for _, c := range []struct {
		jur, period         string
		victims, population float64
	}{
		{"USA", "2022", 16390, 334017321}, // World Bank: United States,USA,2022,334017321
		{"NGA", "2022", 2883, 223150896},  // Nigeria,NGA,2022,223150896
	} {
		r := find(t, snap, "detected_victims_per_100k", c.jur, c.period, "unodc_glotip")
		want := c.victims / c.population * 100000
		if r.Status != StatusOK || r.Value == nil || math.Abs(*r.Value-want) > 1e-9 || *r.Numerator != c.victims {
			t.Errorf("%s %s: %s %v (%v victims), want %v", c.jur, c.period, r.Status, r.Value, r.Numerator, want)
		}
		if r.SourceKind != PagePrimary|PageSecondary {
			t.Errorf("%s %s: source_kind %s: UNODC's file is primary, datahub's copy of the World Bank's series secondary", c.jur, c.period, r.SourceKind)
		}
	}
}

// TestRelativeRate checks the Black-White relative rate index of arrests
// for selling sex (NIBRS 40A, 2019) against counts made independently from
// the raw arrestee files (OFFENSE_TYPE_ID 30, RACE_ID 2 and 1) and the ACS
// 2018 populations (DP05_0038E, DP05_0037E).
func TestRelativeRate(t *testing.T) {
	snap := computeEmbedded(t)
	for _, c := range []struct {
		jur          string
		black, white float64
		bPop, wPop   float64
	}{
		{"US-MA", 39, 233, 537523, 5335175},
		{"US-UT", 18, 107, 40365, 2708195},
		{"US-GA", 35, 48, 3319691, 6127645},
	} {
		r := find(t, snap, "selling_arrest_relative_rate_black_white", c.jur, "2019", "fbi_nibrs")
		want := (c.black / c.bPop) / (c.white / c.wPop)
		if r.Value == nil || math.Abs(*r.Value-want) > 1e-9 {
			t.Errorf("%s: index %v, want %v", c.jur, r.Value, want)
		}
		// The counts of people shown are rounded down to tens.
		if *r.Numerator != math.Floor(c.black/10)*10 || *r.Denominator != math.Floor(c.white/10)*10 {
			t.Errorf("%s: counts shown %v and %v", c.jur, *r.Numerator, *r.Denominator)
		}
		if !strings.Contains(r.Reason, ReasonPopulationYear) {
			t.Errorf("%s: reason %q does not say the population is of 2018", c.jur, r.Reason)
		}
	}
	// A state with 1 to 9 Black or White arrests has no index.
	for _, r := range snap.Rows {
		if r.Indicator.ID == "selling_arrest_relative_rate_black_white" && r.Published() && (*r.Numerator > 0 && *r.Numerator < 10 || *r.Denominator < 10) {
			t.Errorf("%s: published on %v and %v arrests", r.Jurisdiction, *r.Numerator, *r.Denominator)
		}
	}
}

// TestOffencesCleared checks trafficking offences cleared per actual
// offence against sums made independently from the 2015 UCR master file
// (each month's total-cleared and actual-offence fields, columns 88 on).
func TestOffencesCleared(t *testing.T) {
	snap := computeEmbedded(t)
	for _, c := range []struct {
		jur             string
		cleared, actual float64
	}{{"US-MN", 77, 115}, {"US-TX", 100, 284}, {"USA", 290, 797}} {
		r := find(t, snap, "ht_offences_cleared_ratio", c.jur, "2015", "fbi_ucr_ht")
		if r.Status != StatusOK || *r.Numerator != c.cleared || *r.Denominator != c.actual || math.Abs(*r.Value-c.cleared/c.actual) > 1e-12 {
			t.Errorf("%s: %s %v/%v", c.jur, r.Status, r.Numerator, r.Denominator)
		}
	}
}

package metrics

import (
	"context"
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

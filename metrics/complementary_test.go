package metrics

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestComplementaryProperty: for random partition groups (a total that is
// the sum of 2 to 5 parts, with derived victim counts suppressed by the
// min-cell rule), after complementary suppression no group has exactly one
// withheld cell, so no suppressed cell can be recovered by subtraction;
// and no published value is changed.
func TestComplementaryProperty(t *testing.T) {
	p := DefaultPrivacy
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 5000; trial++ {
		nParts := 2 + rng.IntN(4)
		total := &Indicator{ID: "total", Unit: UnitCount, PrivacyClass: VictimCount}
		var parts []*Indicator
		var partIDs []string
		for i := 0; i < nParts; i++ {
			id := fmt.Sprintf("part%d", i)
			parts = append(parts, &Indicator{ID: id, Unit: UnitCount, PrivacyClass: VictimCount})
			partIDs = append(partIDs, id)
		}
		var rows []Row
		var sum float64
		for _, ind := range parts {
			v := float64(rng.IntN(40))
			if rng.IntN(3) == 0 {
				v = float64(rng.IntN(12)) // plenty of small cells
			}
			sum += v
			rows = append(rows, publish(ind, Result{Num: &v, Value: &v, Jurisdiction: "X", Period: "2020", Label: "s"}, Privacy{MinCell: p.MinCell}))
		}
		rows = append(rows, publish(total, Result{Num: &sum, Value: &sum, Jurisdiction: "X", Period: "2020", Label: "s"}, Privacy{MinCell: p.MinCell}))
		before := map[string]float64{}
		for _, r := range rows {
			if r.Published() {
				before[r.Indicator.ID] = *r.Value
			}
		}
		complementary(rows, []Partition{{Total: "total", Parts: partIDs}})
		hidden, privacy := 0, 0
		for _, r := range rows {
			if !r.Published() {
				hidden++
				if r.Reason == ReasonMinCell {
					privacy++
				}
				continue
			}
			if before[r.Indicator.ID] != *r.Value {
				t.Fatalf("trial %d: published value of %s changed", trial, r.Indicator.ID)
			}
		}
		if privacy > 0 && hidden == 1 {
			t.Fatalf("trial %d: one hidden cell among %d can be recovered by subtraction: %+v", trial, len(rows), rows)
		}
		for _, r := range rows {
			if r.Reason == ReasonComplementary && (r.Value != nil || r.Numerator != nil) {
				t.Fatalf("trial %d: complementary suppression left numbers", trial)
			}
		}
	}
}

// TestComplementaryExample: a total of 25 with parts 5 (suppressed), 8
// (suppressed) and 12 needs nothing more; parts 5 (suppressed), 12 and 30
// with their total 47 hide the 12 as well.
func TestComplementaryExample(t *testing.T) {
	mk := func(id string, v float64) Row {
		return publish(&Indicator{ID: id, Unit: UnitCount, PrivacyClass: VictimCount}, Result{Num: &v, Value: &v, Jurisdiction: "X", Period: "2020", Label: "s"}, Privacy{MinCell: 10})
	}
	rows := []Row{mk("a", 5), mk("b", 12), mk("c", 30), mk("t", 47)}
	complementary(rows, []Partition{{Total: "t", Parts: []string{"a", "b", "c"}}})
	if rows[1].Status != StatusSuppressed || rows[1].Reason != ReasonComplementary {
		t.Fatalf("b = %s/%s, want suppressed/complementary", rows[1].Status, rows[1].Reason)
	}
	if !rows[2].Published() || !rows[3].Published() {
		t.Fatal("c and the total should stay published")
	}
	rows = []Row{mk("a", 5), mk("b", 8), mk("c", 12), mk("t", 25)}
	complementary(rows, []Partition{{Total: "t", Parts: []string{"a", "b", "c"}}})
	if !rows[2].Published() || !rows[3].Published() {
		t.Fatal("two hidden cells protect each other: nothing more to hide")
	}
}

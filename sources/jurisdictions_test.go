package sources

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestJurisdictions(t *testing.T) {
	for _, c := range []struct {
		code string
		ok   bool
	}{
		{"USA", true}, {"NGA", true}, {"WLD", true}, {"TIP-AF", true}, {"US-MN", true}, {"US-NE", true},
		{"US-DC", true}, {"US-PR", true}, {"US-GU", true},
		{"US-NB", false}, {"US-XX", false}, {"TIP-XX", false}, {"XYZ", false}, {"usa", false}, {"US", false}, {"", false},
	} {
		if got := ValidJurisdiction(c.code); got != c.ok {
			t.Errorf("ValidJurisdiction(%q) = %v, want %v", c.code, got, c.ok)
		}
	}
	for _, c := range []struct{ abbr, code, err string }{
		{"MN", "US-MN", ""}, {"ne", "US-NE", ""},
		{"NB", "US-NE", ""}, // the FBI's Nebraska
		{"GM", "US-GU", ""}, // the FBI's Guam
		{"CZ", "", `state "CZ" is not a US state`},
		{"XX", "", `state "XX" is not a US state`},
	} {
		got, err := USState(c.abbr)
		if got != c.code || (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("USState(%q) = %q, %v; want %q, %q", c.abbr, got, err, c.code, c.err)
		}
	}
}

// TestJurisdictionNet: an output with a code no parser checked is refused
// by ParseChecked, naming the file, table and row.
func TestJurisdictionNet(t *testing.T) {
	spec := &Spec{Name: "test", Parse: func(_ context.Context, in Input) (*Output, error) {
		ob := NewObservationsBuilder(in.Mem)
		defer ob.Release()
		for _, j := range []string{"USA", "US-MN", "US-NB"} {
			ob.Append(Observation{Source: "test", Jurisdiction: j, Period: "2020", Measure: "m", Sex: All, AgeGroup: All, Form: All})
		}
		return &Output{Tables: map[string]arrowBatch{TableObservations: ob.NewRecordBatch()}}, nil
	}}
	_, err := ParseChecked(context.Background(), spec, Input{Name: "f.csv", Mem: memory.NewGoAllocator()}, 0)
	if err == nil || !strings.Contains(err.Error(), `f.csv: observations row 3: jurisdiction "US-NB" is not`) {
		t.Fatalf("err = %v", err)
	}
}

package sources

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestHTTablesFigures: the FBI tables' columns add up as their own sums do
// (a national row palermo adds up over the jurisdictions listed), read from
// the .xlsx of 2014 and the .xls of 2016 and 2017 alike; the tables'
// inconsistencies stay as published (2014: 300 + 141 offences, but a Total
// column of 443).
func TestHTTablesFigures(t *testing.T) {
	out, err := parse(t, "fbi_ht_tables", "snapshots/fbi_ht_tables_2014_2017.zip", readFile(t, "snapshots/fbi_ht_tables_2014_2017.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	rec := out.Tables[TableObservations]
	col := func(n string) *array.String { return rec.Column(rec.Schema().FieldIndices(n)[0]).(*array.String) }
	jur, period, measure, sex, age, form, brk := col("jurisdiction"), col("period"), col("measure"), col("sex"), col("age_group"), col("exploitation_form"), col("breakdown")
	value := rec.Column(rec.Schema().FieldIndices("value")[0]).(*array.Float64)
	got := map[string]float64{}
	states := map[string]map[string]bool{}
	for i := 0; i < int(rec.NumRows()); i++ {
		if jur.Value(i) == "USA" {
			got[period.Value(i)+" "+measure.Value(i)+" "+sex.Value(i)+" "+age.Value(i)+" "+form.Value(i)+" "+brk.Value(i)] = value.Value(i)
		} else if measure.Value(i) == "offences_actual" {
			if states[period.Value(i)] == nil {
				states[period.Value(i)] = map[string]bool{}
			}
			states[period.Value(i)][jur.Value(i)] = true
		}
	}
	for k, want := range map[string]float64{
		"2014 offences_actual all all sexual_exploitation ": 300, "2014 offences_actual all all forced_labour ": 141, "2014 offences_actual all all all ": 443,
		"2016 offences_actual all all sexual_exploitation ": 1007, "2016 offences_actual all all forced_labour ": 189, "2016 offences_actual all all all ": 1196,
		"2017 offences_actual all all sexual_exploitation ": 994, "2017 offences_actual all all forced_labour ": 225, "2017 offences_actual all all all ": 1220,
		"2014 offences_cleared all all all ": 120, "2016 offences_cleared all all all ": 654, "2017 offences_cleared all all all ": 545,
		"2014 offences_cleared_under_18 all all all ": 9, "2016 offences_cleared_under_18 all all all ": 49, "2017 offences_cleared_under_18 all all all ": 30,
	} {
		if got[k] != want {
			t.Errorf("USA %s= %v, want %v", k, got[k], want)
		}
	}
	// Arrests by race, juvenile and adult totals; by age, the juveniles of
	// 2014 (115 by age against 110 by race, as the FBI printed them).
	sum := func(year, age, b string) float64 {
		return got[year+" arrests all "+age+" sexual_exploitation "+b] + got[year+" arrests all "+age+" forced_labour "+b]
	}
	for _, c := range []struct {
		year, age, breakdown string
		want                 float64
	}{
		{"2014", "minor", "race=all_reported", 110}, {"2014", "adult", "race=all_reported", 837}, {"2014", "adult", "race=white", 694},
		{"2016", "minor", "race=all_reported", 56}, {"2016", "adult", "race=all_reported", 916}, {"2016", "adult", "race=black", 251},
		{"2017", "minor", "race=all_reported", 49}, {"2017", "adult", "race=all_reported", 638}, {"2017", "adult", "race=black", 267},
		{"2014", "minor", "", 115}, {"2016", "adult", "", 917}, {"2017", "adult", "", 643},
	} {
		if g := sum(c.year, c.age, c.breakdown); g != c.want {
			t.Errorf("USA %s arrests %s %s = %v, want %v", c.year, c.age, c.breakdown, g, c.want)
		}
	}
	if len(states["2014"]) != 29 || len(states["2016"]) != 36 || len(states["2017"]) != 47 {
		t.Errorf("jurisdictions with offences: 2014 %d, 2016 %d, 2017 %d; want 29, 36, 47", len(states["2014"]), len(states["2016"]), len(states["2017"]))
	}
}

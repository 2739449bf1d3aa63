package sources

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/palermo-project/palermo/internal/testutil"
)

// sums adds up the value column of an observations batch by a key the
// caller builds from each row.
func sums(rec arrow.RecordBatch, key func(get func(string) string) string) map[string]float64 {
	idx := func(name string) int { return rec.Schema().FieldIndices(name)[0] }
	value := rec.Column(idx("value")).(*array.Float64)
	out := map[string]float64{}
	for i := 0; i < int(rec.NumRows()); i++ {
		get := func(name string) string { return rec.Column(idx(name)).(*array.String).Value(i) }
		if k := key(get); k != "" {
			out[k] += value.Value(i)
		}
	}
	return out
}

// TestNIBRSMinnesota2018 checks the counts SOURCES.md gives for the embedded
// Minnesota 2018 bundle: 6 offences of 64A with 6 victims, 5 of them under
// 18; 2 arrests for 64A (one of them of a 12-year-old), 2 for 40A and 3 for
// 40C; no juvenile prostitution arrest.
func TestNIBRSMinnesota2018(t *testing.T) {
	out, err := parse(t, "fbi_nibrs", "nibrs_MN_2018.zip", readFile(t, "testdata/fbi_nibrs/nibrs_MN_2018.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	got := sums(out.Tables[TableObservations], func(get func(string) string) string {
		if get("jurisdiction") != "US-MN" || get("period") != "2018" {
			return "other"
		}
		return get("measure") + " " + get("breakdown") + " " + get("age_group")
	})
	want := map[string]float64{
		"offences_recorded nibrs_offense=64A all":  6,
		"offences_recorded nibrs_offense=64B all":  0,
		"victims_recorded nibrs_offense=64A minor": 5,
		"victims_recorded nibrs_offense=64A adult": 1,
		"arrests nibrs_offense=64A adult":          1,
		"arrests nibrs_offense=64A minor":          1,
		"arrests nibrs_offense=40A adult":          2,
		"arrests nibrs_offense=40A minor":          0,
		"arrests nibrs_offense=40C adult":          3,
		"arrests nibrs_offense=40B minor":          0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if got["other"] != 0 {
		t.Errorf("rows outside Minnesota 2018: %v", got["other"])
	}
}

// TestNIBRSArrestees2019 reads the 33-state 2019 arrestee fixture (every
// trafficking and prostitution-family arrest of the 33 files, plus the
// first rows of each): 82 trafficking arrests and 1,709 prostitution-family
// arrests, 2 of them of minors, as SOURCES.md counts them.
func TestNIBRSArrestees2019(t *testing.T) {
	out, err := parse(t, "fbi_nibrs", "arrestee_2019.zip", readFile(t, "testdata/fbi_nibrs/arrestee_2019_33_states_excerpt.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	rec := out.Tables[TableObservations]
	states := map[string]bool{}
	got := sums(rec, func(get func(string) string) string {
		states[get("jurisdiction")] = true
		if get("measure") != "arrests" {
			t.Fatalf("measure %s from an arrestee-only fixture", get("measure"))
		}
		switch b := get("breakdown"); b {
		case "nibrs_offense=64A", "nibrs_offense=64B":
			return "ht"
		default:
			if get("age_group") == "minor" {
				return "prostitution minor"
			}
			return "prostitution"
		}
	})
	if got["ht"] != 82 || got["prostitution"]+got["prostitution minor"] != 1709 || got["prostitution minor"] != 2 {
		t.Fatalf("counts = %v, want ht 82, prostitution 1709 of which 2 minors", got)
	}
	// The FBI's NB is Nebraska, US-NE in ISO 3166-2.
	if len(states) != 33 || !states["US-NE"] || states["US-NB"] {
		t.Fatalf("%d states: %v", len(states), states)
	}
}

// TestNIBRSDamaged: positioned errors for damaged tables inside the ZIP.
func TestNIBRSDamaged(t *testing.T) {
	orig := readFile(t, "testdata/fbi_nibrs/arrestee_2019_33_states_excerpt.zip")
	rewrite := func(name string, change func(string) string, drop bool) []byte {
		if drop {
			change = nil
		}
		return testutil.RewriteZip(t, orig, name, change)
	}
	f := func(name string, data []byte, want string) {
		t.Helper()
		out, err := parse(t, "fbi_nibrs", "bundle.zip", data)
		if err == nil {
			out.Release()
			t.Fatalf("%s: no error", name)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v\nwant %s", name, err, want)
		}
	}
	f("bad year", rewrite("NIBRS_ARRESTEE_AL.csv", func(s string) string { return strings.Replace(s, "\n2019,", "\n20l9,", 1) }, false),
		`bundle.zip:NIBRS_ARRESTEE_AL.csv:2:1: DATA_YEAR: "20l9" is not a year`)
	f("missing column", rewrite("NIBRS_ARRESTEE_AZ.csv", func(s string) string { return strings.Replace(s, `"AGE_NUM"`, `"AGE"`, 1) }, false),
		`bundle.zip:NIBRS_ARRESTEE_AZ.csv:1:1: unexpected header; missing columns: AGE_NUM`)
	f("no code table", rewrite("NIBRS_OFFENSE_TYPE.csv", nil, true), "no NIBRS_OFFENSE_TYPE.csv")
	f("code missing from table", rewrite("NIBRS_OFFENSE_TYPE.csv", func(s string) string { return strings.Replace(s, `"64B"`, `"64X"`, 1) }, false),
		"offence code 64B is not in the code table")
	f("not a zip", []byte("DATA_YEAR,ARRESTEE_ID\n"), "bundle.zip:1:1: not a ZIP of NIBRS tables")
}

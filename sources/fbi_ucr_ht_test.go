package sources

import (
	"bytes"
	"compress/gzip"
	"io"
	"strconv"
	"strings"
	"testing"
)

// TestUCRHTNationalActual: the national "actual" offences SOURCES.md
// computes from the master files: 2013, 13 commercial sex acts and 1
// involuntary servitude (5 agencies); 2015, 589 and 208 (127 agencies).
func TestUCRHTNationalActual(t *testing.T) {
	gz := readFile(t, "testdata/fbi_ucr_ht/traffickingCrimes_2013.txt.gz")
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	y2013, _ := io.ReadAll(zr)
	cases := []struct {
		file     string
		data     []byte
		year     string
		cs, is   float64
		agencies int
	}{
		{"traffickingCrimes_2013.txt", y2013, "2013", 13, 1, 5},
		{"traffickingCrimes_2015.txt", readFile(t, "testdata/fbi_ucr_ht/traffickingCrimes_2015.txt"), "2015", 589, 208, 127},
	}
	for _, c := range cases {
		out, err := parse(t, "fbi_ucr_ht", c.file, c.data)
		if err != nil {
			t.Fatal(err)
		}
		got := sums(out.Tables[TableObservations], func(get func(string) string) string {
			switch {
			case get("measure") != "offences_actual" || get("period") != c.year:
				return ""
			case get("breakdown") != "":
				if get("exploitation_form") == All {
					return get("breakdown")
				}
				return ""
			case get("jurisdiction") == "USA":
				return get("exploitation_form")
			}
			return ""
		})
		out.Release()
		agencies := 0
		for k, v := range got {
			if strings.HasPrefix(k, "ori=") && v > 0 {
				agencies++
			}
		}
		if got["sexual_exploitation"] != c.cs || got["forced_labour"] != c.is || got["all"] != c.cs+c.is {
			t.Errorf("%s: actual offences %v, want %v + %v", c.year, got, c.cs, c.is)
		}
		if agencies != c.agencies {
			t.Errorf("%s: %d agencies with offences, want %d", c.year, agencies, c.agencies)
		}
	}
}

func TestUCRHTDamaged(t *testing.T) {
	lines := strings.Split(string(readFile(t, "testdata/fbi_ucr_ht/traffickingCrimes_2015.txt")), "\n")
	// The first agency of the 2015 file with a full year of counts.
	n := -1
	for i, l := range lines {
		if len(strings.TrimRight(l, "\r")) > 900 {
			n = i
			break
		}
	}
	if n < 0 {
		t.Fatal("no agency with data")
	}
	f := func(name string, change func(string) string, want string) {
		t.Helper()
		l := append([]string(nil), lines...)
		l[n] = change(l[n])
		out, err := parse(t, "fbi_ucr_ht", "ht.txt", []byte(strings.Join(l, "\n")))
		if err == nil {
			out.Release()
			t.Fatalf("%s: no error", name)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %v\nwant %s", name, err, want)
		}
	}
	line := func(i int) string { return "ht.txt:" + strconv.Itoa(i) + ":" }
	f("letters in a count", func(s string) string { return s[:87] + "0000x" + s[92:] }, line(n+1)+`88: count "0000x" is not a whole number`)
	f("total is not the sum", func(s string) string { return s[:97] + "00009" + s[102:] }, line(n+1)+"98: offences_reported, month 1: total 9 is not commercial sex acts")
	f("short record", func(s string) string { return s[:40] }, line(n+1)+"41: record of 40 characters is shorter")
	f("bad ORI", func(s string) string { return s[:3] + "1234567" + s[10:] }, line(n+1)+`4: ORI "1234567"`)
	f("bad month code", func(s string) string { return s[:75] + "Z" + s[76:] }, line(n+1)+`76: month report code 'Z'`)
}

// TestUCRHTEmbeddedYears: the embedded ZIP holds the 2013 and the 2015
// master files, and each year keeps its national actual offences (SOURCES.md:
// 13 + 1 in 2013, 589 + 208 in 2015).
func TestUCRHTEmbeddedYears(t *testing.T) {
	out, err := parse(t, "fbi_ucr_ht", "ucr.zip", readFile(t, "snapshots/ucr_ht_master_2013_2015.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	got := sums(out.Tables[TableObservations], func(get func(string) string) string {
		if get("jurisdiction") != "USA" || get("measure") != "offences_actual" || get("exploitation_form") != "all" {
			return ""
		}
		return get("period")
	})
	if got["2013"] != 14 || got["2015"] != 797 {
		t.Errorf("national actual offences: 2013 %v, 2015 %v; want 14 and 797", got["2013"], got["2015"])
	}
}

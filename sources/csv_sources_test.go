package sources

import (
	"strings"
	"testing"
)

// TestCSVSourcesDamaged feeds damaged copies of the real curated files and
// checks the positioned error each one must produce.
func TestCSVSourcesDamaged(t *testing.T) {
	tip := string(readFile(t, "snapshots/tip_global_law_enforcement.csv"))
	ops := string(readFile(t, "snapshots/operation_results.csv"))
	lines := func(s string) []string { return strings.Split(s, "\n") } // the files end lines with CRLF; the CR stays in each piece
	setLine := func(s string, n int, f func(string) string) string {
		l := lines(s)
		l[n-1] = f(l[n-1])
		return strings.Join(l, "\n")
	}
	cases := []struct {
		name, source, data, want string
	}{
		{"tip value not a number", "tip_global",
			setLine(tip, 3, func(l string) string { return strings.Replace(l, ",convictions,10,", ",convictions,ten,", 1) }),
			`tip.csv:3:30: value: "ten" is not a non-negative whole number`},
		{"tip negative value", "tip_global",
			setLine(tip, 2, func(l string) string { return strings.Replace(l, ",prosecutions,50,", ",prosecutions,-50,", 1) }),
			`tip.csv:2:31: value: "-50" is not a non-negative whole number`},
		{"tip unknown region", "tip_global",
			setLine(tip, 4, func(l string) string { return strings.Replace(l, "Africa", "Atlantis", 1) }),
			`tip.csv:4:11: unknown region "Atlantis"`},
		{"tip data year after report", "tip_global",
			setLine(tip, 2, func(l string) string { return strings.Replace(l, "2006,2003,", "2006,2007,", 1) }),
			`tip.csv:2:6: data_year 2007 must be before report_year 2006`},
		{"tip labour above total", "tip_global",
			strings.Replace(tip, "2024,2023,Global,labor_prosecutions,3684,", "2024,2023,Global,labor_prosecutions,93684,", 1),
			`labour prosecutions 93684 exceeds the total 18774`},
		{"tip wrong header", "tip_global",
			strings.Replace(tip, "report_year,data_year,region", "report_year,year,region", 1),
			`tip.csv:1:1: unexpected header; missing columns: data_year; unknown columns: year; expected: report_year,data_year,region,measure,value,source_url,source_kind,notes`},
		{"tip bare quote", "tip_global",
			setLine(tip, 5, func(l string) string { return strings.Replace(l, "Africa", `Af"rica`, 1) }),
			`tip.csv:5:13: bare " in non-quoted-field`},
		{"tip personal data column", "tip_global",
			strings.Replace(tip, ",notes\r\n", ",name\r\n", 1),
			`tip.csv:1:67: column "name" carries personal identifiers`},
		{"ops short row", "fbi_operations",
			setLine(ops, 3, func(l string) string { return l[:strings.Index(l, ",2012-06")] }),
			`ops.csv:3:1: row has 2 fields, the header has 15`},
		{"ops arrests not a number", "fbi_operations",
			setLine(ops, 3, func(l string) string { return strings.Replace(l, ",79,,,104,", ",79,,,about 100,", 1) }),
			`ops.csv:3:73: traffickers_or_pimps_arrested: "about 100" is not a non-negative whole number`},
		{"ops year", "fbi_operations",
			setLine(ops, 3, func(l string) string { return strings.Replace(l, "(three days),2012,", "(three days),20X2,", 1) }),
			`ops.csv:3:53: year: "20X2" is not a year`},
		{"ops minors above total", "fbi_operations",
			strings.Replace(ops, ",59,,200,68,", ",259,,200,68,", 1),
			`minors (259) exceed victims_identified_total (200)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := "tip.csv"
			if c.source == "fbi_operations" {
				file = "ops.csv"
			}
			out, err := parse(t, c.source, file, []byte(c.data))
			if err == nil {
				out.Release()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error:\n%s\ndoes not contain:\n%s", err, c.want)
			}
			if len(Positions(err)) == 0 {
				t.Fatalf("error %q carries no position", err)
			}
		})
	}
}

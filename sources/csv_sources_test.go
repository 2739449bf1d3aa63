package sources

import (
	"strings"
	"testing"

	"github.com/palermo-project/palermo/internal/diag"
)

// TestCSVSourcesDamaged feeds damaged copies of the real curated files and
// checks the positioned error each one must produce.
func TestCSVSourcesDamaged(t *testing.T) {
	tip := string(readFile(t, "snapshots/tip_global_law_enforcement.csv"))
	relief := string(readFile(t, "snapshots/us_immigration_relief.csv"))
	federal := string(readFile(t, "snapshots/us_federal_prosecution_series.csv"))
	cbp := string(readFile(t, "snapshots/cbp_forced_labor_enforcement.csv"))
	ctdc := string(readFile(t, "testdata/ctdc/the_global_k_anon_dataset.EXCERPT.csv"))
	tmpl := string(readFile(t, "testdata/operations/fbi_occ_2016_2017.csv"))
	ops := string(readFile(t, "snapshots/operation_results.csv"))
	arrests := string(readFile(t, "testdata/fbi_arrests_state/excerpt.csv"))
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
	cases = append(cases, []struct{ name, source, data, want string }{
		{"relief fiscal year", "us_immigration_relief", strings.Replace(relief, "\n2006,t1_principal_approvals_I914,212,", "\nFY06,t1_principal_approvals_I914,212,", 1),
			`x.csv:6:1: fiscal_year: "FY06" is not a fiscal year`},
		{"relief duplicate", "us_immigration_relief", strings.Replace(relief, "\n2006,t1_principal_denials_I914,127,", "\n2006,t1_principal_approvals_I914,127,", 1),
			`x.csv:7:6: duplicate t1_principal_approvals_i914 for FY2006 (first on line 6)`},
		{"tip reproduction called primary", "tip_global",
			strings.Replace(tip, "2024,2023,Global,prosecutions,18774,https://greenlightoperation.org/?p=5924,secondary,", "2024,2023,Global,prosecutions,18774,https://greenlightoperation.org/?p=5924,primary,", 1),
			`tip.csv:145:77: source_kind is primary but greenlightoperation.org is not the publisher's own site (a reproduction is secondary)`},
		{"federal HTI figure without edition", "us_federal_prosecutions",
			strings.Replace(federal, `"2023 FHTR as reproduced by CLARO (`, `"as reproduced by CLARO (`, 1),
			`an HTI figure must name its report edition in notes`},
		{"federal HTI revision twice", "us_federal_prosecutions",
			strings.Replace(federal, "2022,new_criminal_ht_cases_filed_revised,203,https://clarola.org/the-2023-federal-human-trafficking-report,\"2023 FHTR", "2022,new_criminal_ht_cases_filed_revised,203,https://clarola.org/the-2023-federal-human-trafficking-report,\"2022 FHTR", 1),
			`duplicate new_criminal_ht_cases_filed for 2022 in edition FHTR-2022 (first on line 48)`},
		{"arrests misplaced separator", "fbi_arrests_state", strings.Replace(arrests, `"5,468"`, `"54,68"`, 1),
			`x.csv:6:12: TotalAll: "54,68" is not a whole number`},
		{"arrests unknown state", "fbi_arrests_state", strings.Replace(arrests, ",ALABAMA,2013", ",ALABAMMA,2013", 1),
			`x.csv:2:98: State "ALABAMMA" is not a US state or DC`},
		{"arrests under-18 row without its all-ages row", "fbi_arrests_state", strings.Join(append(lines(arrests)[:2:2], lines(arrests)[3:]...), "\n"),
			`x.csv:2:1: US-AL 2013 has no Total all ages row`},
		{"arrests year outside the tables", "fbi_arrests_state", strings.Replace(arrests, ",ALASKA,2013", ",ALASKA,2031", 1),
			`Year 2031 is outside the tables' 2013-2021`},
		{"scorecard labour above total", "tip_scorecard", strings.Replace(string(readFile(t, "snapshots/tip_scorecard_diplomacy.csv")), `"2011","7907","456",`, `"2011","7907","79070",`, 1),
			`Prosecutions (Labor) 79070 exceeds Prosecutions 7907`},
		{"federal period type", "us_federal_prosecutions", strings.Replace(federal, ",fiscal_year,2012,suspects_referred", ",fiscal,2012,suspects_referred", 1),
			`unknown period_type "fiscal"`},
		{"federal value", "us_federal_prosecutions", strings.Replace(federal, ",persons_prosecuted,805,", ",persons_prosecuted,8O5,", 1),
			`value: "8O5" is not a non-negative whole number`},
		{"cbp period", "cbp_forced_labor", strings.Replace(cbp, "\nCY1991,", "\n1991/92,", 1),
			`x.csv:2:1: period "1991/92" is none of`},
		{"ctdc terms header", "ctdc", strings.Replace(ctdc, "By using this data", "Using this data", 1),
			`x.csv:1:1: the first header cell must be CTDC's terms-of-use sentence`},
		{"ctdc flag", "ctdc", strings.Replace(ctdc, ";1;;0;1;0;0;;", ";1;;0;yes;0;0;;", 1),
			`isSexualExploit: "yes" is neither 1, 0 nor empty`},
		{"ctdc country", "ctdc", strings.Replace(ctdc, ";LY;", ";XX;", 1),
			`CountryOfExploitation "XX" is not an ISO 3166-1 alpha-2 code`},
		{"template type", "operations", strings.Replace(tmpl, ",multi_agency,,239,", ",raid,,239,", 1),
			`x.csv:2:46: operation_type "raid" is none of`},
		{"template dates", "operations", strings.Replace(tmpl, "2016-10-13,2016-10-16", "2016-10-13,2016-10-06", 1),
			`x.csv:2:35: end_date 2016-10-06 is before start_date 2016-10-13`},
		{"template jurisdiction", "operations", strings.Replace(tmpl, ",FBI,USA,2016", ",FBI,Minnesota,2016", 1),
			`x.csv:2:20: jurisdiction "Minnesota" is neither`},
		{"template state not in ISO 3166-2", "operations", strings.Replace(tmpl, ",FBI,USA,2016", ",FBI,US-NB,2016", 1),
			`x.csv:2:20: jurisdiction "US-NB" is neither an ISO 3166-1 alpha-3 country code (USA) nor an ISO 3166-2:US code (US-MN)`},
		{"template country not in ISO 3166-1", "operations", strings.Replace(tmpl, ",FBI,USA,2016", ",FBI,XYZ,2016", 1),
			`x.csv:2:20: jurisdiction "XYZ" is neither`},
		{"template roles above total", "operations", strings.Replace(tmpl, ",multi_agency,,239,", ",multi_agency,200,239,", 1),
			`arrests by role add up to 239, more than arrests_total 200`},
		{"template extra column", "operations", strings.Replace(tmpl, ",source_url\n", ",source_url,comments\n", 1),
			`unknown columns: comments`},
		{"template identifier column", "operations", strings.Replace(tmpl, ",source_url\n", ",source_url,victim_name\n", 1),
			`column "victim_name" carries personal identifiers`},
		{"template identifiers", "operations", strings.Replace(tmpl, ",source_url\n", ",source_url,address\n", 1),
			`column "address" carries personal identifiers`},
	}...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			file := "x.csv"
			switch c.source {
			case "tip_global":
				file = "tip.csv"
			case "fbi_operations":
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
			if len(diag.Positions(err)) == 0 {
				t.Fatalf("error %q carries no position", err)
			}
		})
	}
}

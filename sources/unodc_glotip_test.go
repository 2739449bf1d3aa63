package sources

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/palermo-project/palermo/internal/testutil"
)

// TestUNODCEmbeddedSnapshot reads the whole shipped release: every one of its
// 58,769 data rows although the sheet declares a 1x1 size, with each "<5"
// kept censored (never 0 or 5).
func TestUNODCEmbeddedSnapshot(t *testing.T) {
	data := readFile(t, "snapshots/data_glotip.xlsx")
	out, err := parse(t, "unodc_glotip", "data_glotip.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	rec := out.Tables[TableObservations]
	if got := rec.NumRows(); got != 58769 {
		t.Errorf("rows = %d, want 58769", got)
	}
	idx := func(name string) int { return rec.Schema().FieldIndices(name)[0] }
	value := rec.Column(idx("value")).(*array.Float64)
	censored := rec.Column(idx("censored")).(*array.String)
	str := func(name string, i int) string { return rec.Column(idx(name)).(*array.String).Value(i) }
	var nCensored int
	found := map[string]float64{}
	for i := 0; i < int(rec.NumRows()); i++ {
		if censored.Value(i) == "<5" {
			nCensored++
			if value.IsValid(i) {
				t.Fatalf("row %d: censored value carries a number %v", i, value.Value(i))
			}
		}
		if str("jurisdiction", i) == "USA" && str("period", i) == "2022" && str("sex", i) == All &&
			str("age_group", i) == All && str("exploitation_form", i) == All && str("breakdown", i) == "" {
			found[str("measure", i)] = value.Value(i)
		}
		if str("edition", i) != "2025-04-14" {
			t.Fatalf("row %d: edition %q, want the release date 2025-04-14", i, str("edition", i))
		}
	}
	if nCensored != 29558 {
		t.Errorf("censored cells = %d, want 29558", nCensored)
	}
	// The figures SOURCES.md quotes for the United States, 2022.
	for m, want := range map[string]float64{"victims_identified": 16390, "prosecutions": 310, "convictions": 256} {
		if found[m] != want {
			t.Errorf("USA 2022 %s = %v, want %v", m, found[m], want)
		}
	}
}

func TestParseUNODCValue(t *testing.T) {
	f := func(in string, want float64, wantCensored string, wantErr bool) {
		t.Helper()
		v, c, err := parseUNODCValue(in)
		if (err != nil) != wantErr {
			t.Fatalf("%q: err = %v, want error %v", in, err, wantErr)
		}
		if c != wantCensored {
			t.Fatalf("%q: censored = %q, want %q", in, c, wantCensored)
		}
		if err == nil && c == "" && (v == nil || *v != want) {
			t.Fatalf("%q: value = %v, want %v", in, v, want)
		}
		if c != "" && v != nil {
			t.Fatalf("%q: a censored value must have no number", in)
		}
	}
	f("0", 0, "", false)
	f("19", 19, "", false)
	f("2,315", 2315, "", false)
	f("61,102,019", 61102019, "", false)
	f("<5", 0, "<5", false)
	f("", 0, "", true)
	f("-3", 0, "", true)
	f("2,31,5", 0, "", true)
	f("12.5", 0, "", true)
	f("n/a", 0, "", true)
}

// rewriteSheet returns a copy of an XLSX with its first worksheet changed.
func rewriteSheet(t *testing.T, data []byte, change func(string) string) []byte {
	return testutil.RewriteZip(t, data, "xl/worksheets/sheet1.xml", change)
}

// TestUNODCDamaged checks that damaged copies give errors that name the row,
// column and cell, and that a damaged container is reported, not panicked on.
func TestUNODCDamaged(t *testing.T) {
	orig := readFile(t, "testdata/unodc_glotip/excerpt.xlsx")
	f := func(name string, data []byte, want string) {
		t.Helper()
		out, err := parse(t, "unodc_glotip", "excerpt.xlsx", data)
		if err == nil {
			out.Release()
			t.Fatalf("%s: no error", name)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: error %q does not contain %q", name, err, want)
		}
	}
	// The first data row (sheet row 21870 of the real file, kept in the
	// excerpt) gets a txtVALUE that is neither a count nor "<5".
	bad := rewriteSheet(t, orig, func(s string) string {
		i := strings.Index(s, `<c r="L21870" t="s">`)
		j := strings.Index(s[i:], "</c>") + i + 4
		return s[:i] + `<c r="L21870" t="inlineStr"><is><t>about 12</t></is></c>` + s[j:]
	})
	f("bad value", bad, `excerpt.xlsx:21870:12: txtVALUE: "about 12" is neither a count nor <5 (cell data_glotip_1!L21870)`)
	noHeader := rewriteSheet(t, orig, func(s string) string { return strings.Replace(s, `<c r="A3" t="s"><v>2</v></c>`, ``, 1) })
	f("missing header", noHeader, "no header row")
	f("truncated", orig[:len(orig)/2], "excerpt.xlsx:1:1: not an XLSX workbook")
	f("not xml", rewriteSheet(t, orig, func(s string) string { return s[:len(s)/3] }), "malformed XML")
}

package sources

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/palermo-project/palermo/internal/diag"
	"github.com/palermo-project/palermo/internal/printed"
	"github.com/palermo-project/palermo/internal/xlsx"
)

// unodc_glotip: UNODC's Global Report on Trafficking in Persons country data
// (dataUNODC), one number per row: victims detected, persons prosecuted and
// convicted, by country, year, sex, age and form of exploitation.

func init() {
	Register(&Spec{
		Name:    "unodc_glotip",
		Summary: "UNODC Global Report on Trafficking in Persons (dataUNODC): detected victims, persons brought into contact, prosecuted and convicted, by country and year",
		Origin: Origin{
			Producer:         "United Nations Office on Drugs and Crime (UNODC), Research and Trend Analysis Branch",
			Title:            "Global Report on Trafficking in Persons: country data (data_glotip.xlsx)",
			Description:      "National figures reported to UNODC's GLOTIP questionnaire. Values under 5 are published as '<5' and stay censored in palermo.",
			CitationFull:     "UNODC, Global Report on Trafficking in Persons / dataUNODC (release 14/04/2025).",
			AttributionShort: "UNODC GLOTIP",
			URLMain:          "https://dataunodc.un.org/dp-trafficking-persons",
			URLDownload:      "https://dataunodc.un.org/sites/dataunodc.un.org/files/data_glotip.xlsx",
			DatePublished:    "2025-04-14",
			License:          License{Name: "UNODC data portal terms of use", URL: "https://dataunodc.un.org/termsofuse"},
		},
		// UNODC releases a new file every one or two years; check monthly.
		DefaultSchedule: "30 6 1 * *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "data_glotip.xlsx", RetrievedAt: snapshotDate},
		Parse:           parseUNODCGlotip,
	})
}

var unodcColumns = []string{"Iso3_code", "Country", "Region", "Subregion", "Indicator", "Dimension",
	"Category", "Sex", "Age", "Year", "Unit of measurement", "txtVALUE", "Source"}

var unodcIndicators = map[string]string{
	"Detected trafficking victims":        "victims_identified",
	"Persons brought into formal contact": "persons_formal_contact",
	"Persons prosecuted":                  "prosecutions",
	"Persons convicted":                   "convictions",
	"Offences of trafficking in persons":  "offences_recorded",
}

var unodcForms = map[string]string{
	"Sexual exploitation":         "sexual_exploitation",
	"Forced labour":               "forced_labour",
	"Other forms of exploitation": "other",
}

var unodcSex = map[string]string{"Total": All, "Female": "female", "Male": "male", "Other": "other", "Unknown": "unknown"}
var unodcAge = map[string]string{"Total": All, "0 to 17 years": "minor", "18 years or over": "adult", "Unknown": "unknown"}

// unodcHeaderSearch is how many rows above the header palermo accepts (the
// 2025 release has two: "UNODC" and the release date).
const unodcHeaderSearch = 10

func parseUNODCGlotip(ctx context.Context, in Input) (*Output, error) {
	sh, err := xlsx.Open(in.Name, in.File, in.File.Size())
	if err != nil {
		return nil, err
	}
	ob := NewObservationsBuilder(in.Mem)
	defer ob.Release()
	var (
		errs      diag.ErrorList // row-level problems (quarantined rows)
		fatal     error
		bad       bool
		badRows   int64
		col       map[string]int // column name -> 1-based column number
		headerRow int
		release   string
		rows      int
	)
	fail := func(row, c int, ref, format string, args ...any) {
		if !bad {
			bad = true
			badRows++
		}
		if len(errs) < diag.MaxErrors {
			errs = append(errs, &diag.PosError{File: in.Name, Line: row, Col: c, Cell: sh.Name + "!" + ref, Msg: fmt.Sprintf(format, args...)})
		}
	}
	errStop := errors.New("too many errors")
	walkErr := sh.Rows(func(row int, cells []xlsx.Cell) error {
		if row%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if col == nil {
			if len(cells) > 0 && strings.TrimSpace(cells[0].Value) == "Iso3_code" {
				col = map[string]int{}
				for _, c := range cells {
					col[strings.TrimSpace(c.Value)] = c.Col
				}
				var missing []string
				for _, w := range unodcColumns {
					if _, ok := col[w]; !ok {
						missing = append(missing, w)
					}
				}
				if len(missing) > 0 || len(col) != len(unodcColumns) {
					var found []string
					for _, c := range cells {
						found = append(found, c.Value)
					}
					fatal = &diag.PosError{File: in.Name, Line: row, Col: 1, Cell: sh.Name + "!" + cells[0].Ref, Msg: fmt.Sprintf("unexpected header; missing columns: %s; expected: %s; found: %s",
						strings.Join(missing, ", "), strings.Join(unodcColumns, ","), strings.Join(found, ","))}
					return errStop
				}
				headerRow = row
				return nil
			}
			// Title rows: the release date is the one that parses as a date.
			for _, c := range cells {
				if t, err := time.Parse("02/01/2006", strings.TrimSpace(c.Value)); err == nil {
					release = t.Format(time.DateOnly)
				}
			}
			if row >= unodcHeaderSearch {
				fatal = &diag.PosError{File: in.Name, Line: row, Col: 1, Cell: sh.Name + "!A" + strconv.Itoa(row), Msg: fmt.Sprintf("no header row (starting with Iso3_code) in the first %d rows", unodcHeaderSearch)}
				return errStop
			}
			return nil
		}
		if len(cells) == 0 {
			return nil // a blank row
		}
		// The row's cells by column number (a row may skip empty cells).
		byCol := map[int]int{}
		for i, c := range cells {
			byCol[c.Col] = i
		}
		get := func(name string) (string, xlsx.Cell) {
			n := col[name]
			if i, ok := byCol[n]; ok {
				return strings.TrimSpace(cells[i].Value), cells[i]
			}
			return "", xlsx.Cell{Col: n, Ref: xlsx.ColName(n) + strconv.Itoa(row)}
		}
		lookup := func(name string, m map[string]string) string {
			v, c := get(name)
			out, ok := m[v]
			if !ok {
				fail(row, c.Col, c.Ref, "%s: unknown value %q; known: %s", name, v, strings.Join(sortedKeys(m), ", "))
			}
			return out
		}
		rows++
		bad = false
		iso, _ := get("Iso3_code")
		country, cc := get("Country")
		if country == "" {
			fail(row, cc.Col, cc.Ref, "Country is empty")
		}
		measure := lookup("Indicator", unodcIndicators)
		sex := lookup("Sex", unodcSex)
		age := lookup("Age", unodcAge)
		dim, dc := get("Dimension")
		cat, _ := get("Category")
		form, breakdown := All, ""
		switch dim {
		case "Total":
		case "by form of exploitation":
			f, ok := unodcForms[cat]
			if !ok {
				fail(row, col["Category"], xlsx.ColName(col["Category"])+strconv.Itoa(row), "Category: unknown form of exploitation %q", cat)
			}
			form = f
		case "by citizenship":
			breakdown = "citizenship=" + cat
		case "by country of repatriation":
			breakdown = "repatriation=" + cat
		default:
			fail(row, dc.Col, dc.Ref, "Dimension: unknown value %q", dim)
		}
		year, yc := get("Year")
		if y, err := strconv.Atoi(year); err != nil || y < 1990 || y > 2100 {
			fail(row, yc.Col, yc.Ref, "Year: %q is not a year between 1990 and 2100", year)
		}
		if unit, uc := get("Unit of measurement"); unit != "Counts" {
			fail(row, uc.Col, uc.Ref, "Unit of measurement: %q, expected Counts", unit)
		}
		raw, vc := get("txtVALUE")
		value, censored, err := parseUNODCValue(raw)
		if err != nil {
			fail(row, vc.Col, vc.Ref, "txtVALUE: %v", err)
		}
		src, _ := get("Source")
		if bad {
			return nil // quarantined
		}
		ob.Append(Observation{
			Source: "unodc_glotip", Edition: release,
			Jurisdiction: iso, JurisdictionName: country,
			Period: year, Measure: measure,
			Sex: sex, AgeGroup: age, Form: form, Breakdown: breakdown,
			Value: value, Censored: censored,
			SourceURL: "https://dataunodc.un.org/sites/dataunodc.un.org/files/data_glotip.xlsx", SourceKind: KindPrimary,
			Notes: src,
		})
		return nil
	})
	if walkErr != nil && walkErr != errStop {
		var pe *diag.PosError
		if !errors.As(walkErr, &pe) {
			walkErr = &diag.PosError{File: in.Name, Line: headerRow + rows + 1, Col: 1, Cell: sh.Name, Msg: walkErr.Error()}
		}
		return nil, walkErr
	}
	if fatal != nil {
		return nil, fatal
	}
	if col == nil {
		return nil, &diag.PosError{File: in.Name, Line: 1, Col: 1, Cell: sh.Name + "!A1", Msg: "no header row (starting with Iso3_code) found"}
	}
	if release == "" {
		return nil, &diag.PosError{File: in.Name, Line: 1, Col: 1, Cell: sh.Name + "!A1", Msg: "no release date (DD/MM/YYYY) above the header"}
	}
	return &Output{Tables: map[string]arrowBatch{TableObservations: ob.NewRecordBatch()}, Provenance: in.Provenance,
		Quarantine: errs, QuarantinedRows: badRows, RowsRead: int64(rows)}, nil
}

// parseUNODCValue reads txtVALUE: a count with thousands separators, or the
// suppression marker "<5", which stays censored (never 0, never 5).
func parseUNODCValue(s string) (*float64, string, error) {
	if s == "<5" {
		return nil, "<5", nil
	}
	if s == "" {
		return nil, "", errors.New("empty value")
	}
	n, err := printed.Count(s)
	if errors.Is(err, printed.ErrMisplaced) {
		return nil, "", fmt.Errorf("%q has misplaced thousands separators", s)
	}
	if err != nil || strings.HasSuffix(s, ".0") {
		return nil, "", fmt.Errorf("%q is neither a count nor <5", s)
	}
	v := float64(n)
	return &v, "", nil
}

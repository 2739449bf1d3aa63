package sources

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/palermo-project/palermo/internal/csvx"
	"github.com/palermo-project/palermo/internal/diag"
	"github.com/palermo-project/palermo/internal/identifiers"
	"github.com/palermo-project/palermo/internal/iso3166"
)

// ctdc: the Counter Trafficking Data Collaborative's global k-anonymised
// victim dataset (IOM). Its terms forbid re-identification, and palermo
// ships no copy: an operator enables the source by configuring the file's
// URL or path. Only aggregates leave the parser: the record-level rows never
// reach the store.

func init() {
	Register(&Spec{
		Name:    "ctdc",
		Summary: "CTDC global k-anonymised victim dataset (IOM): victim records registered, by country of exploitation, year, form, sex and age; aggregates only, not shipped",
		Origin: Origin{
			Producer:         "Counter Trafficking Data Collaborative (CTDC), hosted by the International Organization for Migration",
			Title:            "CTDC global k-anonymised victim dataset",
			Description:      "Case-management and hotline records of victims, k-anonymised (rows are duplicated by the anonymisation). Registration data, not law-enforcement data. palermo keeps only counts per country, year, form of exploitation, sex and age group.",
			CitationFull:     "Counter Trafficking Data Collaborative, Global k-anonymised victim dataset.",
			AttributionShort: "CTDC (IOM)",
			URLMain:          "https://www.ctdatacollaborative.org/global-dataset",
			License:          License{Name: "CTDC terms of use (no re-identification; read before redistributing)", URL: "https://www.ctdatacollaborative.org/terms-use"},
		},
		DefaultSchedule: "0 9 5 * *",
		Tables:          []string{TableObservations},
		Parse:           parseCTDC,
	})
}

const ctdcTerms = "By using this data you agree to the Terms of Use"

var ctdcColumns = []string{"yearOfRegistration", "gender", "majorityStatus", "CountryOfExploitation",
	"isForcedLabour", "isSexualExploit", "isOtherExploit"}

type ctdcKey struct{ country, year, form, sex, age string }

func parseCTDC(ctx context.Context, in Input) (*Output, error) {
	r := csv.NewReader(csvx.BOMless(in.Reader(), 1<<20))
	r.Comma = ';'
	header, err := r.Read()
	if err != nil {
		return nil, csvx.ReadError(in.Name, err, "cannot read the header")
	}
	if len(header) == 0 || !strings.HasPrefix(header[0], ctdcTerms) {
		return nil, &diag.PosError{File: in.Name, Line: 1, Col: 1, Msg: fmt.Sprintf("the first header cell must be CTDC's terms-of-use sentence (%q...)", ctdcTerms)}
	}
	col := map[string]int{}
	for i, h := range header[1:] {
		h = strings.TrimSpace(h)
		if identifiers.IsIdentifier(h) {
			_, c := r.FieldPos(i + 1)
			return nil, &diag.PosError{File: in.Name, Line: 1, Col: c, Msg: fmt.Sprintf("column %q carries personal identifiers; palermo refuses this input", h)}
		}
		col[h] = i + 1
	}
	var missing []string
	for _, w := range ctdcColumns {
		if _, ok := col[w]; !ok {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		return nil, &diag.PosError{File: in.Name, Line: 1, Col: 1, Msg: "unexpected header; missing columns: " + strings.Join(missing, ", ")}
	}
	var (
		errs          diag.ErrorList // problems of quarantined rows
		rows, badRows int64
	)
	counts := map[ctdcKey]float64{}
	for ; ; rows++ {
		if rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		bad := false
		record := func(e *diag.PosError) {
			if !bad {
				bad = true
				badRows++
			}
			errs.Keep(e)
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				record(csvx.FieldCountError(in.Name, pe.StartLine, len(rec), len(header)))
				continue
			}
			return nil, csvx.ReadError(in.Name, err, "cannot read")
		}
		get := func(name string) string { return strings.TrimSpace(rec[col[name]]) }
		failAt := func(name, format string, args ...any) {
			l, c := r.FieldPos(col[name])
			record(&diag.PosError{File: in.Name, Line: l, Col: c, Msg: fmt.Sprintf(format, args...)})
		}
		year := get("yearOfRegistration")
		if year != "" {
			if y, err := strconv.Atoi(year); err != nil || y < 1990 || y > 2100 {
				failAt("yearOfRegistration", "yearOfRegistration %q is not a year", year)
				continue
			}
		}
		country := ""
		if c := get("CountryOfExploitation"); c != "" {
			a3, ok := iso3166.Alpha2[strings.ToUpper(c)]
			if !ok {
				failAt("CountryOfExploitation", "CountryOfExploitation %q is not an ISO 3166-1 alpha-2 code", c)
				continue
			}
			country = a3
		}
		flag := func(name string) bool {
			switch v := get(name); v {
			case "1":
				return true
			case "0", "":
				return false
			default:
				failAt(name, "%s: %q is neither 1, 0 nor empty", name, v)
				return false
			}
		}
		sex := strings.ToLower(get("gender"))
		if sex == "" {
			sex = "unknown"
		}
		age := map[string]string{"Adult": "adult", "Minor": "minor"}[get("majorityStatus")]
		if age == "" {
			age = "unknown"
		}
		forms := []string{All}
		if flag("isSexualExploit") {
			forms = append(forms, "sexual_exploitation")
		}
		if flag("isForcedLabour") {
			forms = append(forms, "forced_labour")
		}
		if flag("isOtherExploit") {
			forms = append(forms, "other")
		}
		if bad {
			continue
		}
		for _, f := range forms {
			counts[ctdcKey{country, year, f, sex, age}]++
		}
	}
	keys := make([]ctdcKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return lessPairs([][2]string{{a.country, b.country}, {a.year, b.year}, {a.form, b.form}, {a.sex, b.sex}, {a.age, b.age}})
	})
	ob := NewObservationsBuilder(in.Mem)
	defer ob.Release()
	for _, k := range keys {
		v := counts[k]
		ob.Append(Observation{
			Source: "ctdc", Jurisdiction: k.country, JurisdictionName: k.country, Period: k.year,
			Measure: "victim_records_registered", Sex: k.sex, AgeGroup: k.age, Form: k.form,
			Value: &v, SourceURL: "https://www.ctdatacollaborative.org/global-dataset", SourceKind: KindPrimary,
			Notes: "records counted by palermo; k-anonymisation duplicates records, so this counts records, not victims",
		})
	}
	return &Output{Tables: map[string]arrowBatch{TableObservations: ob.NewRecordBatch()}, Provenance: in.Provenance,
		Quarantine: errs, QuarantinedRows: badRows, RowsRead: rows}, nil
}

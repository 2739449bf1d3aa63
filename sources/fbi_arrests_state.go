package sources

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/palermo-project/palermo/internal/csvx"
	"github.com/palermo-project/palermo/internal/diag"
	"github.com/palermo-project/palermo/internal/printed"
)

// fbi_arrests_state: the FBI's Crime in the United States Table 69 "Arrests
// by State" for 2013-2021 (arrests under 18 and of all ages, by offence,
// with the agencies reporting and the population they cover), as compiled
// into one file by a third party: a secondary source.

// arrestsStateURL is the compilation palermo reads: a course project that
// concatenated the FBI's per-year tables (0 differences in 31,212 cells
// against the per-year exports).
const arrestsStateURL = "https://github.com/sh3laughs/Ending-Human-Trafficking-Project/blob/268a0cff9aa9643b879ba0faf52ad04d75639c77/Data/Crime/allCrimes_2013to2021.csv"

func init() {
	Register(&Spec{
		Name:    "fbi_arrests_state",
		Summary: "FBI Crime in the United States Table 69, arrests by state, under 18 and all ages, 2013-2021: prostitution and commercialized vice, all offences, agencies and population covered (secondary compilation)",
		Origin: Origin{
			Producer:         "Federal Bureau of Investigation, Uniform Crime Reporting Program; compiled by sh3laughs (Ending-Human-Trafficking-Project)",
			Title:            "Crime in the United States, Table 69: Arrests by State, 2013-2021 (compiled)",
			Description:      "Arrests reported by the agencies that sent twelve months of arrest data, by state, for people under 18 and of all ages, with the number of agencies and the population they cover. The counts are not estimates for the whole state. 2021 is NIBRS-only and not comparable with earlier years; 2020 falls sharply.",
			CitationFull:     "Federal Bureau of Investigation, Crime in the United States 2013-2021, Table 69 (Arrests by State); compiled by sh3laughs, Ending-Human-Trafficking-Project, Data/Crime/allCrimes_2013to2021.csv.",
			AttributionShort: "FBI UCR, CIUS Table 69 (compiled)",
			URLMain:          "https://ucr.fbi.gov/crime-in-the-u.s/2019/crime-in-the-u.s.-2019/tables/table-69",
			URLDownload:      arrestsStateURL,
			License:          License{Name: "FBI tables: public domain (U.S. Government work, 17 U.S.C. 105); read on a third party's compilation, which states no licence", URL: arrestsStateURL},
		},
		// The compilation is not updated; a yearly check notices a new one.
		DefaultSchedule: "0 6 1 1 *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "allCrimes_2013to2021.csv", RetrievedAt: snapshotDate},
		Parse:           parseFBIArrestsState,
	})
}

var arrestsStateColumns = []string{"", "Age", "TotalAll", "TotalViolent", "TotalProperty", "MurderManslaughter", "Rape", "Robbery",
	"AggravatedAssault", "Burglary", "Larceny", "CarTheft", "Arson", "Assault", "ForgeryCounterfeit", "Fraud", "Embezzlement",
	"StolenProperty", "Vandalism", "Weapons", "CommercialSex", "Sex", "DrugAbuse", "Gambling", "FamilyChildren", "DUI",
	"LiquorLaws", "Drunkenness", "DisorderlyConduct", "Vagrancy", "AllOther", "Suspicion", "CurfewLoitering",
	"NumberAgencies", "Population", "State", "Year"}

// arrestsStateOffences are the columns palermo publishes, by the breakdown
// it gives them.
var arrestsStateOffences = []struct{ column, breakdown string }{
	{"CommercialSex", "offence=prostitution_commercialized_vice"},
	{"TotalAll", "offence=all"},
}

// tableCount reads a count as the compiled tables print it: 5,468 (2015
// has thousands separators), 12 or 12.0 (pandas wrote some columns as
// floats); empty is not reported.
func tableCount(f *csvx.File, col string) *float64 {
	s := f.Get(col)
	if s == "" {
		return nil
	}
	n, err := printed.Count(s)
	if err != nil {
		f.Fail(col, "%s: %v", col, err)
		return nil
	}
	v := float64(n)
	return &v
}

func parseFBIArrestsState(ctx context.Context, in Input) (*Output, error) {
	seen := map[[3]string]int{}
	out, err := observationsFromCSV(ctx, in, func() (*csvx.File, error) { return csvx.Open(in.Name, in.Reader(), arrestsStateColumns) }, func(f *csvx.File, ob *ObservationsBuilder) {
		state, ok := stateByName[strings.ToUpper(strings.TrimSpace(f.Get("State")))]
		if !ok {
			f.Fail("State", "State %q is not a US state or DC", f.Get("State"))
		}
		year := f.Year("Year")
		if year != 0 && (year < 2013 || year > 2021) {
			f.Fail("Year", "Year %d is outside the tables' 2013-2021", year)
		}
		var age string
		switch a := f.Get("Age"); a {
		case "Under 18":
			age = "minor"
		case "Total all ages":
			age = All
		default:
			f.Fail("Age", "Age %q is neither \"Under 18\" nor \"Total all ages\"", a)
		}
		counts := make([]*float64, len(arrestsStateOffences))
		for i, o := range arrestsStateOffences {
			counts[i] = tableCount(f, o.column)
		}
		// The agencies and the population they cover are printed once per
		// state and year, on the under-18 row.
		// (DC 2021 gives one agency and no population: its coverage is
		// not reported, and no rate is computed on it.)
		agencies, covered := tableCount(f, "NumberAgencies"), tableCount(f, "Population")
		if !f.RowOK() {
			return
		}
		period := strconv.Itoa(year)
		k := [3]string{state, period, age}
		if prev, dup := seen[k]; dup {
			f.Fail("Age", "duplicate %s row for %s %s (first on line %d)", f.Get("Age"), f.Get("State"), period, prev)
			return
		}
		seen[k] = f.Line()
		notes := "FBI CIUS Table 69 as compiled by sh3laughs; counts of the reporting agencies only"
		if year == 2021 {
			notes += "; 2021 is NIBRS-only: not comparable with earlier years"
		}
		add := func(measure, ageGroup, breakdown string, v *float64) {
			ob.Append(Observation{
				Source: "fbi_arrests_state", Jurisdiction: state, JurisdictionName: usSubdivisions[state],
				Period: period, Measure: measure, Sex: All, AgeGroup: ageGroup, Form: All, Breakdown: breakdown,
				Value: v, SourceURL: arrestsStateURL, SourceKind: PageKind(arrestsStateURL), Notes: notes,
			})
		}
		for i, o := range arrestsStateOffences {
			add("arrests", age, o.breakdown, counts[i])
		}
		if age == "minor" {
			add("agencies_reporting", All, "", agencies)
			add("population_covered", All, "", covered)
		}

	})
	if err != nil {
		return nil, err
	}
	if out.QuarantinedRows > 0 {
		return out, nil // the rows left out are the error
	}
	// Every state and year has its under-18 and its all-ages row: a file
	// cut between the two would publish one without the other.
	var first *diag.PosError
	for k, line := range seen {
		other := k
		other[2] = map[string]string{"minor": All, All: "minor"}[k[2]]
		if _, ok := seen[other]; !ok && (first == nil || line < first.Line) {
			first = &diag.PosError{File: in.Name, Line: line, Col: 1, Msg: fmt.Sprintf("%s %s has no %s row", k[0], k[1], map[string]string{"minor": "Total all ages", All: "Under 18"}[k[2]])}
		}
	}
	if first != nil {
		out.Release()
		return nil, first
	}
	return out, nil
}

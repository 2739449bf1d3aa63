package sources

import (
	"context"
	"strings"

	"github.com/palermo-project/palermo/internal/csvx"
)

// census_acs_race: the Census Bureau's American Community Survey 1-year
// Data Profile DP05 by state, 2018: population by race (race alone), the
// denominators of racial disparity rates.

const acsURL = "https://api.census.gov/data/2018/acs/acs1/profile?get=group(DP05)&for=state:*"

func init() {
	Register(&Spec{
		Name:    "census_acs_race",
		Summary: "Census ACS 1-year 2018 Data Profile DP05 by state: population in all and by race alone (White, Black or African American)",
		Origin: Origin{
			Producer:         "U.S. Census Bureau, American Community Survey",
			Title:            "ACS 1-year estimates, Data Profile DP05 (ACS Demographic and Housing Estimates), by state, 2018",
			Description:      "Survey estimates with margins of error. Race alone, Hispanic origin asked apart: not the same categories as the FBI's race codes. Only 2018 is in palermo's snapshot.",
			CitationFull:     "U.S. Census Bureau, American Community Survey 1-year estimates 2018, table DP05, by state (Census Data API).",
			AttributionShort: "U.S. Census Bureau, ACS",
			URLMain:          "https://data.census.gov/",
			URLDownload:      acsURL,
			License:          usGovernmentWork,
		},
		// One ACS 1-year release a year, in September.
		DefaultSchedule: "0 6 1 10 *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "acs-acs1-profile-2018-GROUP_DP05_DATA.csv", RetrievedAt: snapshotDate},
		Parse:           parseACSRace,
	})
}

// acsRaceColumns are the DP05 estimates palermo reads (2018 numbering:
// the numbering changes between years), by the breakdown it gives them.
var acsRaceColumns = []struct{ column, breakdown string }{
	{"DP05_0001E", ""},
	{"DP05_0037E", "race=white"},
	{"DP05_0038E", "race=black"},
}

func parseACSRace(ctx context.Context, in Input) (*Output, error) {
	want := []string{"GEO_ID", "NAME", "state"}
	for _, c := range acsRaceColumns {
		want = append(want, c.column)
	}
	seen := map[string]int{}
	return observationsFromCSV(ctx, in, func() (*csvx.File, error) { return csvx.Read(in.Name, in.Reader(), want, true, "NAME") }, func(f *csvx.File, ob *ObservationsBuilder) {
		state, ok := stateByName[strings.ToUpper(f.Get("NAME"))]
		if !ok {
			f.Fail("NAME", "NAME %q is not a US state, DC or Puerto Rico", f.Get("NAME"))
		}
		values := make([]*int64, len(acsRaceColumns))
		for i, c := range acsRaceColumns {
			// The API's annotation sentinels (-888888888, ...) are
			// negative and fail here, as they must: they are not data.
			if values[i] = f.Count(c.column); values[i] == nil && f.RowOK() {
				f.Fail(c.column, "%s: the estimate is missing", c.column)
			}
		}
		if !f.RowOK() {
			return
		}
		if prev, dup := seen[state]; dup {
			f.Fail("NAME", "%s appears twice (first on line %d)", f.Get("NAME"), prev)
			return
		}
		seen[state] = f.Line()
		for i, c := range acsRaceColumns {
			v := float64(*values[i])
			ob.Append(Observation{Source: "census_acs_race", Jurisdiction: state, JurisdictionName: usSubdivisions[state],
				Period: "2018", Measure: "population", Sex: All, AgeGroup: All, Form: All, Breakdown: c.breakdown, Value: &v,
				SourceURL: acsURL, SourceKind: KindPrimary, Notes: "ACS 1-year 2018 DP05 " + c.column + " (survey estimate)"})
		}
	})
}

package sources

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/palermo-project/palermo/internal/csvx"
)

// fbi_juvenile_arrests: the FBI's national arrests of people under 18 by
// offence, sex and race, 1994-2016 (UCR Summary Reporting System age, sex
// and race data, ASR), as the Crime Data Explorer distributes them in its
// bulk file arrests_national_juvenile.csv. The copy palermo ships comes
// from a third party's repository (it may have passed through Excel), so
// its figures are published as secondary.

const juvenileArrestsURL = "https://github.com/captainkeemo/Juvenile-Criminal-Behavior/blob/d65f6d2e87ca18737fee0edf970e2f2665cb0483/arrests_national_juvenile.csv"

func init() {
	Register(&Spec{
		Name:    "fbi_juvenile_arrests",
		Summary: "FBI national arrests of people under 18 by offence, sex and race, 1994-2016 (UCR age, sex and race data), with the agencies reporting and the population they cover",
		Origin: Origin{
			Producer:         "Federal Bureau of Investigation, Uniform Crime Reporting Program (Summary Reporting System); copy published by a third party on GitHub",
			Title:            "National juvenile arrests by offence, age, sex and race, 1994-2016 (arrests_national_juvenile.csv)",
			Description:      "Arrests of people under 18 reported by the agencies that submitted age, sex and race data, per offence and year: by sex and age band, and by race (White, Black, Asian or Pacific Islander, American Indian or Alaska Native) from the subset of agencies that reported race. Reported counts of the reporting agencies, not national estimates.",
			CitationFull:     "Federal Bureau of Investigation, Crime Data Explorer, arrests_national_juvenile.csv (ASR); copy in captainkeemo/Juvenile-Criminal-Behavior on GitHub, commit d65f6d2e.",
			AttributionShort: "FBI UCR juvenile arrests (ASR)",
			URLMain:          cdeURL,
			URLDownload:      juvenileArrestsURL,
			License:          License{Name: "Public domain (U.S. Government work, 17 U.S.C. 105); the repository of the copy states no licence", URL: "https://www.usa.gov/government-copyright"},
		},
		// A closed series (the Summary Reporting System ended in 2021); a
		// yearly look suffices.
		DefaultSchedule: "0 6 1 3 *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "arrests_national_juvenile.csv", RetrievedAt: snapshotDate},
		Parse:           parseJuvenileArrests,
	})
}

var juvenileBands = [...]string{"0_9", "10_12", "13_14", "15", "16", "17"}

// juvenileRaces are the race columns with palermo's names for them.
var juvenileRaces = [...]struct{ column, race string }{
	{"white", "white"}, {"black", "black"},
	{"asian_pacific_islander", "asian_pacific_islander"}, {"american_indian", "american_indian_alaska_native"},
}

var asrCode = regexp.MustCompile(`^ASR_[A-Z_]+$`)

func juvenileColumns() []string {
	cols := []string{"id", "year", "state_abbr", "offense_code", "offense_name", "agencies", "population", "total_male", "total_female"}
	for _, sex := range []string{"m", "f"} {
		for _, b := range juvenileBands {
			cols = append(cols, sex+"_"+b)
		}
	}
	cols = append(cols, "race_agencies", "race_population")
	for _, r := range juvenileRaces {
		cols = append(cols, r.column)
	}
	return cols
}

func parseJuvenileArrests(ctx context.Context, in Input) (*Output, error) {
	seen := map[[2]string]int{}
	return observationsFromCSV(ctx, in, func() (*csvx.File, error) {
		return csvx.Open(in.Name, in.Reader(), juvenileColumns())
	}, func(f *csvx.File, ob *ObservationsBuilder) {
		if s := f.Get("state_abbr"); s != "" {
			f.Fail("state_abbr", "state_abbr %q: this is the national file, whose rows have none", s)
		}
		year := f.Year("year")
		code := f.Required("offense_code")
		if code != "" && !asrCode.MatchString(code) {
			f.Fail("offense_code", "offense_code %q is not an ASR offence code (ASR_PRS, ...)", code)
		}
		bySex := map[string]*int64{}
		for _, sex := range []struct{ prefix, total, name string }{{"m", "total_male", "male"}, {"f", "total_female", "female"}} {
			// Plausibility: the age bands add up to the total (an empty
			// band is none reported).
			total, sum := f.Count(sex.total), int64(0)
			for _, b := range juvenileBands {
				if n := f.Count(sex.prefix + "_" + b); n != nil {
					sum += *n
				}
			}
			if total != nil && sum != *total {
				f.Fail(sex.total, "%s %d is not the sum of its age bands, %d", sex.total, *total, sum)
			}
			if total != nil {
				v := *total
				bySex[sex.name] = &v
			}
		}
		if !f.RowOK() || year == 0 || code == "" {
			return
		}
		period := strconv.Itoa(year)
		k := [2]string{period, code}
		if prev, dup := seen[k]; dup {
			f.Fail("offense_code", "duplicate %s for %s (first on line %d)", code, period, prev)
			return
		}
		seen[k] = f.Line()
		offence := "asr_offense=" + strings.TrimPrefix(code, "ASR_")
		notes := "reported by the agencies that submitted age, sex and race data: " + f.Get("offense_name")
		add := func(measure, sex, age, breakdown string, n *int64) {
			var v *float64
			if n != nil {
				x := float64(*n)
				v = &x
			}
			ob.Append(Observation{Source: "fbi_juvenile_arrests", Jurisdiction: "USA", JurisdictionName: "United States",
				Period: period, Measure: measure, Sex: sex, AgeGroup: age, Form: All, Breakdown: breakdown, Value: v,
				SourceURL: juvenileArrestsURL, SourceKind: PageKind(juvenileArrestsURL), Notes: notes})
		}
		var all *int64
		if m, w := bySex["male"], bySex["female"]; m != nil && w != nil {
			n := *m + *w
			all = &n
		}
		add("arrests", All, "minor", offence, all)
		add("arrests", "male", "minor", offence, bySex["male"])
		add("arrests", "female", "minor", offence, bySex["female"])
		for _, r := range juvenileRaces {
			add("arrests", All, "minor", offence+";race="+r.race, f.Count(r.column))
		}
		add("agencies_reporting", All, All, offence, f.Count("agencies"))
		add("population_covered", All, All, offence, f.Count("population"))
		add("agencies_reporting", All, All, offence+";race=any", f.Count("race_agencies"))
		add("population_covered", All, All, offence+";race=any", f.Count("race_population"))
	})
}

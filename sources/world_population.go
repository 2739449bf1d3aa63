package sources

import (
	"context"
	"strconv"

	"github.com/palermo-project/palermo/internal/csvx"
)

// world_population: population by country and year, 1960-2024, the World
// Bank's SP.POP.TOTL as packaged by the datasets organisation (datahub):
// the denominators of per-capita country rates.

const worldPopulationURL = "https://github.com/datasets/population/blob/425fc447a53a26c767a15a7de60c4cc2478a0595/data/population.csv"

func init() {
	Register(&Spec{
		Name:    "world_population",
		Summary: "World Bank population by country and year, 1960-2024 (SP.POP.TOTL, datahub's package): the denominators of per-capita country rates",
		Origin: Origin{
			Producer:         "World Bank, World Development Indicators (SP.POP.TOTL); packaged by the datasets organisation (datahub.io)",
			Title:            "Population, total, by country, 1960-2024",
			Description:      "Mid-year population estimates by country. The World Bank revises past values in every release; World Bank aggregates (regions, income groups) are left out, the world (WLD) is kept.",
			CitationFull:     "World Bank, World Development Indicators, Population, total (SP.POP.TOTL); datasets/population on GitHub (datahub.io/core/population), commit 425fc447.",
			AttributionShort: "World Bank (via datahub)",
			URLMain:          "https://data.worldbank.org/indicator/SP.POP.TOTL",
			URLDownload:      worldPopulationURL,
			License:          License{Name: "ODC-PDDL-1.0 as the package states; World Bank data under the World Bank's dataset terms (credit the World Bank)", URL: "https://datahub.io/core/population"},
		},
		// The package is rebuilt when the World Bank releases, a few times a year.
		DefaultSchedule: "0 6 15 * *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "world_population.csv", RetrievedAt: snapshotDate},
		Parse:           parseWorldPopulation,
	})
}

func parseWorldPopulation(ctx context.Context, in Input) (*Output, error) {
	seen := map[[2]string]int{}
	return observationsFromCSV(ctx, in, func() (*csvx.File, error) {
		return csvx.OpenPlaces(in.Name, in.Reader(), []string{"Country Name", "Country Code", "Year", "Value"}, "Country Name")
	}, func(f *csvx.File, ob *ObservationsBuilder) {
		code := f.Required("Country Code")
		// The series starts in 1960, before the years other sources
		// accept.
		year, err := strconv.Atoi(f.Get("Year"))
		if err != nil || year < 1900 || year > 2100 {
			f.Fail("Year", "Year %q is not a year between 1900 and 2100", f.Get("Year"))
		}
		value := f.Count("Value")
		if value == nil && f.Get("Value") == "" {
			f.Fail("Value", "Value is empty (the package drops years without a value)")
		}
		if !f.RowOK() {
			return
		}
		if code != "WLD" && !alpha3Codes[code] {
			return // a World Bank aggregate (ARB, EUU, HIC, ...) or a code outside ISO 3166 (XKX)
		}
		period := strconv.Itoa(year)
		k := [2]string{code, period}
		if prev, dup := seen[k]; dup {
			f.Fail("Year", "duplicate %s %s (first on line %d)", code, period, prev)
			return
		}
		seen[k] = f.Line()
		v := float64(*value)
		ob.Append(Observation{Source: "world_population", Jurisdiction: code, JurisdictionName: f.Get("Country Name"),
			Period: period, Measure: "population", Sex: All, AgeGroup: All, Form: All, Value: &v,
			SourceURL: worldPopulationURL, SourceKind: PageKind(worldPopulationURL)})
	})
}

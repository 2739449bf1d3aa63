package sources

import (
	"context"
	"strconv"

	"github.com/palermo-project/palermo/internal/csvx"
)

// tip_scorecard: the TIP Report's Global Law Enforcement Data for data
// years 2003-2015 as compiled by Judith Kelley and Andrew Heiss for
// Scorecard Diplomacy (2017), Figure 3.2: a secondary source that fills the
// years the curated tip_global lacks (2008, 2010, 2011, 2014) and the
// labour splits. The compilers took the figures from the 2007 and 2016
// editions without saying which row comes from which, so it is published
// under its own label beside tip_global, never merged into an edition.

const scorecardURL = "https://github.com/andrewheiss/scorecard-diplomacy/blob/0ccc6fb52ed82783ac3ac35e073c20740a6a2a9d/data/original/data_figure3_2.csv"

func init() {
	Register(&Spec{
		Name:    "tip_scorecard",
		Summary: "TIP Report global law enforcement data 2003-2015 as compiled for Scorecard Diplomacy (Kelley and Heiss): prosecutions, convictions, victims identified, with labour figures (secondary)",
		Origin: Origin{
			Producer:         "U.S. Department of State (TIP Report); compiled by Judith G. Kelley and Andrew Heiss",
			Title:            "TIP Report Global Law Enforcement Data, 2003-2015 (Scorecard Diplomacy, Figure 3.2 data)",
			Description:      "The world totals of the TIP Report's law enforcement table, data years 2003-2015, from the 2007 and 2016 editions. Which edition each row comes from is not recorded; 2005 differs from the 2008 edition (a revision).",
			CitationFull:     "Kelley, Judith G. (2017). Scorecard Diplomacy. Cambridge University Press; data of Figure 3.2, andrewheiss/scorecard-diplomacy, data/original/data_figure3_2.csv; from the U.S. Department of State TIP Reports 2007 and 2016.",
			AttributionShort: "U.S. State Department TIP Report, via Kelley and Heiss",
			URLMain:          "https://www.state.gov/trafficking-in-persons-report/",
			URLDownload:      scorecardURL,
			License:          License{Name: "MIT (the compilation, Copyright (c) 2017 Judith Kelley and Andrew Heiss); the figures are a U.S. Government work", URL: "https://github.com/andrewheiss/scorecard-diplomacy/blob/f8c06be83c75c34c97bc3992e24fedc8d275c83b/LICENSE"},
		},
		// A book's data: it does not change; a yearly check is enough.
		DefaultSchedule: "0 6 1 2 *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "tip_scorecard_diplomacy.csv", RetrievedAt: snapshotDate},
		Parse:           parseTIPScorecard,
	})
}

var scorecardColumns = []struct{ column, measure, form, totalColumn string }{
	{"Prosecutions", "prosecutions", All, ""},
	{"Prosecutions (Labor)", "prosecutions", "forced_labour", "Prosecutions"},
	{"Convictions", "convictions", All, ""},
	{"Convictions (Labor)", "convictions", "forced_labour", "Convictions"},
	{"Victims identified", "victims_identified", All, ""},
	{"Victims (Labor)", "victims_identified", "forced_labour", "Victims identified"},
	{"New or amended legislation", "laws_new_or_amended", All, ""},
}

func parseTIPScorecard(ctx context.Context, in Input) (*Output, error) {
	want := []string{"Year"}
	for _, c := range scorecardColumns {
		want = append(want, c.column)
	}
	seen := map[int]int{}
	return observationsFromCSV(ctx, in, func() (*csvx.File, error) { return csvx.Open(in.Name, in.Reader(), want) }, func(f *csvx.File, ob *ObservationsBuilder) {
		year := f.Year("Year")
		values := map[string]*int64{}
		for _, c := range scorecardColumns {
			values[c.column] = f.Count(c.column)
		}
		// Plausibility: a labour figure is part of its total.
		for _, c := range scorecardColumns {
			if c.totalColumn == "" {
				continue
			}
			if part, total := values[c.column], values[c.totalColumn]; part != nil && total != nil && *part > *total {
				f.Fail(c.column, "%s %d exceeds %s %d", c.column, *part, c.totalColumn, *total)
			}
		}
		if !f.RowOK() || year == 0 {
			return
		}
		if prev, dup := seen[year]; dup {
			f.Fail("Year", "data year %d appears twice (first on line %d)", year, prev)
			return
		}
		seen[year] = f.Line()
		for _, c := range scorecardColumns {
			n := values[c.column]
			if n == nil {
				continue // blank: the compilation does not give it
			}
			v := float64(*n)
			ob.Append(Observation{Source: "tip_scorecard", Jurisdiction: "WLD", JurisdictionName: "World",
				Period: strconv.Itoa(year), Measure: c.measure, Sex: All, AgeGroup: All, Form: c.form, Value: &v,
				SourceURL: scorecardURL, SourceKind: PageKind(scorecardURL),
				Notes: "TIP Report 2007 or 2016 edition, as compiled for Scorecard Diplomacy (Figure 3.2)"})
		}
	})
}

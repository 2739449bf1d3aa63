package sources

import (
	"regexp"
	"strings"

	"github.com/palermo-project/palermo/internal/csvx"
)

// us_federal_prosecutions: US federal human-trafficking prosecution figures
// from BJS (Federal Justice Statistics Program), DOJ/DHS/FBI as reported in
// the TIP Report, and the Human Trafficking Institute's Federal Human
// Trafficking Report, curated one number per row.

func init() {
	Register(&Spec{
		Name:    "us_federal_prosecutions",
		Summary: "U.S. federal trafficking prosecutions: BJS referrals, prosecutions and convictions; DOJ figures from the TIP Report; HTI new cases by type",
		Origin: Origin{
			Producer:         "Bureau of Justice Statistics; U.S. Department of Justice (via the TIP Report); Human Trafficking Institute; curated from the pages cited per row",
			Title:            "US federal human-trafficking prosecution series (curated)",
			Description:      "BJS Human Trafficking Data Collection Activities highlights (FY2011-2022), DOJ/DHS/FBI figures from TIP Report US narratives, and Human Trafficking Institute Federal Human Trafficking Report figures. HTI revises earlier years: 2022 new cases were 183 in the 2022 report and 203 in the 2023 report; both are kept.",
			CitationFull:     "Bureau of Justice Statistics, Human Trafficking Data Collection Activities (2022-2024); Human Trafficking Institute, Federal Human Trafficking Report (2018-2023); as cited per row.",
			AttributionShort: "BJS, DOJ, Human Trafficking Institute",
			URLMain:          "https://bjs.ojp.gov/library/publications/list?series_filter=Human%20Trafficking%20Data%20Collection%20Activities",
			License:          License{Name: "BJS and DOJ pages: public domain (17 U.S.C. 105); HTI figures as quoted with attribution by the secondary pages cited per row, under those pages' own terms", URL: "https://traffickinginstitute.org/federal-human-trafficking-report/"},
		},
		// HTI revises earlier years in later reports: each HTI figure
		// is published under its report's edition (FHTR-2023).
		EditionInLabel: true,
		// BJS and HTI publish yearly; check monthly.
		DefaultSchedule: "15 7 3 * *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "us_federal_prosecution_series.csv", RetrievedAt: snapshotDate},
		Parse: curatedSeries{
			source:       "us_federal_prosecutions",
			columns:      []string{"series", "period_type", "year", "measure", "value", "source_url", "notes"},
			jurisdiction: "USA",
			period:       federalPeriod,
			notes: func(f *csvx.File) string {
				return strings.TrimSpace(f.Get("series") + "; " + f.Get("period_type") + "; " + f.Get("notes"))
			},
			edition: fhtrEdition,
		}.parse,
	})
}

var fhtrYear = regexp.MustCompile(`\b(\d{4}) FHTR\b`)

// fhtrEdition gives a Human Trafficking Institute figure the edition of the
// Federal Human Trafficking Report it was read from, as the row's notes name
// it ("2023 FHTR ..."), and reads a "_revised" measure as the measure
// itself in that later edition. Other series have no edition.
func fhtrEdition(f *csvx.File, measure string) (string, string) {
	if !strings.HasPrefix(f.Get("series"), "Human Trafficking Institute") {
		return "", measure
	}
	m := fhtrYear.FindStringSubmatch(f.Get("notes"))
	if m == nil {
		f.Fail("notes", "an HTI figure must name its report edition in notes (\"2023 FHTR ...\"): HTI revises earlier years between editions")
		return "", measure
	}
	return "FHTR-" + m[1], strings.TrimSuffix(measure, "_revised")
}

var fourDigits = regexp.MustCompile(`^\d{4}$`)

// federalPeriod maps the series' period types onto palermo periods:
// fiscal years as FY2022, calendar years (and year-end counts, and years
// "as reported") as 2022, cumulative totals as 2000-2020.
func federalPeriod(f *csvx.File) string {
	y := f.Get("year")
	if !fourDigits.MatchString(y) {
		f.Fail("year", "year %q is not a four-digit year", y)
		return ""
	}
	switch t := f.Get("period_type"); {
	case t == "fiscal_year":
		return "FY" + y
	case t == "calendar_year" || t == "calendar_yearend" || t == "year_as_reported":
		return y
	case strings.HasPrefix(t, "cumulative_"):
		span := strings.TrimPrefix(t, "cumulative_")
		if m := regexp.MustCompile(`^(\d{4})_(\d{4})$`).FindStringSubmatch(span); m != nil && m[2] == y {
			return m[1] + "-" + m[2]
		}
		f.Fail("period_type", "period_type %q does not end in the row's year %s", t, y)
	default:
		f.Fail("period_type", "unknown period_type %q; known: fiscal_year, calendar_year, calendar_yearend, year_as_reported, cumulative_YYYY_YYYY", t)
	}
	return ""
}

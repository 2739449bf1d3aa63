package sources

// us_immigration_relief: T visa (Form I-914) decisions, Continued Presence
// grants and HHS certification letters, curated per fiscal year from USCIS
// and TIP Report figures.

func init() {
	Register(&Spec{
		Name:    "us_immigration_relief",
		Summary: "U.S. immigration relief for trafficking victims: T visa (I-914) approvals and denials, Continued Presence, HHS certification letters, per fiscal year",
		Origin: Origin{
			Producer:         "U.S. Citizenship and Immigration Services; U.S. Department of State (TIP Report, United States narrative); curated from the pages cited per row",
			Title:            "T visa decisions, Continued Presence and HHS certifications (curated series)",
			Description:      "T-1 principal and family approvals and denials FY2005-2009 (USCIS five-year summary); Continued Presence FY2012-2014, T status granted, U visas and HHS letters FY2013-2014 (2015 TIP Report, United States narrative). Several rows come from secondary reproductions.",
			CitationFull:     "USCIS, Form I-914 statistics; U.S. Department of State, Trafficking in Persons Report 2015, United States narrative; as cited per row.",
			AttributionShort: "USCIS and TIP Report (US narrative)",
			URLMain:          "https://www.uscis.gov/tools/reports-and-studies/immigration-and-citizenship-data",
			License:          License{Name: "USCIS figures are U.S. Government works (17 U.S.C. 105), but every row is read on a secondary page that reproduces them, under that page's own terms", URL: "https://www.usa.gov/government-copyright"},
		},
		// USCIS publishes quarterly; check monthly.
		DefaultSchedule: "0 7 3 * *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "us_immigration_relief.csv", RetrievedAt: snapshotDate},
		Parse: curatedSeries{
			source:       "us_immigration_relief",
			columns:      []string{"fiscal_year", "measure", "value", "source_url", "notes"},
			jurisdiction: "USA",
			period:       fiscalPeriod("fiscal_year"),
			notes:        column("notes"),
		}.parse,
	})
}

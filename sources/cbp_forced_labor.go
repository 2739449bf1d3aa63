package sources

import (
	"regexp"
	"strings"

	"github.com/palermo-project/palermo/internal/csvx"
)

// cbp_forced_labor: U.S. Customs and Border Protection enforcement of the
// Tariff Act's ban on goods made with forced labour (19 U.S.C. 1307):
// Withhold Release Orders, Findings, penalties and shipments stopped.

func init() {
	Register(&Spec{
		Name:    "cbp_forced_labor",
		Summary: "CBP forced-labour import enforcement (Tariff Act section 307): Withhold Release Orders, Findings, active orders and shipments stopped",
		Origin: Origin{
			Producer:         "U.S. Customs and Border Protection; curated from the pages cited per row",
			Title:            "Withhold Release Orders and Findings under 19 U.S.C. 1307 (curated)",
			Description:      "Counts read from CBP's forced-labour pages and dashboard text, and from GAO. The per-year list of orders (1994-2023) is not in palermo's snapshot.",
			CitationFull:     "U.S. Customs and Border Protection, Withhold Release Orders and Findings list and forced labor enforcement statistics; as cited per row.",
			AttributionShort: "U.S. CBP",
			URLMain:          "https://www.cbp.gov/trade/forced-labor/withhold-release-orders-and-findings",
			License:          License{Name: "CBP pages: public domain (U.S. Government work, 17 U.S.C. 105); rows read on secondary pages keep those pages' own terms", URL: "https://www.usa.gov/government-copyright"},
		},
		// CBP updates its statistics monthly.
		DefaultSchedule: "30 7 4 * *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "cbp_forced_labor_enforcement.csv", RetrievedAt: snapshotDate},
		Parse: curatedSeries{
			source:       "cbp_forced_labor",
			columns:      []string{"period", "measure", "value", "source_url", "notes"},
			jurisdiction: "USA",
			period:       cbpPeriod,
			notes:        column("notes"),
		}.parse,
	})
}

var (
	cbpCalendar = regexp.MustCompile(`^CY(\d{4})$`)
	cbpFiscal   = regexp.MustCompile(`^FY\d{4}$`)
	cbpRange    = regexp.MustCompile(`^\d{4}-\d{2}(-\d{2})?\.\.\d{4}-\d{2}(-\d{2})?$`)
	cbpAsOf     = regexp.MustCompile(`^as of (FY\d{4}|\d{4}-\d{2}-\d{2})\b`)
	cbpPartial  = regexp.MustCompile(`^(FY\d{4}) \((\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2})\)$`)
)

// cbpPeriod normalises CBP's period labels: CY2020 is 2020, FY2024 stays,
// a month or date range stays as written (a quarter is not a year), a
// stock "as of" a date or year is dated by it, and a partial fiscal year is
// its date range.
func cbpPeriod(f *csvx.File) string {
	p := f.Get("period")
	switch {
	case cbpCalendar.MatchString(p):
		return cbpCalendar.FindStringSubmatch(p)[1]
	case cbpFiscal.MatchString(p), cbpRange.MatchString(p):
		return p
	case cbpAsOf.MatchString(p):
		return strings.TrimSpace(cbpAsOf.FindStringSubmatch(p)[1])
	case cbpPartial.MatchString(p):
		return cbpPartial.FindStringSubmatch(p)[2]
	}
	f.Fail("period", "period %q is none of CY2020, FY2024, 2024-10..2024-12, \"as of FY2024\", \"FY2021 (2020-10-01..2021-08-06)\"", p)
	return ""
}

package sources

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/palermo-project/palermo/internal/csvx"
)

// fbi_operations: results of the FBI's national child sex trafficking
// operations (Operation Cross Country and Operation Independence Day) as the
// FBI announced them, curated one operation per row from press coverage.

func init() {
	Register(&Spec{
		Name:    "fbi_operations",
		Summary: "FBI Operation Cross Country and similar national operations: minors and adults recovered or identified, traffickers and all persons arrested, as announced",
		Origin: Origin{
			Producer:         "Federal Bureau of Investigation (press releases), curated from archives.fbi.gov and news reports quoting them",
			Title:            "FBI Operation Cross Country and Operation Independence Day results",
			Description:      "One row per national operation, with the numbers the FBI announced. Definitions drift between releases (children 'recovered' vs 'identified or recovered'; 'pimps and other individuals' vs all arrests; 'suspects identified or arrested'), so each row keeps its own wording.",
			CitationFull:     "Federal Bureau of Investigation, press releases on Operation Cross Country (2008-2023) and Operation Independence Day (2019), as cited per row.",
			AttributionShort: "FBI press releases",
			URLMain:          "https://www.fbi.gov/news/press-releases",
			License:          License{Name: "FBI pages: public domain (U.S. Government work, 17 U.S.C. 105); rows read on news or advocacy pages keep those pages' own terms", URL: "https://www.usa.gov/government-copyright"},
		},
		// Operations are announced about once a year; check weekly.
		DefaultSchedule: "15 6 * * 1",
		Tables:          []string{TableOperations},
		Embedded:        &Snapshot{File: "operation_results.csv", RetrievedAt: snapshotDate},
		Parse:           parseFBIOperations,
	})
}

var fbiOperationColumns = []string{"operation", "edition", "period", "year", "cities_or_operations",
	"minors_recovered_or_identified", "adult_victims_identified", "victims_identified_total",
	"traffickers_or_pimps_arrested", "total_arrests_all_types", "suspects_identified_or_arrested",
	"missing_children_located", "source_url", "additional_source_urls", "notes"}

// fbiDefinitions records, per edition, how the release worded what it
// counted. It is read from each row's quoted release text, so that the drift
// in definitions stays visible next to the numbers.
var fbiDefinitions = map[string]struct{ victims, arrests string }{
	"II":   {"children removed from the sex trade (recovered); minors only", "all arrests, adults arrested for selling sex included"},
	"VI":   {"juveniles recovered; minors only", "pimps arrested"},
	"VII":  {"sexually exploited children recovered; minors only", "pimps and other individuals arrested"},
	"VIII": {"juveniles recovered; minors only", "pimps arrested"},
	"IX":   {"children recovered; minors only", "more than 150 pimps and other people arrested (lower bound)"},
	"X":    {"sexually exploited juveniles recovered; minors only", "pimps and other individuals arrested; some divisions also counted adults arrested for prostitution"},
	"XI":   {"minors recovered; minors only", "suspects arrested"},
	"2019": {"juveniles identified or recovered; minors only", "suspected traffickers arrested"},
	"2022": {"child victims identified and located, and adult victims identified", "not reported"},
	"XIII": {"victims of sex trafficking identified and located (total), of whom minors", "suspects of trafficking identified or arrested (not arrests only)"},
}

var isoRange = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$`)

func parseFBIOperations(ctx context.Context, in Input) (*Output, error) {
	f, err := csvx.Open(in.Name, in.Reader(), fbiOperationColumns)
	if err != nil {
		return nil, err
	}
	ob := NewOperationsBuilder(in.Mem)
	defer ob.Release()
	ids := map[string]int{}
	for f.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := f.Required("operation")
		edition := f.Required("edition")
		year := f.Year("year")
		url := f.Required("source_url")
		if url != "" && !isHTTPURL(url) {
			f.Fail("source_url", "source_url %q is not an http(s) URL", url)
		}
		op := Operation{
			Source:        "fbi_operations",
			OperationName: strings.TrimSpace(name + " " + edition),
			Agency:        "FBI",
			Jurisdiction:  "USA",
			Period:        fmt.Sprint(year),
			OperationType: "multi_agency",
			ArrestsTotal:  f.Count("total_arrests_all_types"),
			// The releases call them traffickers or pimps; not a legal finding.
			ArrestsTraffickers:           f.Count("traffickers_or_pimps_arrested"),
			VictimsAdult:                 f.Count("adult_victims_identified"),
			VictimsMinor:                 f.Count("minors_recovered_or_identified"),
			VictimsTotal:                 f.Count("victims_identified_total"),
			SuspectsIdentifiedOrArrested: f.Count("suspects_identified_or_arrested"),
			SourceURL:                    url,
		}
		f.Count("missing_children_located") // validated; located missing children are not counted as victims
		if m := isoRange.FindStringSubmatch(f.Get("period")); m != nil {
			op.StartDate, op.EndDate = f.Date("period", m[1]), f.Date("period", m[2])
		}
		if d, ok := fbiDefinitions[edition]; ok {
			op.VictimsDefinition, op.ArrestsDefinition = d.victims, d.arrests
		} else {
			op.VictimsDefinition, op.ArrestsDefinition = "as worded in notes", "as worded in notes"
		}
		notes := []string{"period: " + f.Get("period")}
		if s := f.Get("cities_or_operations"); s != "" {
			notes = append(notes, "scope: "+s)
		}
		if s := f.Get("missing_children_located"); s != "" {
			notes = append(notes, "missing children located: "+s)
		}
		if s := f.Get("notes"); s != "" {
			notes = append(notes, s)
		}
		if s := f.Get("additional_source_urls"); s != "" {
			notes = append(notes, "also: "+s)
		}
		op.Notes = strings.Join(notes, "; ")
		op.OperationID = slug(name + " " + edition + " " + op.Period)
		if prev, dup := ids[op.OperationID]; dup {
			f.Fail("edition", "operation %s %s appears twice (first on line %d)", name, edition, prev)
			continue
		}
		// Plausibility: parts of a reported total cannot exceed it.
		if op.VictimsTotal != nil && op.VictimsMinor != nil && *op.VictimsMinor > *op.VictimsTotal {
			f.Fail("minors_recovered_or_identified", "minors (%d) exceed victims_identified_total (%d)", *op.VictimsMinor, *op.VictimsTotal)
		}
		if op.ArrestsTotal != nil && op.ArrestsTraffickers != nil && *op.ArrestsTraffickers > *op.ArrestsTotal {
			f.Fail("traffickers_or_pimps_arrested", "traffickers arrested (%d) exceed total_arrests_all_types (%d)", *op.ArrestsTraffickers, *op.ArrestsTotal)
		}
		if !f.RowOK() {
			continue
		}
		ids[op.OperationID] = f.Line()
		ob.Append(&op)
	}
	return csvOutput(f, in, TableOperations, ob.NewRecordBatch())
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

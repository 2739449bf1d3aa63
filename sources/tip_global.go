package sources

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/palermo-project/palermo/internal/csvx"
	"github.com/palermo-project/palermo/internal/diag"
)

// tip_global: the U.S. State Department's "Global Law Enforcement Data" table
// from the annual Trafficking in Persons Report, curated one number per row.

func init() {
	Register(&Spec{
		Name:    "tip_global",
		Summary: "U.S. State Department TIP Report, Global Law Enforcement Data: prosecutions, convictions and victims identified worldwide and by region, with labour trafficking figures",
		Origin: Origin{
			Producer:         "U.S. Department of State, Office to Monitor and Combat Trafficking in Persons",
			Title:            "Trafficking in Persons Report: Global Law Enforcement Data",
			Description:      "Prosecutions, convictions and victims identified as reported by foreign governments, with labour trafficking in parentheses from the 2007 edition on. Each edition restates earlier years; report year N carries data year N-1. Curated by hand from state.gov and from secondary reproductions; each row names its own source.",
			CitationFull:     "U.S. Department of State, Trafficking in Persons Report (editions 2006-2024), Global Law Enforcement Data table.",
			AttributionShort: "U.S. State Department TIP Report",
			URLMain:          "https://www.state.gov/trafficking-in-persons-report/",
			License:          License{Name: "State Department pages: public domain (U.S. Government work, 17 U.S.C. 105); rows read on secondary pages keep those pages' own terms", URL: "https://www.usa.gov/government-copyright"},
		},
		// One report a year, usually in June; a weekly check finds it in days.
		DefaultSchedule: "0 6 * * 1",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "tip_global_law_enforcement.csv", RetrievedAt: snapshotDate},
		EditionInLabel:  true,
		Parse:           parseTIPGlobal,
	})
}

var tipColumns = []string{"report_year", "data_year", "region", "measure", "value", "source_url", "source_kind", "notes"}

// tipMeasures maps the curated measure names onto canonical measure and form.
var tipMeasures = map[string]struct{ measure, form string }{
	"prosecutions":               {"prosecutions", All},
	"labor_prosecutions":         {"prosecutions", "forced_labour"},
	"convictions":                {"convictions", All},
	"labor_convictions":          {"convictions", "forced_labour"},
	"victims_identified":         {"victims_identified", All},
	"labor_victims_identified":   {"victims_identified", "forced_labour"},
	"new_or_amended_legislation": {"laws_new_or_amended", All},
}

func parseTIPGlobal(ctx context.Context, in Input) (*Output, error) {
	f, err := csvx.Open(in.Name, in.Reader(), tipColumns)
	if err != nil {
		return nil, err
	}
	ob := NewObservationsBuilder(in.Mem)
	defer ob.Release()

	type key struct{ edition, period, jurisdiction, measure, form string }
	type seen struct {
		line  int
		value float64
	}
	rows := map[key]seen{}
	for f.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		reportYear := f.Year("report_year")
		dataYear := f.Year("data_year")
		if reportYear != 0 && dataYear != 0 && dataYear >= reportYear {
			f.Fail("data_year", "data_year %d must be before report_year %d (an edition reports on earlier years)", dataYear, reportYear)
		}
		region, ok := tipRegions[f.Get("region")]
		if !ok {
			f.Fail("region", "unknown region %q; known: %s", f.Get("region"), strings.Join(sortedKeys(tipRegions), ", "))
		}
		m, ok := tipMeasures[f.Get("measure")]
		if !ok {
			f.Fail("measure", "unknown measure %q; known: %s", f.Get("measure"), strings.Join(sortedKeys(tipMeasures), ", "))
		}
		var value *float64
		if n := f.Count("value"); n != nil {
			v := float64(*n)
			value = &v
		} else if f.Get("value") == "" {
			f.Fail("value", "value is required (rows exist only for numbers that were seen in the source)")
		}
		url := f.Required("source_url")
		if url != "" && !isHTTPURL(url) {
			f.Fail("source_url", "source_url %q is not an http(s) URL", url)
		}
		kind := f.Get("source_kind")
		if kind != "primary" && kind != "secondary" {
			f.Fail("source_kind", "source_kind %q must be primary or secondary", kind)
		} else if kind == KindPrimary && url != "" && PageKind(url) != KindPrimary {
			f.Fail("source_kind", "source_kind is primary but %s is not the publisher's own site (a reproduction is secondary)", PageHost(url))
		}
		if !f.RowOK() || value == nil || region.code == "" || m.measure == "" || reportYear == 0 || dataYear == 0 {
			continue
		}
		k := key{strconv.Itoa(reportYear), strconv.Itoa(dataYear), region.code, m.measure, m.form}
		if prev, dup := rows[k]; dup {
			f.Fail("measure", "duplicate %s for %s %d in the %d edition (first on line %d)", f.Get("measure"), f.Get("region"), dataYear, reportYear, prev.line)
			continue
		}
		rows[k] = seen{line: f.Line(), value: *value}
		ob.Append(Observation{
			Source: "tip_global", Edition: k.edition,
			Jurisdiction: region.code, JurisdictionName: region.name,
			Period: k.period, Measure: m.measure,
			Sex: All, AgeGroup: All, Form: m.form,
			Value: value, SourceURL: url, SourceKind: kind, Notes: f.Get("notes"),
		})
	}
	// Plausibility: a labour figure cannot exceed the total it is part of.
	// This compares rows, so it fails the whole parse.
	var implausible diag.ErrorList
	for k, part := range rows {
		if k.form == All {
			continue
		}
		tk := k
		tk.form = All
		if total, ok := rows[tk]; ok && part.value > total.value {
			implausible = append(implausible, &diag.PosError{File: in.Name, Line: part.line, Col: 1,
				Msg: fmt.Sprintf("labour %s %v exceeds the total %v on line %d", k.measure, part.value, total.value, total.line)})
		}
	}
	if len(implausible) > 0 && f.Fatal == nil {
		sort.Slice(implausible, func(i, j int) bool { return implausible[i].Line < implausible[j].Line })
		f.Fatal = implausible
	}
	return csvOutput(f, in, TableObservations, ob.NewRecordBatch())
}

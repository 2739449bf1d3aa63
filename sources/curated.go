package sources

import (
	"context"
	"regexp"
	"strings"

	"github.com/palermo-project/palermo/internal/csvx"
)

// curatedSeries describes a curated long-format CSV (one number per row,
// each with the page it was read from), the shape of the hand-typed series
// in palermo's research snapshot. Each curated source declares its layout
// in its own file and shares this parser.
type curatedSeries struct {
	source       string
	columns      []string // the exact header
	jurisdiction string
	// period reads and normalises the row's period, recording any error.
	period func(f *csvx.File) string
	// notes builds the row's notes from its columns.
	notes func(f *csvx.File) string
	// edition, when set, reads the publisher's edition of a row from its
	// columns, and may rename its measure (a "revised" measure is the
	// same measure in a later edition), recording any error.
	edition func(f *csvx.File, measure string) (edition, renamed string)
}

var measureName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func (c curatedSeries) parse(ctx context.Context, in Input) (*Output, error) {
	seen := map[[3]string]int{}
	return observationsFromCSV(ctx, in, func() (*csvx.File, error) { return csvx.Open(in.Name, in.Reader(), c.columns) }, func(f *csvx.File, ob *ObservationsBuilder) {
		period := c.period(f)
		measure := strings.ToLower(f.Required("measure"))
		if measure != "" && !measureName.MatchString(measure) {
			f.Fail("measure", "measure %q is not a name of lower-case letters, digits and underscores", f.Get("measure"))
		}
		var value *float64
		if n := f.Count("value"); n != nil {
			v := float64(*n)
			value = &v
		}
		url := f.Required("source_url")
		if url != "" && !isHTTPURL(url) {
			f.Fail("source_url", "source_url %q is not an http(s) URL", url)
		}
		var edition string
		if c.edition != nil && measure != "" {
			edition, measure = c.edition(f, measure)
		}
		if !f.RowOK() || period == "" || measure == "" {
			return
		}
		k := [3]string{edition, period, measure}
		if prev, dup := seen[k]; dup {
			f.Fail("measure", "duplicate %s for %s%s (first on line %d)", measure, period, inEdition(edition), prev)
			return
		}
		seen[k] = f.Line()
		ob.Append(Observation{
			Source: c.source, Edition: edition, Jurisdiction: c.jurisdiction, JurisdictionName: c.jurisdiction,
			Period: period, Measure: measure, Sex: All, AgeGroup: All, Form: All,
			Value: value, SourceURL: url, SourceKind: PageKind(url), Notes: c.notes(f),
		})
	})
}

var fiscalYear = regexp.MustCompile(`^(?:FY)?(\d{4})$`)

// fiscalPeriod reads a fiscal-year column as FY2014.
func fiscalPeriod(col string) func(f *csvx.File) string {
	return func(f *csvx.File) string {
		m := fiscalYear.FindStringSubmatch(f.Get(col))
		if m == nil {
			f.Fail(col, "%s: %q is not a fiscal year such as 2014 or FY2014", col, f.Get(col))
			return ""
		}
		return "FY" + m[1]
	}
}

func column(col string) func(f *csvx.File) string {
	return func(f *csvx.File) string { return f.Get(col) }
}

func inEdition(edition string) string {
	if edition == "" {
		return ""
	}
	return " in edition " + edition
}

package metrics

import (
	"github.com/palermo-project/palermo/sources"
)

// coveredRate is a rate per population where the count comes from the
// agencies that reported, not from the whole area: the FBI's arrest tables
// give the population those agencies cover. The rate divides the count by
// the covered population of the group counted (under-18s: the covered
// population times the area's under-18 share, from a population source)
// and scales it per; the covered share of the area's population travels
// with the value as its coverage.
type coveredRate struct {
	count part
	// covered is the measure of the count's source giving the population
	// the reporting agencies cover.
	covered string
	// population names the population source, whose "population"
	// measure gives the area's population by age group; group is the age
	// group counted.
	population, group string
	per               float64
	// breaks are the periods whose counts are not comparable with the
	// others (a change of collection system).
	breaks map[string]string
}

func (q coveredRate) Evaluate(f *Facts, srcs []string) []Result {
	var out []Result
	for _, g := range f.groupsOf(srcs) {
		if g.source == q.population {
			continue
		}
		r := Result{Source: g.source, Label: g.label, Jurisdiction: g.jurisdiction, Period: g.period}
		num, present := f.sum(g, q.count, &r)
		if !present {
			continue
		}
		covered, _ := f.sum(g, sel(q.covered, sources.All), &r)
		pop := groupKey{q.population, q.population, g.jurisdiction, g.period}
		area, _ := f.sum(pop, part{{"population", sources.All, sources.All, ""}}, &r)
		young, _ := f.sum(pop, part{{"population", sources.All, q.group, ""}}, &r)
		if reason := q.breaks[g.period]; reason != "" {
			r.Flags = append(r.Flags, reason)
		}
		r.Num = num
		switch {
		case num == nil:
			r.Missing = q.count.String()
		case covered == nil:
			r.Missing = q.covered
		case area == nil || young == nil:
			r.Missing = q.population + " population"
		case *area == 0:
		default:
			// Under-18s covered: the covered population at the area's
			// under-18 share. The FBI's covered population counts
			// residents, the Census estimates civilians, so in states with
			// large armed forces (Alaska, Hawaii) it exceeds the area's by
			// up to 4%: coverage is then whole, never above it.
			c := min(*covered, *area)
			den := c * *young / *area
			cov := c / *area
			r.Den, r.Coverage = &den, &cov
			if den != 0 {
				v := *num / den * q.per
				r.Value = &v
			}
		}
		out = append(out, r)
	}
	return out
}

package metrics

import (
	"strconv"

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

// eachCount calls fn with every group of the count's sources (not the
// population source) that has the count, the count read into r.
func (f *Facts) eachCount(srcs []string, population string, count part, fn func(g groupKey, r *Result, num *float64)) []Result {
	var out []Result
	for _, g := range f.groupsOf(srcs) {
		if g.source == population {
			continue
		}
		r := Result{Source: g.source, Label: g.label, Jurisdiction: g.jurisdiction, Period: g.period}
		num, present := f.sum(g, count, &r)
		if !present {
			continue
		}
		r.Num = num
		if num == nil {
			r.Missing = count.String()
		} else {
			fn(g, &r, num)
		}
		out = append(out, r)
	}
	return out
}

// population reads the population of an age group of a group's area and
// period from a population source.
func (f *Facts) population(source string, g groupKey, age string, r *Result) *float64 {
	v, _ := f.sum(groupKey{source, source, g.jurisdiction, g.period}, part{{"population", sources.All, age, ""}}, r)
	return v
}

func (q coveredRate) Evaluate(f *Facts, srcs []string) []Result {
	return f.eachCount(srcs, q.population, q.count, func(g groupKey, r *Result, num *float64) {
		covered, _ := f.sum(g, sel(q.covered, sources.All), r)
		area := f.population(q.population, g, sources.All, r)
		young := f.population(q.population, g, q.group, r)
		if reason := q.breaks[g.period]; reason != "" {
			r.Flags = append(r.Flags, reason)
		}
		switch {
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
	})
}

// populationRate is a count per population of the whole area, from a
// population source: detected victims per 100,000 people.
type populationRate struct {
	count      part
	population string
	per        float64
}

func (q populationRate) Evaluate(f *Facts, srcs []string) []Result {
	return f.eachCount(srcs, q.population, q.count, func(g groupKey, r *Result, num *float64) {
		pop := f.population(q.population, g, sources.All, r)
		switch {
		case pop == nil:
			r.Missing, r.Absent = q.population+" population", true
		case *pop != 0:
			den := *pop / q.per
			r.Den = &den
			v := *num / den
			r.Value = &v
		}
	})
}

// relativeRate is the relative rate index of two groups of people: the
// arrest rate of one group (arrests per population of the group) over the
// rate of the reference group. The numerator and denominator published are
// the two arrest counts, so that the rules on small counts of people apply
// to them. Where the population source has no estimate for the data year,
// the latest earlier one within maxYears is used and the value says so.
type relativeRate struct {
	offences         []string // NIBRS offence codes counted
	group, reference string   // race breakdowns, e.g. race=black and race=white
	population       string
	maxYears         int
}

func (q relativeRate) arrests(race string) part {
	var p part
	for _, o := range q.offences {
		p = append(p, measureSel{"arrests", sources.All, sources.All, "nibrs_offense=" + o + ";" + race})
	}
	return p
}

func (q relativeRate) Evaluate(f *Facts, srcs []string) []Result {
	var out []Result
	for _, g := range f.groupsOf(srcs) {
		if g.source == q.population {
			continue
		}
		r := Result{Source: g.source, Label: g.label, Jurisdiction: g.jurisdiction, Period: g.period}
		a, okA := f.sum(g, q.arrests(q.group), &r)
		b, okB := f.sum(g, q.arrests(q.reference), &r)
		if !okA || !okB {
			continue // no arrests by race in this group
		}
		r.Num, r.Den = a, b
		popA, popB, year := f.populationNear(q.population, g, q.group, q.reference, q.maxYears, &r)
		switch {
		case a == nil || b == nil:
			r.Missing = "arrests by race"
		case popA == nil || popB == nil:
			r.Missing, r.Absent = q.population+" population by race", true
		case *b == 0 || *popA == 0 || *popB == 0:
		default:
			if year != g.period {
				r.Flags = append(r.Flags, ReasonPopulationYear)
			}
			v := (*a / *popA) / (*b / *popB)
			r.Value = &v
		}
		out = append(out, r)
	}
	return out
}

// populationNear reads two groups' populations of the group's area from a
// population source, for the data year or the latest earlier year within
// maxYears, and says which year it used.
func (f *Facts) populationNear(source string, g groupKey, a, b string, maxYears int, r *Result) (*float64, *float64, string) {
	year, err := strconv.Atoi(g.period)
	if err != nil {
		return nil, nil, ""
	}
	for y := year; y >= year-maxYears; y-- {
		pg := groupKey{source, source, g.jurisdiction, strconv.Itoa(y)}
		if !f.groups[pg] {
			continue
		}
		pa, _ := f.sum(pg, part{{"population", sources.All, sources.All, a}}, r)
		pb, _ := f.sum(pg, part{{"population", sources.All, sources.All, b}}, r)
		return pa, pb, pg.period
	}
	return nil, nil, ""
}

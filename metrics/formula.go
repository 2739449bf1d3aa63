package metrics

import (
	"sort"

	"github.com/palermo-project/palermo/sources"
)

// Formula computes an indicator's raw results from the facts of the given
// sources. It decides nothing about publication: status, suppression and
// reliability flags are applied afterwards, the same way for every formula.
type Formula interface {
	Evaluate(f *Facts, sources []string) []Result
}

// Result is one raw value of an indicator for a jurisdiction, period and
// source, before the privacy and reliability rules.
type Result struct {
	Source       string // source name (for provenance)
	Label        string // published source label, e.g. tip_global:2024
	Jurisdiction string
	Period       string
	Num, Den     *float64 // nil: not reported
	// Value is set when Num and Den (or the formula's parts) are all present.
	Value     *float64
	Censored  bool   // an input was censored at source (e.g. UNODC <5)
	Ambiguous bool   // an input appears more than once at source
	Missing   string // what is missing, when something is
	Flags     []string
	URLs      []string
}

// measureSel selects a total (all sexes, all ages, no other breakdown) of a
// canonical measure, for one form of exploitation.
type measureSel struct{ measure, form string }

func sel(measure, form string) measureSel { return measureSel{measure, form} }

func (m measureSel) key(g groupKey) obsKey {
	return obsKey{g.label, g.jurisdiction, g.period, m.measure, sources.All, sources.All, m.form, ""}
}

// groupsOf returns the (label, jurisdiction, period) groups of the named
// sources in a stable order.
func (f *Facts) groupsOf(srcs []string) []groupKey {
	want := map[string]bool{}
	for _, s := range srcs {
		want[s] = true
	}
	var out []groupKey
	for g := range f.groups {
		if want[g.source] {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.label != b.label {
			return a.label < b.label
		}
		if a.jurisdiction != b.jurisdiction {
			return a.jurisdiction < b.jurisdiction
		}
		return a.period < b.period
	})
	return out
}

// part reads one selected measure of a group into r; ok is false when the
// fact is absent.
func (f *Facts) part(g groupKey, m measureSel, r *Result) (v *float64, ok bool) {
	fact, ok := f.obs[m.key(g)]
	if !ok {
		return nil, false
	}
	if fact.ambiguous {
		r.Ambiguous = true
	}
	if fact.censored != "" {
		r.Censored = true
	}
	r.URLs = appendURL(r.URLs, fact.url)
	return fact.value, true
}

// appendURL appends u unless it is empty or already there.
func appendURL(urls []string, u string) []string {
	if u == "" {
		return urls
	}
	for _, x := range urls {
		if x == u {
			return urls
		}
	}
	return append(urls, u)
}

// ratio divides one measure by another within a group.
type ratio struct{ num, den measureSel }

func (q ratio) Evaluate(f *Facts, srcs []string) []Result {
	var out []Result
	for _, g := range f.groupsOf(srcs) {
		if r, ok := q.evaluate(f, g); ok {
			out = append(out, r)
		}
	}
	return out
}

func (q ratio) evaluate(f *Facts, g groupKey) (Result, bool) {
	r := Result{Source: g.source, Label: g.label, Jurisdiction: g.jurisdiction, Period: g.period}
	num, okN := f.part(g, q.num, &r)
	den, okD := f.part(g, q.den, &r)
	if !okN && !okD {
		return r, false
	}
	r.Num, r.Den = num, den
	switch {
	case !okN:
		r.Missing = q.num.String()
	case !okD:
		r.Missing = q.den.String()
	case num != nil && den != nil && *den != 0:
		v := *num / *den
		r.Value = &v
	}
	return r, true
}

func (m measureSel) String() string {
	if m.form == sources.All {
		return m.measure
	}
	return m.measure + "/" + m.form
}

// shareGap is the difference of two shares, in percentage points.
type shareGap struct{ a, b ratio }

func (q shareGap) Evaluate(f *Facts, srcs []string) []Result {
	var out []Result
	for _, g := range f.groupsOf(srcs) {
		ra, okA := q.a.evaluate(f, g)
		rb, okB := q.b.evaluate(f, g)
		if !okA && !okB {
			continue
		}
		r := Result{Source: g.source, Label: g.label, Jurisdiction: g.jurisdiction, Period: g.period,
			Censored: ra.Censored || rb.Censored, Ambiguous: ra.Ambiguous || rb.Ambiguous}
		for _, u := range append(ra.URLs, rb.URLs...) {
			r.URLs = appendURL(r.URLs, u)
		}
		switch {
		case !okA:
			r.Missing = q.a.num.String() + " and " + q.a.den.String()
		case !okB:
			r.Missing = q.b.num.String() + " and " + q.b.den.String()
		case ra.Missing != "":
			r.Missing = ra.Missing
		case rb.Missing != "":
			r.Missing = rb.Missing
		case ra.Value != nil && rb.Value != nil:
			v := (*ra.Value - *rb.Value) * 100
			r.Value = &v
		}
		out = append(out, r)
	}
	return out
}

// operationRatio sums a numerator and a denominator over the operations of
// a jurisdiction and year that report both; an operation missing either
// number is left out, never counted as zero.
type operationRatio struct {
	num, den func(*operation) *float64
	name     string
	// flag, when set, names how an operation's numbers are partial
	// (e.g. minors_only); the flags of the operations used are kept.
	flag func(*operation) string
}

// victimsIdentified is an operation's victims identified: the reported total,
// else adults plus minors, else whichever of the two was reported alone.
func victimsIdentified(o *operation) *float64 {
	switch {
	case o.victimsTotal != nil:
		return o.victimsTotal
	case o.victimsAdult != nil && o.victimsMinor != nil:
		return ptr(*o.victimsAdult + *o.victimsMinor)
	case o.victimsMinor != nil:
		return o.victimsMinor
	default:
		return o.victimsAdult
	}
}

// victimsFlag says when victims identified stand for only part of them.
func victimsFlag(o *operation) string {
	switch {
	case o.victimsTotal != nil || (o.victimsAdult != nil && o.victimsMinor != nil):
		return ""
	case o.victimsMinor != nil:
		return "minors_only"
	case o.victimsAdult != nil:
		return "adults_only"
	}
	return ""
}

type opGroup struct{ label, jurisdiction, period string }

func (f *Facts) operationGroups(srcs []string) (map[opGroup][]*operation, []opGroup) {
	want := map[string]bool{}
	for _, s := range srcs {
		want[s] = true
	}
	groups := map[opGroup][]*operation{}
	var order []opGroup
	for _, o := range f.operations {
		if !want[o.source] {
			continue
		}
		g := opGroup{o.label, o.jurisdiction, o.period}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], o)
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.label != b.label {
			return a.label < b.label
		}
		if a.jurisdiction != b.jurisdiction {
			return a.jurisdiction < b.jurisdiction
		}
		return a.period < b.period
	})
	return groups, order
}

func (q operationRatio) Evaluate(f *Facts, srcs []string) []Result {
	groups, order := f.operationGroups(srcs)
	var out []Result
	for _, g := range order {
		r := Result{Source: groups[g][0].source, Label: g.label, Jurisdiction: g.jurisdiction, Period: g.period}
		var num, den float64
		n := 0
		for _, o := range groups[g] {
			a, b := q.num(o), q.den(o)
			if a == nil || b == nil {
				continue
			}
			n++
			num += *a
			den += *b
			r.URLs = appendURL(r.URLs, o.url)
			if q.flag != nil {
				if fl := q.flag(o); fl != "" {
					r.Flags = appendURL(r.Flags, fl)
				}
			}
		}
		if n == 0 {
			r.Missing = q.name
			for _, o := range groups[g] {
				r.URLs = appendURL(r.URLs, o.url)
			}
		} else {
			r.Num, r.Den = &num, &den
			if den != 0 {
				v := num / den
				r.Value = &v
			}
		}
		out = append(out, r)
	}
	return out
}

// operationsWithoutVictims counts operations that report zero victims among
// those that report a victim count.
type operationsWithoutVictims struct{}

func (operationsWithoutVictims) Evaluate(f *Facts, srcs []string) []Result {
	groups, order := f.operationGroups(srcs)
	var out []Result
	for _, g := range order {
		r := Result{Source: groups[g][0].source, Label: g.label, Jurisdiction: g.jurisdiction, Period: g.period}
		var zero, reported float64
		for _, o := range groups[g] {
			r.URLs = appendURL(r.URLs, o.url)
			if v := victimsIdentified(o); v != nil {
				reported++
				if *v == 0 {
					zero++
				}
			}
		}
		if reported == 0 {
			r.Missing = "operations reporting a victim count"
		} else {
			r.Num, r.Den = &zero, &reported
			v := zero / reported
			r.Value = &v
		}
		out = append(out, r)
	}
	return out
}

func ptr(v float64) *float64 { return &v }

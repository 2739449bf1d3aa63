package metrics

import (
	"cmp"
	"slices"
	"sort"
	"strings"

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
	Value    *float64
	Censored bool // an input was censored at source (e.g. UNODC <5)
	// Absent is set when an input is not in the source at all (or not
	// reported), as opposed to censored: such a value is missing whatever
	// the censored inputs held.
	Absent    bool
	Ambiguous bool   // an input appears more than once at source
	Missing   string // what is missing, when something is
	// Implausible names why the inputs contradict each other (a part above
	// its total); such a value is never published.
	Implausible string
	Flags       []string
	URLs        []string
	// Kinds are the kinds of the pages the inputs were read from.
	Kinds PageKinds
	// Coverage is the share of the area's population the reporting
	// agencies cover, where the source gives it.
	Coverage *float64
	// Counts are further counts of people the value rests on besides Num
	// and Den (a difference of shares has four), for the small-cell rule.
	Counts []*float64
}

// measureSel selects one observation of a group: a canonical measure for one
// form of exploitation, age group and breakdown, all sexes.
type measureSel struct{ measure, form, age, breakdown string }

// sel selects a total (all sexes, all ages, no other breakdown).
func sel(measure, form string) part { return part{{measure, form, sources.All, ""}} }

// part is a sum of selected observations; it is reported only when every
// one of them is.
type part []measureSel

// plus is the sum of two parts.
func (p part) plus(q part) part { return append(append(part{}, p...), q...) }

// cells builds a part from every combination of the given values.
func cells(measure, form string, ages []string, breakdowns ...string) part {
	var p part
	for _, b := range breakdowns {
		for _, a := range ages {
			p = append(p, measureSel{measure, form, a, b})
		}
	}
	return p
}

func (m measureSel) key(g groupKey) obsKey {
	return obsKey{g.label, g.jurisdiction, g.period, m.measure, sources.All, m.age, m.form, m.breakdown}
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
		return lessGroup(opGroup{a.label, a.jurisdiction, a.period}, opGroup{b.label, b.jurisdiction, b.period})
	})
	return out
}

// lessGroup orders groups by source label, jurisdiction and period, the
// order every formula returns its results in.
func lessGroup(a, b opGroup) bool {
	if a.label != b.label {
		return a.label < b.label
	}
	if a.jurisdiction != b.jurisdiction {
		return a.jurisdiction < b.jurisdiction
	}
	return a.period < b.period
}

// sum reads a part of a group into r: present is false when none of its
// observations exists; the value is nil when any is absent or not reported.
func (f *Facts) sum(g groupKey, p part, r *Result) (v *float64, present bool) {
	var total float64
	complete := true
	for _, m := range p {
		fact, found := f.obs[m.key(g)]
		if !found {
			complete = false
			r.Absent = true
			continue
		}
		present = true
		if fact.ambiguous {
			r.Ambiguous = true
		}
		if fact.censored != "" {
			r.Censored = true
		}
		r.URLs = appendURL(r.URLs, fact.url)
		r.Kinds |= fact.kind
		if fact.value == nil {
			complete = false
			r.Absent = r.Absent || fact.censored == ""
			continue
		}
		total += *fact.value
	}
	if !present || !complete {
		return nil, present
	}
	return &total, true
}

// MaxSourceURLs bounds the pages a published row names: a row built from
// hundreds of operations names the first few; every operation keeps its own
// page in the stored operations table.
const MaxSourceURLs = 5

// appendURL appends u unless it is empty, already there, or the row names
// MaxSourceURLs pages already.
func appendURL(urls []string, u string) []string {
	if len(urls) >= MaxSourceURLs || u == "" || slices.Contains(urls, u) {
		return urls
	}
	return append(urls, strings.Clone(u)) // u may point into a batch that goes away
}

// appendUnique appends s unless it is empty or already there.
func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// ratio divides one part by another within a group.
type ratio struct {
	num, den part
	// partOfTotal marks a share: the numerator counts some of what the
	// denominator counts, so a numerator above the denominator is an error
	// of the inputs (a publisher's copied cell), not a value.
	partOfTotal bool
}

// share is the ratio of a part to its total.
func share(num, den part) ratio { return ratio{num: num, den: den, partOfTotal: true} }

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
	num, okN := f.sum(g, q.num, &r)
	den, okD := f.sum(g, q.den, &r)
	if !okN && !okD {
		return r, false
	}
	r.Num, r.Den = num, den
	switch {
	case num == nil:
		r.Missing = q.num.String()
	case den == nil:
		r.Missing = q.den.String()
	case q.partOfTotal && *num > *den:
		r.Implausible = ReasonPartExceedsTotal
	case q.partOfTotal && len(q.num) == 1 && f.copiedForms(g, q.num[0]):
		r.Implausible = ReasonCopiedCells
	case *den != 0:
		v := *num / *den
		r.Value = &v
	}
	return r, true
}

// forms are the forms of exploitation a measure can be broken down by.
var forms = []string{"sexual_exploitation", "forced_labour", "other"}

// copyOrigin is the measure whose by-form cells publishers copy into other
// measures' rows: UNODC's country files repeat the victims-by-form cells
// under convictions for 41 country-years (Nigeria 2022: 1,238 "forced
// labour convictions" of 79 convictions in all, the 1,238 being its
// forced-labour victims).
const copyOrigin = "victims_identified"

// copiedForms says whether the by-form cells of m's measure in a group are a
// copy of copyOrigin's: at least two forms given for both, every one the
// same (the same number, or the same censoring marker), and at least two
// of them non-zero numbers. Identical small vectors happen by chance; two
// non-zero forms, identical cell for cell, do not.
func (f *Facts) copiedForms(g groupKey, m measureSel) bool {
	if m.form == sources.All || m.measure == copyOrigin {
		return false
	}
	common, nonZero := 0, 0
	for _, form := range forms {
		a, okA := f.obs[measureSel{m.measure, form, m.age, m.breakdown}.key(g)]
		b, okB := f.obs[measureSel{copyOrigin, form, m.age, m.breakdown}.key(g)]
		if !okA || !okB {
			continue
		}
		if (a.value == nil) != (b.value == nil) || a.value != nil && *a.value != *b.value || a.censored != b.censored {
			return false
		}
		common++
		if a.value != nil && *a.value != 0 {
			nonZero++
		}
	}
	return common >= 2 && nonZero >= 2
}

func (m measureSel) String() string {
	s := m.measure
	if m.form != sources.All {
		s += "/" + m.form
	}
	if m.age != sources.All {
		s += "/" + m.age
	}
	if m.breakdown != "" {
		s += "/" + m.breakdown
	}
	return s
}

func (p part) String() string {
	var parts []string
	for _, m := range p {
		parts = append(parts, m.String())
	}
	return strings.Join(parts, "+")
}

// count publishes a part itself (a count indicator).
type count struct{ part part }

func (q count) Evaluate(f *Facts, srcs []string) []Result {
	var out []Result
	for _, g := range f.groupsOf(srcs) {
		r := Result{Source: g.source, Label: g.label, Jurisdiction: g.jurisdiction, Period: g.period}
		v, present := f.sum(g, q.part, &r)
		switch {
		case !present:
			continue // the group has none of it: no row
		case v == nil:
			r.Missing = q.part.String()
		default:
			r.Num, r.Value = v, v
		}
		out = append(out, r)
	}
	return out
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
			Censored: ra.Censored || rb.Censored, Absent: ra.Absent || rb.Absent || !okA || !okB, Ambiguous: ra.Ambiguous || rb.Ambiguous, Implausible: cmp.Or(ra.Implausible, rb.Implausible)}
		for _, u := range append(ra.URLs, rb.URLs...) {
			r.URLs = appendURL(r.URLs, u)
		}
		r.Kinds = ra.Kinds | rb.Kinds
		r.Counts = []*float64{ra.Num, ra.Den, rb.Num, rb.Den}
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
	// flags, when set, name how an operation's numbers are partial or
	// defined otherwise (minors_only, identified_or_arrested); the flags of
	// the operations used are kept.
	flags []func(*operation) string
}

// victimsIdentified is an operation's victims identified: the reported total,
// else adults plus minors, else whichever of the two was reported alone.
func victimsIdentified(o *operation) *float64 {
	switch {
	case o.victimsTotal != nil:
		return o.victimsTotal
	case o.victimsAdult != nil && o.victimsMinor != nil:
		return o.sum(*o.victimsAdult, *o.victimsMinor)
	case o.victimsMinor != nil:
		return o.victimsMinor
	default:
		return o.victimsAdult
	}
}

// arrestsFlag says when an operation's arrest counts are not arrests only:
// a release that counted suspects "identified or arrested" gives a number
// that a ratio can use but a reader must not take for arrests.
func arrestsFlag(o *operation) string {
	if o.identifiedOrArrested {
		return ReasonIdentifiedOrArrested
	}
	return ""
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

// opAccumulator is an operation formula that folds each operation into the
// state of its group as the operations are read, so that no operation has
// to be kept in memory: a log of millions of operations aggregates in the
// space of its groups.
type opAccumulator interface {
	Formula
	key() string
	fold(st *opState, o *operation)
}

// opState is what an operation formula keeps of one group.
type opState struct {
	source         string
	num, den       float64
	n              int       // operations that report both numbers
	urls, allURLs  []string  // pages of the operations used, and of all
	kinds          PageKinds // kinds of the pages of the operations used
	allKinds       PageKinds // and of all
	flags          []string
	zero, reported float64 // for operationsWithoutVictims
}

// opStatesOf returns the states of an accumulator for the given sources, in
// label, jurisdiction and period order.
func (f *Facts) opStatesOf(acc opAccumulator, srcs []string) ([]opGroup, map[opGroup]*opState) {
	states := f.opStates[acc.key()]
	var order []opGroup
	for g, st := range states {
		if slices.Contains(srcs, st.source) {
			order = append(order, g)
		}
	}
	sort.Slice(order, func(i, j int) bool { return lessGroup(order[i], order[j]) })
	return order, states
}

func (q operationRatio) key() string { return "ratio:" + q.name }

func (q operationRatio) fold(st *opState, o *operation) {
	st.allURLs = appendURL(st.allURLs, o.url)
	st.allKinds |= o.kind
	a, b := q.num(o), q.den(o)
	if a == nil || b == nil {
		return // an operation missing either number is left out, never zero
	}
	st.n++
	st.num += *a
	st.den += *b
	st.urls = appendURL(st.urls, o.url)
	st.kinds |= o.kind
	for _, flag := range q.flags {
		st.flags = appendUnique(st.flags, flag(o))
	}
}

func (q operationRatio) Evaluate(f *Facts, srcs []string) []Result {
	order, states := f.opStatesOf(q, srcs)
	var out []Result
	for _, g := range order {
		st := states[g]
		r := Result{Source: st.source, Label: g.label, Jurisdiction: g.jurisdiction, Period: g.period,
			Flags: st.flags, URLs: st.urls, Kinds: st.kinds}
		if st.n == 0 {
			r.Missing, r.URLs, r.Kinds = q.name, st.allURLs, st.allKinds
		} else {
			num, den := st.num, st.den
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

func (operationsWithoutVictims) key() string { return "without_victims" }

func (operationsWithoutVictims) fold(st *opState, o *operation) {
	st.allURLs = appendURL(st.allURLs, o.url)
	st.allKinds |= o.kind
	if v := victimsIdentified(o); v != nil {
		st.reported++
		if *v == 0 {
			st.zero++
		}
	}
}

func (q operationsWithoutVictims) Evaluate(f *Facts, srcs []string) []Result {
	order, states := f.opStatesOf(q, srcs)
	var out []Result
	for _, g := range order {
		st := states[g]
		r := Result{Source: st.source, Label: g.label, Jurisdiction: g.jurisdiction, Period: g.period, URLs: st.allURLs, Kinds: st.allKinds}
		if st.reported == 0 {
			r.Missing = "operations reporting a victim count"
		} else {
			zero, reported := st.zero, st.reported
			r.Num, r.Den = &zero, &reported
			v := zero / reported
			r.Value = &v
		}
		out = append(out, r)
	}
	return out
}

package metrics

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/palermo-project/palermo/internal/arrowcol"
	"github.com/palermo-project/palermo/sources"
)

// Facts indexes the stored canonical tables for the formulas: observations
// by their full key, operations as rows. Reading is plain Go over Arrow
// columns (arrow-go has no group-by kernel).
type Facts struct {
	obs    map[obsKey]*obsFact
	groups map[groupKey]bool // every (label, jurisdiction, period) of each source with observations
	// operations are folded into the operation formulas' states as they
	// are read (opStates, by formula key); only the most recent few are
	// kept whole, for the operation-level series.
	opAccs   []opAccumulator
	opStates map[string]map[opGroup]*opState
	opGroups map[opGroup][]*opState // the same states by group, one per accumulator
	recent   []*operation
	worst    *operation // the last of recent once it is full: older ones are not kept
	// provenance per source name
	provenance map[string]sources.Provenance
	// names of jurisdictions as their publishers give them
	names map[string]string
	// kinds of the operations' pages, and their arrest definitions
	opKinds lastOf[PageKinds]
	opDefs  lastOf[bool]
}

type obsKey struct {
	label, jurisdiction, period, measure, sex, age, form, breakdown string
}

type groupKey struct{ source, label, jurisdiction, period string }

type obsFact struct {
	value     *float64
	censored  string
	url       string
	kind      PageKinds
	ambiguous bool // the key appears more than once in the source
}

type operation struct {
	source, label, jurisdiction, period string
	id, name                            string
	arrestsTotal, arrestsTraffickers    *float64
	arrestsSellers                      *float64
	victimsAdult, victimsMinor          *float64
	victimsTotal, victimsReferred       *float64
	url                                 string
	kind                                PageKinds
	victimsDef, arrestsDef              string     // how the operation's release counted, as worded
	identifiedOrArrested                bool       // the arrests are suspects identified or arrested
	sums                                [4]float64 // what sum returns pointers to
	nSums                               int
}

// operationCounts are the counts of the operations table that formulas
// read, each with the field of operation it fills: a formula that needs
// another count adds a line here and a field above.
var operationCounts = [...]struct {
	column string
	field  arrowcol.Field[operation, *float64]
}{
	{"arrests_total", arrowcol.FieldOf(func(o *operation) **float64 { return &o.arrestsTotal })},
	{"arrests_traffickers", arrowcol.FieldOf(func(o *operation) **float64 { return &o.arrestsTraffickers })},
	{"arrests_sellers", arrowcol.FieldOf(func(o *operation) **float64 { return &o.arrestsSellers })},
	{"victims_identified_adult", arrowcol.FieldOf(func(o *operation) **float64 { return &o.victimsAdult })},
	{"victims_identified_minor", arrowcol.FieldOf(func(o *operation) **float64 { return &o.victimsMinor })},
	{"victims_identified_total", arrowcol.FieldOf(func(o *operation) **float64 { return &o.victimsTotal })},
	{"victims_referred_to_services", arrowcol.FieldOf(func(o *operation) **float64 { return &o.victimsReferred })},
}

// sum returns a pointer to a+b valid while o is: formulas add an
// operation's counts without allocating (past the few values o holds for
// them, a sum gets its own).
func (o *operation) sum(a, b float64) *float64 {
	if o.nSums == len(o.sums) {
		v := a + b
		return &v
	}
	p := &o.sums[o.nSums]
	o.nSums++
	*p = a + b
	return p
}

// NewFacts reads the tables of every source snapshot into an index, and
// folds the operations into the catalogue's operation formulas.
func NewFacts(ctx context.Context, sets []*sources.TableSet, cat []*Indicator) (*Facts, error) {
	return newFacts(ctx, sets, cat, nil)
}

func emptyFacts(cat []*Indicator) *Facts {
	f := &Facts{obs: map[obsKey]*obsFact{}, groups: map[groupKey]bool{}, provenance: map[string]sources.Provenance{},
		names: map[string]string{}, opStates: map[string]map[opGroup]*opState{}, opGroups: map[opGroup][]*opState{},
		opKinds: lastOf[PageKinds]{derive: pageKindOf}, opDefs: lastOf[bool]{derive: countsIdentifiedOrArrested}}
	for _, ind := range cat {
		if acc, ok := ind.Formula.(opAccumulator); ok {
			if _, dup := f.opStates[acc.key()]; !dup {
				f.opAccs = append(f.opAccs, acc)
				f.opStates[acc.key()] = map[opGroup]*opState{}
			}
		}
	}
	return f
}

// newFacts is NewFacts with the operations of one snapshot already folded
// (fold, may be nil): its table is not read again.
func newFacts(ctx context.Context, sets []*sources.TableSet, cat []*Indicator, fold *OperationsFold) (*Facts, error) {
	f := emptyFacts(cat)
	for _, ts := range sets {
		f.provenance[ts.Source] = ts.Provenance
		spec, _ := sources.Lookup(ts.Source)
		editionInLabel := spec != nil && spec.EditionInLabel
		if ts.Has(sources.TableObservations) {
			if err := f.readObservations(ctx, ts, editionInLabel); err != nil {
				return nil, &SourceError{Source: ts.Source, Table: sources.TableObservations, Err: err}
			}
		}
		if !ts.Has(sources.TableOperations) {
			continue
		}
		if fold.covers(ts) {
			f.adopt(fold.facts)
			continue
		}
		if err := f.readOperations(ctx, ts); err != nil {
			return nil, &SourceError{Source: ts.Source, Table: sources.TableOperations, Err: err}
		}
	}
	return f, nil
}

// SourceError is a stored snapshot of one source that could not be read.
type SourceError struct {
	Source, Table string
	Err           error
}

func (e *SourceError) Error() string {
	return fmt.Sprintf("snapshot of %s (%s) unreadable: %v", e.Source, e.Table, e.Err)
}

func (e *SourceError) Unwrap() error { return e.Err }

// OperationsFold folds the operations table of one source snapshot while it
// is being written (palermo ingest), so that the recompute after it does
// not read the table back. Batches must be added in the table's row order;
// Publisher.FoldOperations makes one.
type OperationsFold struct {
	Source     string
	Generation string // set once the snapshot is stored; the fold is used only for it
	facts      *Facts
}

// Add folds one record batch of the operations table.
func (o *OperationsFold) Add(rec arrow.RecordBatch) error { return o.facts.foldOperations(rec) }

func (o *OperationsFold) covers(ts *sources.TableSet) bool {
	return o != nil && o.Generation != "" && ts.Source == o.Source && ts.Generation == o.Generation
}

// adopt takes over the operation groups and recent operations of another
// Facts; groups are per source, so the two never share one.
func (f *Facts) adopt(g *Facts) {
	for k, states := range g.opStates {
		for grp, st := range states {
			f.opStates[k][grp] = st
		}
	}
	for grp, sts := range g.opGroups {
		f.opGroups[grp] = sts
	}
	for _, o := range g.recent {
		f.keepRecent(o)
	}
}

// RetrievedAt says when the bytes of source were retrieved.
func (f *Facts) RetrievedAt(source string) time.Time { return f.provenance[source].RetrievedAt }

// columns maps a table's column names to indices, checking the schema.
func columns(s *arrow.Schema, want *arrow.Schema) (map[string]int, error) {
	idx := map[string]int{}
	for _, fld := range want.Fields() {
		is := s.FieldIndices(fld.Name)
		if len(is) != 1 || !arrow.TypeEqual(s.Field(is[0]).Type, fld.Type) {
			return nil, fmt.Errorf("stored table lacks column %s of type %s", fld.Name, fld.Type)
		}
		idx[fld.Name] = is[0]
	}
	return idx, nil
}

func (f *Facts) readObservations(ctx context.Context, ts *sources.TableSet, editionInLabel bool) error {
	source := ts.Source
	return ts.EachBatch(ctx, sources.TableObservations, func(rec arrow.RecordBatch) error {
		idx, err := columns(rec.Schema(), sources.ObservationsSchema)
		if err != nil {
			return err
		}
		str := func(name string) *array.String { return rec.Column(idx[name]).(*array.String) }
		edition, jur, period, measure := str("edition"), str("jurisdiction"), str("period"), str("measure")
		sex, age, form, brk := str("sex"), str("age_group"), str("exploitation_form"), str("breakdown")
		censored, url, name, kind := str("censored"), str("source_url"), str("jurisdiction_name"), str("source_kind")
		value := rec.Column(idx["value"]).(*array.Float64)
		for i := 0; i < int(rec.NumRows()); i++ {
			if jur.Value(i) == "" {
				continue // no code to publish under (e.g. UNODC's Sark)
			}
			label := source
			if editionInLabel && edition.Value(i) != "" {
				label = source + ":" + edition.Value(i)
			}
			k := obsKey{label, jur.Value(i), period.Value(i), measure.Value(i), sex.Value(i), age.Value(i), form.Value(i), brk.Value(i)}
			if prev, dup := f.obs[k]; dup {
				prev.ambiguous = true
				continue
			}
			fact := &obsFact{censored: censored.Value(i), url: url.Value(i), kind: pageKind(kind.Value(i))}
			if value.IsValid(i) {
				v := value.Value(i)
				fact.value = &v
			}
			f.obs[k] = fact
			f.groups[groupKey{source, label, k.jurisdiction, k.period}] = true
			if _, ok := f.names[k.jurisdiction]; !ok && name.Value(i) != k.jurisdiction {
				f.names[k.jurisdiction] = name.Value(i)
			}
		}
		return nil
	})
}

func (f *Facts) readOperations(ctx context.Context, ts *sources.TableSet) error {
	return ts.EachBatch(ctx, sources.TableOperations, f.foldOperations)
}

// foldOperations folds each operation of a batch into the state of its
// group for every operation formula. Strings that outlive the batch are
// copied, so that no batch stays in memory through them.
func (f *Facts) foldOperations(rec arrow.RecordBatch) error {
	idx, err := columns(rec.Schema(), sources.OperationsSchema)
	if err != nil {
		return err
	}
	str := func(name string) *array.String { return rec.Column(idx[name]).(*array.String) }
	var countCols [len(operationCounts)]*array.Int64
	var vals [len(operationCounts)]float64 // what the count pointers of the row being read point into
	for k, c := range operationCounts {
		countCols[k] = rec.Column(idx[c.column]).(*array.Int64)
	}
	src, jur, period, url, arrestsDef := str("source"), str("jurisdiction"), str("period"), str("source_url"), str("arrests_definition")
	victimsDef := str("victims_definition")
	id, name := str("operation_id"), str("operation_name")
	var o operation
	var last opGroup
	var lastStates []*opState
	for i := 0; i < int(rec.NumRows()); i++ {
		o = operation{
			source: src.Value(i), label: src.Value(i), jurisdiction: jur.Value(i), period: period.Value(i),
			id: id.Value(i), name: name.Value(i), url: url.Value(i),
		}
		o.kind = f.opKinds.of(o.url)
		o.identifiedOrArrested = f.opDefs.of(arrestsDef.Value(i))
		o.victimsDef, o.arrestsDef = victimsDef.Value(i), arrestsDef.Value(i)
		for k, c := range operationCounts {
			if !countCols[k].IsNull(i) {
				vals[k] = float64(countCols[k].Value(i))
				*c.field.In(&o) = &vals[k]
			}
		}
		g := opGroup{o.label, o.jurisdiction, o.period}
		states := lastStates
		if g != last || states == nil {
			states = f.opGroups[g]
			if states == nil {
				states = f.newGroup(g, o.source)
			}
			last, lastStates = g, states
		}
		for k, acc := range f.opAccs {
			acc.fold(states[k], &o)
		}
		f.keepRecent(&o)
	}
	return nil
}

// newGroup creates the states of a group for every accumulator.
func (f *Facts) newGroup(g opGroup, source string) []*opState {
	g = opGroup{strings.Clone(g.label), strings.Clone(g.jurisdiction), strings.Clone(g.period)}
	source = strings.Clone(source)
	states := make([]*opState, len(f.opAccs))
	for k, acc := range f.opAccs {
		states[k] = &opState{source: source}
		f.opStates[acc.key()][g] = states[k]
	}
	f.opGroups[g] = states
	return states
}

// keepRecent keeps the MaxOperationSeries most recent operations (by
// period, then id) for the operation-level series, in bounded memory. o
// may be reused by the caller: what is kept is a copy.
func (f *Facts) keepRecent(o *operation) {
	if f.worst != nil && !moreRecent(o, f.worst) {
		return
	}
	f.recent = append(f.recent, o.clone())
	if len(f.recent) > 2*MaxOperationSeries {
		f.trimRecent()
	}
}

func moreRecent(a, b *operation) bool {
	if a.period != b.period {
		return a.period > b.period
	}
	return a.id < b.id
}

func (f *Facts) trimRecent() {
	sort.Slice(f.recent, func(i, j int) bool { return moreRecent(f.recent[i], f.recent[j]) })
	if len(f.recent) >= MaxOperationSeries {
		f.recent = f.recent[:MaxOperationSeries]
		f.worst = f.recent[MaxOperationSeries-1]
	}
}

// clone copies an operation, its strings and the counts its pointers
// point to.
func (o *operation) clone() *operation {
	c := *o
	c.source, c.label, c.jurisdiction, c.period = strings.Clone(o.source), strings.Clone(o.label), strings.Clone(o.jurisdiction), strings.Clone(o.period)
	c.id, c.name, c.url = strings.Clone(o.id), strings.Clone(o.name), strings.Clone(o.url)
	c.victimsDef, c.arrestsDef = strings.Clone(o.victimsDef), strings.Clone(o.arrestsDef)
	for _, cnt := range operationCounts {
		p := cnt.field.In(o)
		if *p == nil {
			continue
		}
		v := **p
		*cnt.field.In(&c) = &v
	}
	return &c
}

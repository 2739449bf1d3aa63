package metrics

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

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
	recent   []*operation
	// provenance per source name
	provenance map[string]sources.Provenance
	// names of jurisdictions as their publishers give them
	names map[string]string
}

type obsKey struct {
	label, jurisdiction, period, measure, sex, age, form, breakdown string
}

type groupKey struct{ source, label, jurisdiction, period string }

type obsFact struct {
	value     *float64
	censored  string
	url       string
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
	vals                                [7]float64 // what the pointers above point into
}

// NewFacts reads the tables of every source snapshot into an index, and
// folds the operations into the catalogue's operation formulas.
func NewFacts(ctx context.Context, sets []*sources.TableSet, cat []*Indicator) (*Facts, error) {
	f := &Facts{obs: map[obsKey]*obsFact{}, groups: map[groupKey]bool{}, provenance: map[string]sources.Provenance{},
		names: map[string]string{}, opStates: map[string]map[opGroup]*opState{}}
	for _, ind := range cat {
		if acc, ok := ind.Formula.(opAccumulator); ok {
			if _, dup := f.opStates[acc.key()]; !dup {
				f.opAccs = append(f.opAccs, acc)
				f.opStates[acc.key()] = map[opGroup]*opState{}
			}
		}
	}
	for _, ts := range sets {
		f.provenance[ts.Source] = ts.Provenance
		spec, _ := sources.Lookup(ts.Source)
		editionInLabel := spec != nil && spec.EditionInLabel
		if ts.Has(sources.TableObservations) {
			if err := f.readObservations(ctx, ts, editionInLabel); err != nil {
				return nil, fmt.Errorf("%s observations: %w", ts.Source, err)
			}
		}
		if ts.Has(sources.TableOperations) {
			if err := f.readOperations(ctx, ts); err != nil {
				return nil, fmt.Errorf("%s operations: %w", ts.Source, err)
			}
		}
	}
	return f, nil
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
		censored, url, name := str("censored"), str("source_url"), str("jurisdiction_name")
		value := rec.Column(idx["value"]).(*array.Float64)
		for i := 0; i < int(rec.NumRows()); i++ {
			if jur.Value(i) == "" {
				continue // no code to publish under (e.g. UNODC's Sark)
			}
			label := source
			if editionInLabel {
				label = source + ":" + edition.Value(i)
			}
			k := obsKey{label, jur.Value(i), period.Value(i), measure.Value(i), sex.Value(i), age.Value(i), form.Value(i), brk.Value(i)}
			if prev, dup := f.obs[k]; dup {
				prev.ambiguous = true
				continue
			}
			fact := &obsFact{censored: censored.Value(i), url: url.Value(i)}
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
	return ts.EachBatch(ctx, sources.TableOperations, func(rec arrow.RecordBatch) error {
		idx, err := columns(rec.Schema(), sources.OperationsSchema)
		if err != nil {
			return err
		}
		str := func(name string) *array.String { return rec.Column(idx[name]).(*array.String) }
		countCols := [7]*array.Int64{}
		for k, name := range []string{"arrests_total", "arrests_traffickers", "arrests_sellers", "victims_identified_adult",
			"victims_identified_minor", "victims_identified_total", "victims_referred_to_services"} {
			countCols[k] = rec.Column(idx[name]).(*array.Int64)
		}
		src, jur, period, url := str("source"), str("jurisdiction"), str("period"), str("source_url")
		id, name := str("operation_id"), str("operation_name")
		for i := 0; i < int(rec.NumRows()); i++ {
			o := &operation{
				source: src.Value(i), label: src.Value(i), jurisdiction: jur.Value(i), period: period.Value(i),
				id: id.Value(i), name: name.Value(i), url: url.Value(i),
			}
			// One allocation an operation: the counts live in o.vals.
			count := func(k int) *float64 {
				if countCols[k].IsNull(i) {
					return nil
				}
				o.vals[k] = float64(countCols[k].Value(i))
				return &o.vals[k]
			}
			o.arrestsTotal, o.arrestsTraffickers, o.arrestsSellers = count(0), count(1), count(2)
			o.victimsAdult, o.victimsMinor, o.victimsTotal, o.victimsReferred = count(3), count(4), count(5), count(6)
			g := opGroup{o.label, o.jurisdiction, o.period}
			for _, acc := range f.opAccs {
				states := f.opStates[acc.key()]
				st, ok := states[g]
				if !ok {
					st = &opState{source: o.source}
					states[g] = st
				}
				acc.fold(st, o)
			}
			f.keepRecent(o)
		}
		return nil
	})
}

// keepRecent keeps the MaxOperationSeries most recent operations (by
// period, then id) for the operation-level series, in bounded memory.
func (f *Facts) keepRecent(o *operation) {
	f.recent = append(f.recent, o)
	if len(f.recent) > 2*MaxOperationSeries {
		f.trimRecent()
	}
}

func (f *Facts) trimRecent() {
	sort.Slice(f.recent, func(i, j int) bool {
		if f.recent[i].period != f.recent[j].period {
			return f.recent[i].period > f.recent[j].period
		}
		return f.recent[i].id < f.recent[j].id
	})
	if len(f.recent) > MaxOperationSeries {
		f.recent = f.recent[:MaxOperationSeries]
	}
}

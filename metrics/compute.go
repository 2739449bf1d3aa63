package metrics

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/palermo-project/palermo/sources"
)

// MaxOperationSeries bounds the operations published one by one (the most
// recent first), so that a large operations log cannot multiply /metrics
// series.
const MaxOperationSeries = 200

// Status of a published value (the CSV contract's status column).
type Status string

const (
	StatusOK         Status = "ok"
	StatusUnstable   Status = "unstable"   // published; denominator below the reliability threshold
	StatusSuppressed Status = "suppressed" // withheld for privacy; value, numerator and denominator blank
	StatusNoData     Status = "no_data"    // an input is not reported
	// StatusImplausible: the inputs contradict each other (a part above its
	// total); value, numerator and denominator blank, never published.
	StatusImplausible Status = "implausible"
)

// Reasons (status_reason), machine-readable.
const (
	ReasonMinCell          = "min_cell"
	ReasonComplementary    = "complementary"
	ReasonCensoredAtSource = "censored_at_source"
	ReasonMissingInput     = "missing_input"
	ReasonZeroDenominator  = "zero_denominator"
	ReasonAmbiguousInput   = "ambiguous_input"
	ReasonSmallDenominator = "small_denominator"
	ReasonPartExceedsTotal = "part_exceeds_total"
	// ReasonCopiedCells marks a share whose part is a cell the publisher
	// copied from another measure (identical by-form cells).
	ReasonCopiedCells = "copied_cells"
	// ReasonLowCoverage marks a value whose reporting agencies cover less
	// than Privacy.LowCoverageBelow of the area's population.
	ReasonLowCoverage = "low_coverage"
	// ReasonSeriesBreak marks a period not comparable with the others (the
	// FBI's 2021 move to NIBRS-only data).
	ReasonSeriesBreak = "series_break"
	// ReasonPopulationYear marks a rate whose population estimate is of
	// an earlier year than its data (the latest the source has).
	ReasonPopulationYear = "population_year_differs"
	// ReasonIdentifiedOrArrested marks a value whose arrest counts are
	// suspects "identified or arrested", not arrests only.
	ReasonIdentifiedOrArrested = "identified_or_arrested"
)

// Privacy holds the disclosure-control parameters.
type Privacy struct {
	MinCell       int // suppress derived victim counts of 1..MinCell-1
	RoundBase     int // round derived victim counts down to a multiple of this
	UnstableBelow int // flag ratios whose denominator is below this
	// LowCoverageBelow flags values resting on agencies that cover less
	// than this share of the area's population.
	LowCoverageBelow float64
}

// DefaultPrivacy is palermo's default rule set: counts of people derived
// from records withheld from 1 to 9 and rounded down to tens, ratios on
// fewer than 20 unstable, values on less than half the population covered
// unstable.
var DefaultPrivacy = Privacy{MinCell: 10, RoundBase: 10, UnstableBelow: 20, LowCoverageBelow: 0.5}

// Row is one published indicator value.
type Row struct {
	Indicator    *Indicator
	Jurisdiction string
	Period       string
	Source       string // published label, e.g. tip_global:2024
	SourceName   string // the palermo source it came from
	Value        *float64
	Numerator    *float64
	Denominator  *float64
	Status       Status
	Reason       string
	SourceURL    string // one or more http(s) URLs, separated by a space
	RetrievedAt  time.Time
	SourceKind   PageKinds // the kinds of the pages the inputs were read from
	// Coverage is the share of the area's population the reporting
	// agencies cover (nil where the source does not say).
	Coverage *float64
}

// Snapshot is the indicator table of one computation, immutable once built.
type Snapshot struct {
	Rows       []Row
	Sources    []SourceInfo
	Privacy    Privacy
	ComputedAt time.Time
	// ChangedAt is when the published figures last changed: ComputedAt,
	// or that of the earlier snapshot whose indicators.csv was the same.
	ChangedAt time.Time
	// Implausible describes the inputs of every row withheld as
	// implausible (the cells the publisher's file gives), for the run log.
	Implausible []string
	// Unreadable names the sources whose stored snapshot could not be
	// read, with why; the indicators were computed without them.
	Unreadable map[string]string
	// JurisdictionNames gives a name to the codes, as the publishers name
	// them (United States of America for USA, World for WLD).
	JurisdictionNames map[string]string
	// Operations are the operation-level counts published as their own
	// releases gave them (official figures, published as released), for
	// the operations dashboard.
	Operations []OperationRow
	// Exports are the rendered export files of this snapshot, built once
	// when it is computed and served as bytes.
	Exports *Exports
	// Exposition is the snapshot's metric families, rendered once.
	Exposition *Exposition
}

// OperationRow is one operation's published counts; nil is not reported.
type OperationRow struct {
	ID, Name, Jurisdiction, Period, Source string
	VictimsIdentified                      *float64
	VictimsFlag                            string // minors_only, adults_only or empty
	ArrestsTotal, ArrestsTraffickers       *float64
	VictimsDefinition, ArrestsDefinition   string // as the release worded what it counted
	SourceURL                              string // the operation's own release
	SourceKind                             PageKinds
}

// SourceInfo is the provenance of one source's snapshot used in a computation.
type SourceInfo struct {
	Name       string
	Generation string
	Provenance sources.Provenance
}

// Compute evaluates every catalogue entry that has a formula over the stored
// snapshots and applies the publication rules to each value.
func Compute(ctx context.Context, sets []*sources.TableSet, cat []*Indicator, p Privacy, now time.Time) (*Snapshot, error) {
	return compute(ctx, sets, cat, p, now, nil)
}

// compute is Compute with the operations of one snapshot folded already
// (see Publisher.FoldOperations); nil folds nothing.
func compute(ctx context.Context, sets []*sources.TableSet, cat []*Indicator, p Privacy, now time.Time, fold *OperationsFold) (*Snapshot, error) {
	facts, err := newFacts(ctx, sets, cat, fold)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Privacy: p, ComputedAt: now.UTC(), JurisdictionNames: facts.names}
	for _, ts := range sets {
		snap.Sources = append(snap.Sources, SourceInfo{Name: ts.Source, Generation: ts.Generation, Provenance: ts.Provenance})
	}
	sort.Slice(snap.Sources, func(i, j int) bool { return snap.Sources[i].Name < snap.Sources[j].Name })
	for _, ind := range cat {
		if ind.Formula == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, r := range ind.Formula.Evaluate(facts, ind.Sources) {
			row := publish(ind, r, p)
			if row.Status == StatusImplausible {
				snap.Implausible = append(snap.Implausible, describeImplausible(ind, r))
			}
			row.RetrievedAt = facts.RetrievedAt(r.Source)
			snap.Rows = append(snap.Rows, row)
		}
	}
	complementary(snap.Rows, Partitions)
	sortRows(snap.Rows)
	// Operation-level counts are for the few operations announced in press
	// releases; a task force's log of thousands is published through the
	// indicators, never as one series per operation.
	facts.trimRecent()
	ops := facts.recent
	for _, o := range ops {
		snap.Operations = append(snap.Operations, OperationRow{ID: o.id, Name: o.name, Jurisdiction: o.jurisdiction,
			Period: o.period, Source: o.label, VictimsIdentified: victimsIdentified(o), VictimsFlag: victimsFlag(o),
			ArrestsTotal: o.arrestsTotal, ArrestsTraffickers: o.arrestsTraffickers,
			VictimsDefinition: o.victimsDef, ArrestsDefinition: o.arrestsDef, SourceURL: o.url, SourceKind: o.kind})
	}
	sort.Slice(snap.Operations, func(i, j int) bool { return snap.Operations[i].ID < snap.Operations[j].ID })
	return snap, nil
}

// publish turns a raw result into a published row: the privacy rules
// first, then the reliability flags.
func publish(ind *Indicator, r Result, p Privacy) Row {
	row := Row{Indicator: ind, Jurisdiction: r.Jurisdiction, Period: r.Period, Source: r.Label, SourceName: r.Source,
		SourceURL: strings.Join(r.URLs, " "), SourceKind: r.Kinds, Coverage: r.Coverage}
	reasons := append([]string(nil), r.Flags...)
	switch {
	case r.Missing != "" && r.Absent:
		// An input does not exist: no value could be published, whatever
		// a censored one held, and "censored" would tell the reader wrong.
		row.Status, row.Reason = StatusNoData, ReasonMissingInput
		return row
	case r.Censored:
		// A value built on a censored input stays withheld.
		row.Status, row.Reason = StatusSuppressed, ReasonCensoredAtSource
		return row
	case r.Ambiguous:
		row.Status, row.Reason = StatusNoData, ReasonAmbiguousInput
		return row
	case r.Missing != "":
		row.Status, row.Reason = StatusNoData, ReasonMissingInput
		return row
	case r.Implausible != "":
		row.Status, row.Reason = StatusImplausible, r.Implausible
		return row
	case r.Value == nil:
		row.Status, row.Reason = StatusNoData, ReasonZeroDenominator
		return row
	}
	if ind.PrivacyClass == VictimCount && p.MinCell > 1 {
		// Counts of people palermo derives from records, of 1..k-1, are withheld,
		// and so is every ratio built on one.
		for _, v := range append([]*float64{r.Num, r.Den}, r.Counts...) {
			if v != nil && *v >= 1 && *v < float64(p.MinCell) {
				row.Status, row.Reason = StatusSuppressed, ReasonMinCell
				return row
			}
		}
	}
	row.Value, row.Numerator, row.Denominator = r.Value, r.Num, r.Den
	if ind.PrivacyClass == VictimCount && p.RoundBase > 1 {
		// Derived counts of people are published rounded down to the
		// base: a count itself, and the numerator and denominator of a
		// ratio (whose value is computed from the exact counts).
		down := func(v *float64) *float64 {
			if v == nil {
				return nil
			}
			x := math.Floor(*v/float64(p.RoundBase)) * float64(p.RoundBase)
			return &x
		}
		row.Numerator, row.Denominator = down(r.Num), down(r.Den)
		if ind.Unit == UnitCount {
			row.Value = down(r.Value)
		}
	}
	row.Status = StatusOK
	min := ind.MinDenominator
	if min == 0 {
		min = float64(p.UnstableBelow)
	}
	if r.Den != nil && *r.Den < min {
		row.Status = StatusUnstable
		reasons = append([]string{ReasonSmallDenominator}, reasons...)
	}
	if r.Coverage != nil && *r.Coverage < p.LowCoverageBelow {
		// "0 minors arrested" from agencies covering 2% of a state is not
		// a zero for the state.
		row.Status = StatusUnstable
		reasons = append(reasons, ReasonLowCoverage)
	}
	row.Reason = strings.Join(reasons, ";")
	return row
}

func sortRows(rows []Row) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Indicator.ID != b.Indicator.ID {
			return a.Indicator.ID < b.Indicator.ID
		}
		if a.Jurisdiction != b.Jurisdiction {
			return a.Jurisdiction < b.Jurisdiction
		}
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		return a.Source < b.Source
	})
}

// Includes reports whether the snapshot was computed with data of source.
func (s *Snapshot) Includes(source string) bool {
	if s == nil {
		return false
	}
	for _, si := range s.Sources {
		if si.Name == source {
			return true
		}
	}
	return false
}

// Published reports whether the row carries a value (ok or unstable).
func (r *Row) Published() bool {
	return (r.Status == StatusOK || r.Status == StatusUnstable) && r.Value != nil
}

// describeImplausible names the cells of an implausible result, which the
// published row leaves blank.
func describeImplausible(ind *Indicator, r Result) string {
	d := fmt.Sprintf("%s %s %s (%s): %s", ind.ID, r.Jurisdiction, r.Period, r.Label, r.Implausible)
	switch {
	case r.Num == nil || r.Den == nil:
	case r.Implausible == ReasonCopiedCells:
		d += fmt.Sprintf(", %s %g of %s %g: its by-form cells repeat those of the victims identified", ind.Numerator, *r.Num, ind.Denominator, *r.Den)
	default:
		d += fmt.Sprintf(", %s %g above %s %g", ind.Numerator, *r.Num, ind.Denominator, *r.Den)
	}
	return d
}

package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/palermo-project/palermo/sources"
)

// Publisher holds the latest indicator snapshot. Recompute builds a new one
// from the stored tables and swaps it in atomically, so a reader (a scrape,
// an export) sees the old snapshot or the new one, never a mix.
//
// What cannot be read or written does not take the published indicators
// down: a source whose stored snapshot is unreadable is left out (and named
// in Snapshot.Unreadable), a recompute that fails keeps the previous
// snapshot published, and an export that cannot be written leaves the
// snapshot published over HTTP; each failure is kept for LastError.
type Publisher struct {
	Catalogue []*Indicator
	Privacy   Privacy
	// Load returns the current snapshots of the enabled sources.
	Load func(ctx context.Context) ([]*sources.TableSet, error)
	// OnPublish, when set, is called with each new snapshot (e.g. to write
	// the export files).
	OnPublish func(*Snapshot) error
	Log       *slog.Logger

	mu      sync.Mutex // one recompute at a time
	foldMu  sync.Mutex
	fold    *OperationsFold // folded while its snapshot was written; used by the next recompute
	snap    atomic.Pointer[Snapshot]
	now     func() time.Time
	lastErr atomic.Pointer[error]
}

// Snapshot returns the latest indicator snapshot, nil before the first.
func (p *Publisher) Snapshot() *Snapshot { return p.snap.Load() }

// LastError is why the last recompute or publication failed, nil when it
// succeeded.
func (p *Publisher) LastError() error {
	if e := p.lastErr.Load(); e != nil {
		return *e
	}
	return nil
}

func (p *Publisher) setErr(err error) {
	if err == nil {
		p.lastErr.Store(nil)
		return
	}
	p.lastErr.Store(&err)
}

// Publish renders a computed snapshot's exports and metrics and makes it
// the latest. Recompute uses it; tests and benchmarks publish snapshots of
// their own with it. An OnPublish failure is returned, but the snapshot is
// published all the same.
func (p *Publisher) Publish(snap *Snapshot) error {
	var err error
	if snap.Exports, err = Render(snap, p.Catalogue); err != nil {
		return fmt.Errorf("render exports: %w", err)
	}
	snap.ChangedAt = snap.ComputedAt
	if prev := p.snap.Load(); prev != nil && prev.Exports != nil && bytes.Equal(prev.Exports.CSV, snap.Exports.CSV) {
		snap.ChangedAt = prev.ChangedAt
	}
	if snap.Exposition, err = renderExposition(newCollector(p.Catalogue, func() *Snapshot { return snap })); err != nil {
		return fmt.Errorf("render metrics: %w", err)
	}
	p.snap.Store(snap)
	if p.OnPublish != nil {
		if err := p.OnPublish(snap); err != nil {
			return fmt.Errorf("indicators published, but the exports were not written: %w", err)
		}
	}
	return nil
}

// FoldOperations starts folding the operations table of a snapshot of
// source as it is written (add every batch, in order, then set the fold's
// Generation once the snapshot is stored): the next Recompute takes the
// fold instead of reading that table back.
func (p *Publisher) FoldOperations(source string) *OperationsFold {
	f := &OperationsFold{Source: source, facts: emptyFacts(p.Catalogue)}
	p.foldMu.Lock()
	p.fold = f
	p.foldMu.Unlock()
	return f
}

// Recompute computes the indicators from the stored snapshots and publishes
// them. On error the previous snapshot stays.
func (p *Publisher) Recompute(ctx context.Context) (snap *Snapshot, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			snap, err = nil, fmt.Errorf("recompute: panic: %v; the previous indicators stay published", r)
		}
		switch {
		case err == nil || p.Log == nil:
		case snap != nil:
			p.Log.Error("indicators published, with a problem", "err", err)
		default:
			p.Log.Error("indicators not recomputed; the previous ones stay published", "err", err)
		}
		p.setErr(err)
	}()
	p.foldMu.Lock()
	fold := p.fold
	p.fold = nil
	p.foldMu.Unlock()
	return p.recompute(ctx, fold)
}

func (p *Publisher) recompute(ctx context.Context, fold *OperationsFold) (*Snapshot, error) {
	sets, err := p.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("recompute: %w", err)
	}
	defer func() {
		for _, s := range sets {
			s.Release()
		}
	}()
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	unreadable := map[string]string{}
	var snap *Snapshot
	for {
		snap, err = compute(ctx, sets, p.Catalogue, p.Privacy, now(), fold)
		var se *SourceError
		if err == nil || ctx.Err() != nil || !errors.As(err, &se) {
			break
		}
		// Leave the unreadable source out and compute the others.
		unreadable[se.Source] = se.Error()
		if p.Log != nil {
			p.Log.Error("stored snapshot unreadable; indicators computed without it", "source", se.Source, "err", se.Err)
		}
		kept := sets[:0]
		for _, s := range sets {
			if s.Source == se.Source {
				s.Release()
				continue
			}
			kept = append(kept, s)
		}
		sets = kept
	}
	if err != nil {
		return nil, fmt.Errorf("recompute: %w", err)
	}
	if len(unreadable) > 0 {
		snap.Unreadable = unreadable
	}
	if err := p.Publish(snap); err != nil {
		return snap, fmt.Errorf("recompute: %w", err)
	}
	if p.Log != nil {
		p.Log.Info("indicators recomputed", "rows", len(snap.Rows), "sources", len(snap.Sources))
		if n := len(snap.Implausible); n > 0 {
			first := snap.Implausible[:min(n, 10)]
			p.Log.Warn("inputs contradict each other; these values are withheld as implausible", "rows", n, "first", strings.Join(first, "; "))
		}
	}
	if len(unreadable) > 0 {
		return snap, &UnreadableError{Sources: unreadable}
	}
	return snap, nil
}

// UnreadableError says a recompute published its indicators without the
// sources whose stored snapshots could not be read.
type UnreadableError struct{ Sources map[string]string }

func (e *UnreadableError) Error() string {
	names := make([]string, 0, len(e.Sources))
	for _, msg := range e.Sources {
		names = append(names, msg)
	}
	sort.Strings(names)
	return "indicators published without unreadable snapshots: " + strings.Join(names, "; ")
}

// Collector exposes an indicator snapshot to Prometheus: one gauge family
// per indicator (palermo_<id>[_unit]{jurisdiction,period,source}),
// palermo_indicator_info for each catalogue entry, coverage, freshness and
// operation counts. It runs once per recompute, to render the snapshot's
// Exposition; a row that leaves the snapshot leaves /metrics.
type Collector struct {
	snapshot func() *Snapshot
	cat      []*Indicator
	descs    map[string]*prometheus.Desc
	info     *prometheus.Desc

	rows, unstable, coverage, retrieved, opVictims, opArrests *prometheus.Desc
}

// NewCollector builds a collector over the publisher's latest snapshot.
func NewCollector(pub *Publisher) *Collector { return newCollector(pub.Catalogue, pub.Snapshot) }

func newCollector(cat []*Indicator, snapshot func() *Snapshot) *Collector {
	c := &Collector{snapshot: snapshot, cat: cat, descs: map[string]*prometheus.Desc{},
		info: prometheus.NewDesc("palermo_indicator_info",
			"Catalogue entry of an indicator: its metric family, title, unit and direction (up: higher is more victim-centred; down: lower is; neutral: context, both extremes bad).",
			[]string{"indicator", "metric", "title", "unit", "direction"}, nil),
		rows: prometheus.NewDesc("palermo_indicator_rows",
			"Rows of the indicator table by status (ok, unstable, suppressed, implausible, no_data): how much of each indicator the data cover.",
			[]string{"indicator", "status"}, nil),
		unstable: prometheus.NewDesc("palermo_indicator_unstable",
			"1 for each published indicator value whose status is unstable (its denominator is small, or it rests on partial coverage; reason says which): join it on indicator, jurisdiction, period and source to tell unstable values from ok ones.",
			[]string{"indicator", "jurisdiction", "period", "source", "reason"}, nil),
		coverage: prometheus.NewDesc("palermo_indicator_coverage_ratio",
			"Share of the area's population covered by the agencies whose reports a published value rests on, where the source gives it (0..1): join it on indicator, jurisdiction, period and source to read a value with its coverage.",
			[]string{"indicator", "jurisdiction", "period", "source"}, nil),
		retrieved: prometheus.NewDesc("palermo_source_retrieved_timestamp_seconds",
			"Unix time at which the bytes of the source snapshot used by the indicators were retrieved from the publisher.",
			[]string{"source"}, nil),
		opVictims: prometheus.NewDesc("palermo_operation_victims_identified",
			"Victims identified (or recovered) in one enforcement operation, as its own public release gave them; flag says when only minors or only adults were reported. At most the 200 most recent operations.",
			[]string{"operation", "jurisdiction", "period", "source", "flag"}, nil),
		opArrests: prometheus.NewDesc("palermo_operation_arrests",
			"Arrests announced for one enforcement operation, by role: all (every arrest of any kind) or traffickers (alleged traffickers or pimps, as worded by the release). At most the 200 most recent operations.",
			[]string{"operation", "jurisdiction", "period", "source", "role"}, nil),
	}
	for _, ind := range cat {
		help := fmt.Sprintf("%s (unit: %s; direction: %s). %s", ind.Title, ind.Unit, ind.Direction, ind.Question)
		c.descs[ind.ID] = prometheus.NewDesc(ind.Metric(), help, []string{"jurisdiction", "period", "source"}, nil)
	}
	return c
}

func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.info
	ch <- c.rows
	ch <- c.unstable
	ch <- c.coverage
	ch <- c.retrieved
	ch <- c.opVictims
	ch <- c.opArrests
	for _, ind := range c.cat {
		ch <- c.descs[ind.ID]
	}
}

func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, ind := range c.cat {
		ch <- prometheus.MustNewConstMetric(c.info, prometheus.GaugeValue, 1, ind.ID, ind.Metric(), ind.Title, string(ind.Unit), string(ind.Direction))
	}
	snap := c.snapshot()
	if snap == nil {
		return
	}
	type rowKey struct{ id, status string }
	counts := map[rowKey]int{}
	for i := range snap.Rows {
		r := &snap.Rows[i]
		counts[rowKey{r.Indicator.ID, string(r.Status)}]++
		if !r.Published() {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.descs[r.Indicator.ID], prometheus.GaugeValue, *r.Value, r.Jurisdiction, r.Period, r.Source)
		if r.Status == StatusUnstable {
			ch <- prometheus.MustNewConstMetric(c.unstable, prometheus.GaugeValue, 1, r.Indicator.ID, r.Jurisdiction, r.Period, r.Source, r.Reason)
		}
		if r.Coverage != nil {
			ch <- prometheus.MustNewConstMetric(c.coverage, prometheus.GaugeValue, *r.Coverage, r.Indicator.ID, r.Jurisdiction, r.Period, r.Source)
		}
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.rows, prometheus.GaugeValue, float64(n), k.id, k.status)
	}
	for _, s := range snap.Sources {
		if !s.Provenance.RetrievedAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(c.retrieved, prometheus.GaugeValue, float64(s.Provenance.RetrievedAt.Unix()), s.Name)
		}
	}
	for _, o := range snap.Operations {
		if o.VictimsIdentified != nil {
			ch <- prometheus.MustNewConstMetric(c.opVictims, prometheus.GaugeValue, *o.VictimsIdentified, o.Name, o.Jurisdiction, o.Period, o.Source, o.VictimsFlag)
		}
		if o.ArrestsTotal != nil {
			ch <- prometheus.MustNewConstMetric(c.opArrests, prometheus.GaugeValue, *o.ArrestsTotal, o.Name, o.Jurisdiction, o.Period, o.Source, "all")
		}
		if o.ArrestsTraffickers != nil {
			ch <- prometheus.MustNewConstMetric(c.opArrests, prometheus.GaugeValue, *o.ArrestsTraffickers, o.Name, o.Jurisdiction, o.Period, o.Source, "traffickers")
		}
	}
}

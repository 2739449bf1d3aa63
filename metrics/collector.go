package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/palermo-project/palermo/sources"
)

// Publisher holds the latest indicator snapshot. Recompute builds a new one
// from the stored tables and swaps it in atomically, so a reader (a scrape,
// an export) sees the old snapshot or the new one, never a mix.
type Publisher struct {
	Catalogue []*Indicator
	Privacy   Privacy
	// Load returns the current snapshots of the enabled sources.
	Load func(ctx context.Context) ([]*sources.TableSet, error)
	// OnPublish, when set, is called with each new snapshot (e.g. to write
	// the export files).
	OnPublish func(*Snapshot) error
	Log       *slog.Logger

	mu   sync.Mutex // one recompute at a time
	snap atomic.Pointer[Snapshot]
	now  func() time.Time
}

// Snapshot returns the latest indicator snapshot, nil before the first.
func (p *Publisher) Snapshot() *Snapshot { return p.snap.Load() }

// Recompute computes the indicators from the stored snapshots and publishes
// them. On error the previous snapshot stays.
func (p *Publisher) Recompute(ctx context.Context) (*Snapshot, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
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
	snap, err := Compute(ctx, sets, p.Catalogue, p.Privacy, now())
	if err != nil {
		return nil, fmt.Errorf("recompute: %w", err)
	}
	if snap.Exports, err = Render(snap, p.Catalogue); err != nil {
		return nil, fmt.Errorf("recompute: render exports: %w", err)
	}
	if p.OnPublish != nil {
		if err := p.OnPublish(snap); err != nil {
			return nil, fmt.Errorf("recompute: publish: %w", err)
		}
	}
	p.snap.Store(snap)
	if p.Log != nil {
		p.Log.Info("indicators recomputed", "rows", len(snap.Rows), "sources", len(snap.Sources))
	}
	return snap, nil
}

// Collector exposes the latest indicator snapshot to Prometheus: one gauge
// family per indicator (palermo_<id>[_unit]{jurisdiction,period,source}) and
// palermo_indicator_info for each catalogue entry. Nothing is computed per
// scrape; a row that leaves the snapshot leaves /metrics.
type Collector struct {
	pub   *Publisher
	descs map[string]*prometheus.Desc
	info  *prometheus.Desc
}

// NewCollector builds the collector over a publisher.
func NewCollector(pub *Publisher) *Collector {
	c := &Collector{pub: pub, descs: map[string]*prometheus.Desc{},
		info: prometheus.NewDesc("palermo_indicator_info",
			"Catalogue entry of an indicator: its metric family, title, unit and direction (up: higher is more victim-centred; down: lower is; neutral: context, both extremes bad).",
			[]string{"indicator", "metric", "title", "unit", "direction"}, nil)}
	for _, ind := range pub.Catalogue {
		help := fmt.Sprintf("%s (unit: %s; direction: %s). %s", ind.Title, ind.Unit, ind.Direction, ind.Question)
		c.descs[ind.ID] = prometheus.NewDesc(ind.Metric(), help, []string{"jurisdiction", "period", "source"}, nil)
	}
	return c
}

func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.info
	for _, ind := range c.pub.Catalogue {
		ch <- c.descs[ind.ID]
	}
}

func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, ind := range c.pub.Catalogue {
		ch <- prometheus.MustNewConstMetric(c.info, prometheus.GaugeValue, 1, ind.ID, ind.Metric(), ind.Title, string(ind.Unit), string(ind.Direction))
	}
	snap := c.pub.Snapshot()
	if snap == nil {
		return
	}
	for i := range snap.Rows {
		r := &snap.Rows[i]
		if !r.Published() {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.descs[r.Indicator.ID], prometheus.GaugeValue, *r.Value, r.Jurisdiction, r.Period, r.Source)
	}
}

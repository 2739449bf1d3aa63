// Package pipeline runs palermo's jobs: it schedules one job per configured
// source (robfig/cron/v3 fires, palermo's own runner does the rest), stores
// each good result as a Parquet snapshot and remembers every run.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/sources"
)

// ErrSkipped is returned when a job is asked to run while its previous run
// is still going: runs never overlap.
var ErrSkipped = errors.New("skipped: the previous run of this job is still going")

// Runner runs jobs. Every run gets a context with the job's deadline, is
// recovered from panics, never overlaps another run of the same job, is
// recorded in the run history, and stores its snapshot all or nothing.
type Runner struct {
	Config  *Config
	Store   *Store
	State   *State
	Fetcher *sources.Fetcher
	Log     *slog.Logger
	Metrics *JobMetrics
	// OnStored is called after a job stored a new snapshot, e.g. to
	// recompute the indicators.
	OnStored func(ctx context.Context, source string)
	// AcceptShrink names sources whose next snapshot may be smaller than
	// min_share_of_previous of the one in use (palermo run --accept-shrink).
	AcceptShrink map[string]bool

	mu      sync.Mutex
	running map[string]*atomic.Bool
	now     func() time.Time

	// While batching, OnStored is called once at the end of the batch
	// instead of after each job (the start-up runs).
	batching, pending atomic.Bool
}

// BeginBatch defers OnStored until EndBatch.
func (r *Runner) BeginBatch() { r.batching.Store(true) }

// EndBatch calls OnStored once if any job of the batch stored a snapshot,
// unless ctx has ended (a shutdown does not wait for a recompute).
func (r *Runner) EndBatch(ctx context.Context) {
	r.batching.Store(false)
	if r.pending.Swap(false) && r.OnStored != nil && ctx.Err() == nil {
		r.OnStored(ctx, "batch")
	}
}

// NewRunner wires a runner over the given configuration and storage.
func NewRunner(cfg *Config, store *Store, state *State, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.Default()
	}
	fetcher := sources.NewFetcher()
	fetcher.CacheDir = filepath.Join(cfg.DataDir, "raw")
	r := &Runner{Config: cfg, Store: store, State: state, Fetcher: fetcher, Log: log,
		Metrics: NewJobMetrics(cfg, state), running: map[string]*atomic.Bool{}, now: time.Now}
	r.Metrics.names = r.Sources
	return r
}

func (r *Runner) flag(job string) *atomic.Bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.running[job]
	if !ok {
		f = &atomic.Bool{}
		r.running[job] = f
	}
	return f
}

// Running reports whether job is running now.
func (r *Runner) Running(job string) bool { return r.flag(job).Load() }

// Run runs job once. trigger says why (schedule, startup, manual).
func (r *Runner) Run(ctx context.Context, job, trigger string) error {
	sc, ok := r.Config.Sources[job]
	if !ok {
		return fmt.Errorf("job %s: not configured", job)
	}
	r.Log.Info("run started", "job", job, "trigger", trigger, "location", sources.RedactLocation(sc.Location))
	return r.execute(ctx, job, trigger, time.Duration(sc.Timeout), func(ctx context.Context) (*Manifest, bool, error) {
		return r.run(ctx, job, sc)
	})
}

// execute is what every run of a job goes through, scheduled or ingested:
// no overlap with another run of the job, a deadline (none when timeout is
// 0), recovery from panics, and the run recorded in the history, the job
// state and the job metrics.
func (r *Runner) execute(ctx context.Context, job, trigger string, timeout time.Duration,
	body func(context.Context) (*Manifest, bool, error)) (err error) {
	flag := r.flag(job)
	if !flag.CompareAndSwap(false, true) {
		r.Log.Warn("run skipped", "job", job, "trigger", trigger, "reason", "previous run still going")
		_ = r.State.Update(job, func(j *JobState) { j.Skipped++ })
		return ErrSkipped
	}
	defer flag.Store(false)

	log := r.Log.With("job", job, "trigger", trigger)
	start := r.now()
	parent := ctx // cancelled from outside (a shutdown), unlike the deadline below
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var (
		m       *Manifest
		changed bool
	)
	defer func() {
		if p := recover(); p != nil {
			log.Error("job panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("job %s panicked: %v", job, p)
		}
		r.finish(parent, job, trigger, start, m, changed, err)
	}()
	m, changed, err = body(ctx)
	return err
}

// Sources lists the sources whose snapshots are published: the enabled
// sources of the configuration, and the sources it does not name that
// palermo ingest stored (shown with the location "ingested").
func (r *Runner) Sources() []string {
	out := r.Config.EnabledSources()
	for _, name := range sources.Names() {
		if _, configured := r.Config.Sources[name]; configured {
			continue
		}
		if _, err := r.Store.Current(name); err == nil {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Location is where a source's job reads from, as users are shown it:
// with credentials redacted, and "ingested" for a source only ingested.
func (r *Runner) Location(source string) string {
	sc, ok := r.Config.Sources[source]
	if !ok {
		return LocationIngested
	}
	return sources.RedactLocation(sc.Location)
}

// run fetches, parses and stores one source, or each file of a source made
// of many; changed is false when nothing new was stored (the publisher
// answered "not modified").
func (r *Runner) run(ctx context.Context, job string, sc SourceConfig) (m *Manifest, changed bool, err error) {
	spec, ok := sources.Lookup(job)
	if !ok {
		return nil, false, fmt.Errorf("job %s: no such source", job)
	}
	if sc.Partitioned() {
		return r.runPartitions(ctx, spec, sc)
	}
	return r.runFile(ctx, spec, sc)
}

// runFile fetches, parses and stores one file as the snapshot spec.Name
// names (the source's, or a partition's).
func (r *Runner) runFile(ctx context.Context, spec *sources.Spec, sc SourceConfig) (m *Manifest, changed bool, err error) {
	job := spec.Name
	if spec.Stream != nil && sources.IsLocalPath(sc.Location) {
		// A local file of a streaming source is parsed as palermo ingest
		// parses it: batch by batch from the file, never whole in memory.
		m, err = r.streamFiles(ctx, spec, []string{sc.Location}, sc.QuarantineMaxShare, IngestOptions{})
		if err != nil {
			return nil, false, fmt.Errorf("parse %s: %w", job, err)
		}
		return m, true, nil
	}
	f := *r.Fetcher
	f.AllowRedirectHosts = sc.AllowRedirectHosts
	f.MaxBytes = sc.MaxBytes.OrDefault()
	res, err := f.FetchResult(ctx, spec, sc.Location)
	if err != nil {
		return nil, false, err
	}
	defer res.Close()
	if res.NotModified {
		// The publisher says nothing changed: when the stored snapshot was
		// made from these very bytes, there is nothing to parse or store.
		if m, err := r.Store.Manifest(job); err == nil && m.Provenance.SHA256 == res.Provenance.SHA256 {
			r.Log.Info("source not modified; snapshot kept", "job", job, "generation", m.Generation)
			return m, false, nil
		}
	}
	prov := res.Provenance
	if spec.Stream != nil {
		m, err = r.streamFile(ctx, spec, inputName(prov), res.File, prov, sc.QuarantineMaxShare)
		if err != nil {
			return nil, false, fmt.Errorf("parse %s: %w", job, err)
		}
		return m, true, nil
	}
	out, err := sources.ParseChecked(ctx, spec, sources.Input{Name: inputName(prov), File: res.File, Provenance: prov, Mem: memory.NewGoAllocator()}, sc.QuarantineMaxShare)
	if err != nil {
		var qe *sources.QuarantineError
		if errors.As(err, &qe) {
			source, _, _ := strings.Cut(job, "@") // a partition's rows count for its source
			_ = r.State.Update(source, func(j *JobState) { j.Quarantined = qe.Rows })
		}
		return nil, false, fmt.Errorf("parse %s: %w", job, err)
	}
	defer out.Release()
	m, err = r.storeOutput(ctx, spec, out)
	return m, err == nil, err
}

// storeOutput checks a parsed output against the snapshot in use (jumps,
// shrinkage) and stores it, unless the run was cancelled meanwhile.
func (r *Runner) storeOutput(ctx context.Context, spec *sources.Spec, out *sources.Output) (*Manifest, error) {
	if err := r.checkJumps(ctx, spec, out); err != nil {
		return nil, fmt.Errorf("%s: %w", spec.Name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err // cancelled after the parse: store nothing
	}
	rows := map[string]int64{}
	for t, b := range out.Tables {
		rows[t] = b.NumRows()
	}
	if err := r.checkShrink(spec.Name, rows, out.Provenance.Bytes); err != nil {
		return nil, err
	}
	return r.Store.Write(ctx, spec.Name, out)
}

// inputName is the file name errors are reported against.
func inputName(p sources.Provenance) string {
	if len(p.Location) > len("embedded:") && p.Location[:len("embedded:")] == "embedded:" {
		return p.Location[len("embedded:"):]
	}
	return p.Location
}

func (r *Runner) finish(ctx context.Context, job, trigger string, start time.Time, m *Manifest, changed bool, err error) {
	dur := r.now().Sub(start).Seconds()
	rec := RunRecord{Job: job, Trigger: trigger, Start: start.UTC(), Duration: dur, Success: err == nil}
	if err != nil && ctx.Err() != nil {
		// Cancelled from outside (a shutdown): the run neither failed nor
		// succeeded, and the job's health stays what its last real run said.
		rec.Error = "cancelled: " + context.Cause(ctx).Error()
		if herr := r.State.Append(rec); herr != nil {
			r.Log.Error("cannot record run history", "job", job, "err", herr)
		}
		r.Log.Info("run cancelled; the previous snapshot stays in use", "job", job, "trigger", trigger, "duration_seconds", dur)
		return
	}
	if err != nil {
		rec.Error = err.Error()
	}
	if m != nil {
		rec.Generation, rec.SHA256, rec.Rows = m.Generation, m.Provenance.SHA256, m.Rows
	}
	if herr := r.State.Append(rec); herr != nil {
		r.Log.Error("cannot record run history", "job", job, "err", herr)
	}
	if serr := r.State.Update(job, func(j *JobState) {
		j.Runs++
		j.LastRunStart, j.LastRunDuration, j.LastRunSuccess = start.UTC(), dur, err == nil
		j.LastError = rec.Error
		if err != nil {
			j.Failures++
			return
		}
		j.LastSuccess = r.now().UTC()
		j.Rows = m.Rows
		j.Quarantined = m.Quarantined
	}); serr != nil {
		r.Log.Error("cannot persist job state", "job", job, "err", serr)
	}
	r.Metrics.observe(job, dur)
	if err != nil {
		r.Log.Error("run failed; the previous snapshot stays in use", "job", job, "trigger", trigger, "duration_seconds", dur, "err", err)
	} else {
		r.Log.Info("run succeeded", "job", job, "trigger", trigger, "duration_seconds", dur, "generation", m.Generation, "rows", m.Rows)
	}
	// A source made of many files may have stored some of them in a run
	// that failed for others: what was stored is published.
	if changed && r.OnStored != nil {
		if r.batching.Load() {
			r.pending.Store(true)
			return
		}
		r.OnStored(ctx, job)
	}
}

// RunAll runs the given jobs one after the other and joins their errors.
func (r *Runner) RunAll(ctx context.Context, jobs []string, trigger string) error {
	var errs []error
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		if err := r.Run(ctx, j, trigger); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// ErrShrunk marks a new snapshot refused for being much smaller than the
// one in use.
var ErrShrunk = errors.New("much smaller than the snapshot in use")

// checkShrink refuses a new snapshot that keeps less than the source's
// min_share_of_previous of the current one's rows (any table) or bytes: a
// body cut at a line boundary parses cleanly, and only its size tells.
func (r *Runner) checkShrink(job string, rows map[string]int64, bytes int64) error {
	source, _, _ := strings.Cut(job, "@") // a partition is held to its source's setting
	share := r.Config.Sources[source].MinShare()
	if share <= 0 || r.AcceptShrink[source] {
		return nil
	}
	prev, err := r.Store.Manifest(job)
	if err != nil {
		return nil // nothing to compare with
	}
	fail := func(what string, now, before int64) error {
		return fmt.Errorf("%s: %w: %d %s against %d in generation %s (%.0f%%, below min_share_of_previous %g); if the publisher really published less, run palermo run --accept-shrink %s (or lower sources.%s.min_share_of_previous)",
			job, ErrShrunk, now, what, before, prev.Generation, 100*float64(now)/float64(before), share, job, job)
	}
	for _, t := range sortedKeys(prev.Rows) {
		if before := prev.Rows[t]; before > 0 && float64(rows[t]) < share*float64(before) {
			return fail(t+" rows", rows[t], before)
		}
	}
	if before := prev.Provenance.Bytes; before > 0 && bytes > 0 && float64(bytes) < share*float64(before) {
		return fail("bytes", bytes, before)
	}
	return nil
}

func sortedKeys(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

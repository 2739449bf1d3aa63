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

	mu      sync.Mutex
	running map[string]*atomic.Bool
	now     func() time.Time

	// While batching, OnStored is called once at the end of the batch
	// instead of after each job (the start-up runs).
	batching, pending atomic.Bool
}

// BeginBatch defers OnStored until EndBatch.
func (r *Runner) BeginBatch() { r.batching.Store(true) }

// EndBatch calls OnStored once if any job of the batch stored a snapshot.
func (r *Runner) EndBatch() {
	r.batching.Store(false)
	if r.pending.Swap(false) && r.OnStored != nil {
		r.OnStored(context.Background(), "batch")
	}
}

// NewRunner wires a runner over the given configuration and storage.
func NewRunner(cfg *Config, store *Store, state *State, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.Default()
	}
	fetcher := sources.NewFetcher()
	fetcher.CacheDir = filepath.Join(cfg.DataDir, "raw")
	return &Runner{Config: cfg, Store: store, State: state, Fetcher: fetcher, Log: log,
		Metrics: NewJobMetrics(cfg, state), running: map[string]*atomic.Bool{}, now: time.Now}
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
func (r *Runner) Run(ctx context.Context, job, trigger string) (err error) {
	sc, ok := r.Config.Sources[job]
	if !ok {
		return fmt.Errorf("job %s: not configured", job)
	}
	flag := r.flag(job)
	if !flag.CompareAndSwap(false, true) {
		r.Log.Warn("run skipped", "job", job, "trigger", trigger, "reason", "previous run still going")
		_ = r.State.Update(job, func(j *JobState) { j.Skipped++ })
		return ErrSkipped
	}
	defer flag.Store(false)

	log := r.Log.With("job", job, "trigger", trigger)
	start := r.now()
	ctx, cancel := context.WithTimeout(ctx, time.Duration(sc.Timeout))
	defer cancel()

	var (
		m       *Manifest
		changed bool
	)
	defer func() {
		if p := recover(); p != nil {
			log.Error("job panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("job %s panicked: %v", job, p)
		}
		r.finish(job, trigger, start, m, changed, err)
	}()
	log.Info("run started", "location", sc.Location)
	m, changed, err = r.run(ctx, job, sc)
	return err
}

// run fetches, parses and stores one source; changed is false when the
// publisher answered "not modified" and the stored snapshot stays.
func (r *Runner) run(ctx context.Context, job string, sc SourceConfig) (m *Manifest, changed bool, err error) {
	spec, ok := sources.Lookup(job)
	if !ok {
		return nil, false, fmt.Errorf("job %s: no such source", job)
	}
	f := *r.Fetcher
	f.AllowRedirectHosts = sc.AllowRedirectHosts
	res, err := f.FetchResult(ctx, spec, sc.Location)
	if err != nil {
		return nil, false, err
	}
	if res.NotModified {
		// The publisher says nothing changed: when the stored snapshot was
		// made from these very bytes, there is nothing to parse or store.
		if m, err := r.Store.Manifest(job); err == nil && m.Provenance.SHA256 == res.Provenance.SHA256 {
			r.Log.Info("source not modified; snapshot kept", "job", job, "generation", m.Generation)
			return m, false, nil
		}
	}
	prov := res.Provenance
	out, err := sources.ParseChecked(ctx, spec, sources.Input{Name: inputName(prov), Data: res.Data, Provenance: prov, Mem: memory.NewGoAllocator()}, sc.QuarantineMaxShare)
	if err != nil {
		var qe *sources.QuarantineError
		if errors.As(err, &qe) {
			_ = r.State.Update(job, func(j *JobState) { j.Quarantined = qe.Rows })
		}
		return nil, false, fmt.Errorf("parse %s: %w", job, err)
	}
	defer out.Release()
	if err := r.checkJumps(ctx, spec, out); err != nil {
		return nil, false, fmt.Errorf("%s: %w", job, err)
	}
	m, err = r.Store.Write(ctx, job, out)
	return m, err == nil, err
}

// inputName is the file name errors are reported against.
func inputName(p sources.Provenance) string {
	if len(p.Location) > len("embedded:") && p.Location[:len("embedded:")] == "embedded:" {
		return p.Location[len("embedded:"):]
	}
	return p.Location
}

func (r *Runner) finish(job, trigger string, start time.Time, m *Manifest, changed bool, err error) {
	dur := r.now().Sub(start).Seconds()
	rec := RunRecord{Job: job, Trigger: trigger, Start: start.UTC(), Duration: dur, Success: err == nil}
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
		return
	}
	r.Log.Info("run succeeded", "job", job, "trigger", trigger, "duration_seconds", dur, "generation", m.Generation, "rows", m.Rows)
	if changed && r.OnStored != nil {
		if r.batching.Load() {
			r.pending.Store(true)
			return
		}
		r.OnStored(context.Background(), job)
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

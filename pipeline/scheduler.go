package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Scheduler fires one job per enabled source on its cron schedule, in UTC.
// robfig/cron only parses and fires: no cron.Chain is used, because in
// v3.0.1 Recover wrapped around SkipIfStillRunning stops a job for good after
// one panic. Overlap, panics and deadlines are the Runner's business.
type Scheduler struct {
	cron   *cron.Cron
	runner *Runner
	log    *slog.Logger
	ids    map[string]cron.EntryID

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewScheduler registers every enabled job of the runner's configuration.
func NewScheduler(runner *Runner, log *slog.Logger) (*Scheduler, error) {
	if log == nil {
		log = slog.Default()
	}
	s := &Scheduler{
		cron:   cron.New(cron.WithLocation(time.UTC)),
		runner: runner,
		log:    log,
		ids:    map[string]cron.EntryID{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, name := range runner.Config.EnabledSources() {
		sched, err := ParseSchedule(runner.Config.Sources[name].Schedule)
		if err != nil {
			return nil, fmt.Errorf("sources.%s.schedule: %w", name, err)
		}
		job := name
		s.ids[job] = s.cron.Schedule(sched, cron.FuncJob(func() { s.fire(job, "schedule") }))
	}
	return s, nil
}

func (s *Scheduler) fire(job, trigger string) {
	s.wg.Add(1)
	defer s.wg.Done()
	if s.ctx.Err() != nil {
		return // shutting down: take no new runs
	}
	err := s.runner.Run(s.ctx, job, trigger)
	if err != nil && !errors.Is(err, ErrSkipped) {
		s.log.Debug("scheduled run ended with an error", "job", job, "err", err)
	}
}

// Start starts firing, and runs at once every enabled job whose snapshot is
// missing (in the background, one after the other).
func (s *Scheduler) Start() {
	var missing []string
	for _, name := range s.runner.Config.EnabledSources() {
		if _, err := s.runner.Store.Current(name); err != nil {
			missing = append(missing, name)
		}
	}
	s.cron.Start()
	if len(missing) > 0 {
		s.log.Info("running jobs without a snapshot now", "jobs", missing)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			// One recompute after all start-up runs, not one after each.
			s.runner.BeginBatch()
			defer s.runner.EndBatch(s.ctx)
			for _, j := range missing {
				s.fire(j, "startup")
			}
		}()
	}
}

// Next returns when job runs next (zero if it is not scheduled).
func (s *Scheduler) Next(job string) time.Time {
	id, ok := s.ids[job]
	if !ok {
		return time.Time{}
	}
	return s.cron.Entry(id).Next
}

// Stop takes no new runs, cancels running ones through their context and
// waits for them to return, at most until ctx ends.
func (s *Scheduler) Stop(ctx context.Context) error {
	stopped := s.cron.Stop()
	s.cancel()
	done := make(chan struct{})
	go func() {
		<-stopped.Done()
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("scheduler: jobs still running at shutdown deadline: %w", ctx.Err())
	}
}

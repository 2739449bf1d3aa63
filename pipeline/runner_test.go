package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palermo-project/palermo/sources"
)

// Test sources whose parsers misbehave on purpose.
var (
	parses       atomic.Int32
	blockRelease = make(chan struct{})
	blockEntered = make(chan struct{}, 16)
	panicking    atomic.Bool
)

func init() {
	tipSpec, _ := sources.Lookup("tip_global")
	sources.Register(&sources.Spec{
		Name: "test_block", Summary: "blocks until released or cancelled", DefaultSchedule: "@daily",
		Tables: []string{sources.TableObservations}, Embedded: tipSpec.Embedded,
		Parse: func(ctx context.Context, in sources.Input) (*sources.Output, error) {
			blockEntered <- struct{}{}
			select {
			case <-blockRelease:
				return tipSpec.Parse(ctx, in)
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
	})
	sources.Register(&sources.Spec{
		Name: "test_count", Summary: "counts its parses", DefaultSchedule: "@daily",
		Tables: []string{sources.TableObservations}, Embedded: tipSpec.Embedded,
		Parse: func(ctx context.Context, in sources.Input) (*sources.Output, error) {
			parses.Add(1)
			return tipSpec.Parse(ctx, in)
		},
	})
	sources.Register(&sources.Spec{
		Name: "test_panic", Summary: "panics while panicking is set", DefaultSchedule: "@daily",
		Tables: []string{sources.TableObservations}, Embedded: tipSpec.Embedded,
		Parse: func(ctx context.Context, in sources.Input) (*sources.Output, error) {
			if panicking.Load() {
				var m map[string]int
				m["boom"]++ // a nil-map write: a real runtime panic
			}
			return tipSpec.Parse(ctx, in)
		},
	})
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestRunner(t *testing.T, yaml string) *Runner {
	t.Helper()
	cfg, err := ParseConfig([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg.DataDir = dir
	store, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	state, err := OpenState(dir)
	if err != nil {
		t.Fatal(err)
	}
	return NewRunner(cfg, store, state, quietLog())
}

// TestRunnerFailureKeepsSnapshot: a run on a damaged file fails with a
// positioned error, counts the failure, and the previous snapshot stays.
func TestRunnerFailureKeepsSnapshot(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("../sources/snapshots/tip_global_law_enforcement.csv")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tip.csv")
	os.WriteFile(path, good, 0o644)
	r := newTestRunner(t, "sources:\n  tip_global:\n    location: "+path+"\n")
	var stored atomic.Int32
	r.OnStored = func(context.Context, string) { stored.Add(1) }
	if err := r.Run(context.Background(), "tip_global", "manual"); err != nil {
		t.Fatal(err)
	}
	first, _ := r.Store.Current("tip_global")
	os.WriteFile(path, []byte(strings.Replace(string(good), ",convictions,10,", ",convictions,ten,", 1)), 0o644)
	err = r.Run(context.Background(), "tip_global", "manual")
	if err == nil || !strings.Contains(err.Error(), "tip.csv:3:30:") {
		t.Fatalf("err = %v, want a positioned parse error", err)
	}
	if gen, _ := r.Store.Current("tip_global"); gen != first {
		t.Fatalf("current = %s after a failed run, want %s", gen, first)
	}
	j := r.State.Job("tip_global")
	if j.Runs != 2 || j.Failures != 1 || j.LastRunSuccess || j.LastSuccess.IsZero() || j.Rows["observations"] != 150 {
		t.Fatalf("state = %+v", j)
	}
	if stored.Load() != 1 {
		t.Fatalf("OnStored called %d times, want once", stored.Load())
	}
	hist, _ := r.State.History(0)
	if len(hist) != 2 || !hist[0].Success || hist[1].Success || hist[1].Error == "" {
		t.Fatalf("history = %+v", hist)
	}
	// Restarting restores the state from disk.
	st2, err := OpenState(r.Config.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if got := st2.Job("tip_global"); got.Runs != 2 || !got.LastSuccess.Equal(j.LastSuccess) {
		t.Fatalf("restored state = %+v", got)
	}
}

// TestRunnerPanicRecovered: a panicking job fails its run, and the next run
// of the same job works.
func TestRunnerPanicRecovered(t *testing.T) {
	r := newTestRunner(t, "sources:\n  test_panic: {}\n")
	panicking.Store(true)
	err := r.Run(context.Background(), "test_panic", "manual")
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("err = %v, want a recovered panic", err)
	}
	panicking.Store(false)
	if err := r.Run(context.Background(), "test_panic", "manual"); err != nil {
		t.Fatalf("run after a panic: %v", err)
	}
	if j := r.State.Job("test_panic"); j.Runs != 2 || j.Failures != 1 || !j.LastRunSuccess {
		t.Fatalf("state = %+v", j)
	}
}

// TestRunnerNoOverlap: a second run of a job still running is skipped and
// counted; the first finishes normally.
func TestRunnerNoOverlap(t *testing.T) {
	r := newTestRunner(t, "sources:\n  test_block: {}\n")
	done := make(chan error)
	go func() { done <- r.Run(context.Background(), "test_block", "schedule") }()
	<-blockEntered
	if err := r.Run(context.Background(), "test_block", "schedule"); !errors.Is(err, ErrSkipped) {
		t.Fatalf("overlapping run: %v, want ErrSkipped", err)
	}
	blockRelease <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if j := r.State.Job("test_block"); j.Skipped != 1 || j.Runs != 1 {
		t.Fatalf("state = %+v", j)
	}
}

// TestSchedulerStopCancelsRunning: shutdown cancels a running job through
// its context and returns once it has stopped. The cancelled run is in the
// history, but is not a failure: the job's health stays what its last real
// run said (a restart must not fire PalermoJobFailing).
func TestSchedulerStopCancelsRunning(t *testing.T) {
	r := newTestRunner(t, "sources:\n  test_block: {}\n")
	s, err := NewScheduler(r, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	s.Start() // no snapshot yet: the job starts at once
	<-blockEntered
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	j := r.State.Job("test_block")
	if j.Runs != 0 || j.Failures != 0 {
		t.Fatalf("state after shutdown = %+v, want the cancelled run not counted", j)
	}
	hist, _ := r.State.History(0)
	if len(hist) != 1 || hist[0].Success || !strings.Contains(hist[0].Error, "cancelled: context canceled") {
		t.Fatalf("history after shutdown = %+v", hist)
	}
	if s.Next("test_block").IsZero() {
		t.Fatal("no next run for a scheduled job")
	}
}

// TestSchedulerKeepsFiringAfterPanic: the trap of robfig/cron v3.0.1's
// Recover+SkipIfStillRunning chain does not apply; a job that panicked is
// fired again on its schedule.
func TestSchedulerKeepsFiringAfterPanic(t *testing.T) {
	r := newTestRunner(t, "sources:\n  test_panic:\n    schedule: '@every 1s'\n")
	panicking.Store(true)
	defer panicking.Store(false)
	s, err := NewScheduler(r, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Stop(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for r.State.Job("test_panic").Failures < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("job stopped firing after a panic: %+v", r.State.Job("test_panic"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRunnerNotModified: a source whose publisher answers 304 is not parsed
// or stored again; a changed file is.
func TestRunnerNotModified(t *testing.T) {
	body, err := os.ReadFile("../sources/snapshots/tip_global_law_enforcement.csv")
	if err != nil {
		t.Fatal(err)
	}
	etag := `"v1"`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Write(body)
	}))
	defer srv.Close()
	r := newTestRunner(t, "sources:\n  test_count:\n    location: "+srv.URL+"/tip.csv\n")
	var stored atomic.Int32
	r.OnStored = func(context.Context, string) { stored.Add(1) }
	parses.Store(0)
	for i := 0; i < 2; i++ {
		if err := r.Run(context.Background(), "test_count", "manual"); err != nil {
			t.Fatal(err)
		}
	}
	first, _ := r.Store.Current("test_count")
	if parses.Load() != 1 || stored.Load() != 1 {
		t.Fatalf("parsed %d times and recomputed %d times, want once each (the second answer was 304)", parses.Load(), stored.Load())
	}
	if j := r.State.Job("test_count"); j.Runs != 2 || !j.LastRunSuccess {
		t.Fatalf("state = %+v", j)
	}
	etag = `"v2"`
	body = []byte(strings.Replace(string(body), ",convictions,7115,", ",convictions,7116,", 1))
	if err := r.Run(context.Background(), "test_count", "manual"); err != nil {
		t.Fatal(err)
	}
	if gen, _ := r.Store.Current("test_count"); parses.Load() != 2 || gen == first {
		t.Fatalf("a changed file was not parsed and stored (parses %d)", parses.Load())
	}
}

// TestRunnerRefusesJumps: per-agency counts that grow by orders of
// magnitude against the previous snapshot fail the run (the corruption seen
// in a CDE export, where Aurora CO's 8 offences of 2015 became 512), and
// the previous snapshot stays.
func TestRunnerRefusesJumps(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("../sources/testdata/fbi_ucr_ht/traffickingCrimes_2015.txt")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ht.txt")
	os.WriteFile(path, good, 0o644)
	r := newTestRunner(t, "sources:\n  fbi_ucr_ht:\n    location: "+path+"\n")
	if err := r.Run(context.Background(), "fbi_ucr_ht", "manual"); err != nil {
		t.Fatal(err)
	}
	first, _ := r.Store.Current("fbi_ucr_ht")
	// Aurora, CO (ORI CO00101): multiply its monthly commercial-sex counts by
	// 64, keeping each record consistent (the total is the sum of the forms).
	lines := strings.Split(string(good), "\n")
	changed := false
	for i, l := range lines {
		if len(l) < 100 || l[3:10] != "CO00101" {
			continue
		}
		b := []byte(l)
		for month := 0; month < 12; month++ {
			for k := 0; k < 5; k++ {
				cs, tot := 87+month*75+k*15, 87+month*75+k*15+10
				if tot+5 > len(b) {
					continue
				}
				n, err := strconv.Atoi(strings.TrimSpace(string(b[cs : cs+5])))
				if err != nil || n == 0 {
					continue
				}
				is, _ := strconv.Atoi(strings.TrimSpace(string(b[cs+5 : cs+10])))
				copy(b[cs:], fmt.Sprintf("%05d", n*64))
				copy(b[tot:], fmt.Sprintf("%05d", n*64+is))
				changed = true
			}
		}
		lines[i] = string(b)
	}
	if !changed {
		t.Fatal("no Aurora counts found")
	}
	os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
	err = r.Run(context.Background(), "fbi_ucr_ht", "manual")
	if !errors.Is(err, ErrImplausible) || !strings.Contains(err.Error(), "ori=CO00101") {
		t.Fatalf("err = %v, want an implausible jump for Aurora", err)
	}
	if gen, _ := r.Store.Current("fbi_ucr_ht"); gen != first {
		t.Fatal("an implausible run replaced the snapshot")
	}
}

// TestRunnerQuarantine: with quarantine_max_share set, a bad row is left out
// of the snapshot and listed in quarantine.txt beside it; above the share,
// or with the default of 0, the run fails and the previous snapshot stays.
func TestRunnerQuarantine(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile("../sources/snapshots/tip_global_law_enforcement.csv")
	path := filepath.Join(dir, "tip.csv")
	oneBad := strings.Replace(string(good), ",convictions,10,", ",convictions,ten,", 1)
	os.WriteFile(path, []byte(oneBad), 0o644)

	strict := newTestRunner(t, "sources:\n  tip_global:\n    location: "+path+"\n")
	if err := strict.Run(context.Background(), "tip_global", "manual"); err == nil || !strings.Contains(err.Error(), "tip.csv:3:30:") {
		t.Fatalf("strict run: %v, want the positioned error", err)
	}
	if j := strict.State.Job("tip_global"); j.Quarantined != 1 {
		t.Fatalf("strict run recorded %d quarantined rows, want 1", j.Quarantined)
	}

	r := newTestRunner(t, "sources:\n  tip_global:\n    location: "+path+"\n    quarantine_max_share: 0.05\n")
	if err := r.Run(context.Background(), "tip_global", "manual"); err != nil {
		t.Fatal(err)
	}
	m, _ := r.Store.Manifest("tip_global")
	if m.Rows["observations"] != 149 || m.Quarantined != 1 {
		t.Fatalf("manifest = %+v, want 149 rows and 1 quarantined", m)
	}
	q, err := os.ReadFile(filepath.Join(r.Config.DataDir, "snapshots", "tip_global", m.Generation, "quarantine.txt"))
	if err != nil || !strings.Contains(string(q), `tip.csv:3:30: value: "ten"`) {
		t.Fatalf("quarantine.txt = %q, %v", q, err)
	}
	if j := r.State.Job("tip_global"); j.Quarantined != 1 || !j.LastRunSuccess {
		t.Fatalf("state = %+v", j)
	}
	// Twenty bad rows of 150 exceed 5%: the run fails, the snapshot stays.
	manyBad := string(good)
	for i := 0; i < 20; i++ {
		manyBad = strings.Replace(manyBad, ",primary,", ",primry,", 1)
	}
	os.WriteFile(path, []byte(manyBad), 0o644)
	err = r.Run(context.Background(), "tip_global", "manual")
	var qe *sources.QuarantineError
	if !errors.As(err, &qe) || qe.Rows != 20 {
		t.Fatalf("err = %v, want a quarantine of 20 rows refused", err)
	}
	if gen, _ := r.Store.Current("tip_global"); gen != m.Generation {
		t.Fatal("a refused run replaced the snapshot")
	}
}

// TestRunnerTimeoutIsFailure: a run that outlives its job's timeout is a
// failure (unlike a run cancelled by a shutdown), so PalermoJobFailing
// tells the operator.
func TestRunnerTimeoutIsFailure(t *testing.T) {
	r := newTestRunner(t, "sources:\n  test_block:\n    timeout: 50ms\n")
	done := make(chan error)
	go func() { done <- r.Run(context.Background(), "test_block", "schedule") }()
	<-blockEntered
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if j := r.State.Job("test_block"); j.Runs != 1 || j.Failures != 1 || j.LastRunSuccess {
		t.Fatalf("state after a timeout = %+v, want a failed run", j)
	}
}

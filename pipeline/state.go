package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/palermo-project/palermo/internal/dirlock"
	"github.com/palermo-project/palermo/internal/fsutil"
)

// JobState is what palermo remembers about one job across restarts.
type JobState struct {
	Name            string           `json:"name"`
	LastRunStart    time.Time        `json:"last_run_start,omitzero"`
	LastRunDuration float64          `json:"last_run_duration_seconds"`
	LastRunSuccess  bool             `json:"last_run_success"`
	LastError       string           `json:"last_error,omitempty"`
	LastSuccess     time.Time        `json:"last_success,omitzero"`
	Rows            map[string]int64 `json:"rows,omitempty"` // of the current snapshot, per table
	Runs            int64            `json:"runs"`
	Failures        int64            `json:"failures"`
	Skipped         int64            `json:"skipped"`     // runs not started because the previous one was still going
	Quarantined     int64            `json:"quarantined"` // rows left out of the last run's snapshot for failing validation
	// Partitions are the files of a source made of many, by key.
	Partitions map[string]PartitionState `json:"partitions,omitempty"`
}

// PartitionState is what palermo remembers about one file of a source made
// of many: its last run, and the snapshot in use.
type PartitionState struct {
	Location       string           `json:"location"` // credentials redacted
	LastRunStart   time.Time        `json:"last_run_start,omitzero"`
	LastRunSuccess bool             `json:"last_run_success"`
	LastError      string           `json:"last_error,omitempty"`
	LastSuccess    time.Time        `json:"last_success,omitzero"`
	Generation     string           `json:"generation,omitempty"` // of the snapshot in use
	Rows           map[string]int64 `json:"rows,omitempty"`
}

// RunRecord is one line of the run history (runs.jsonl).
type RunRecord struct {
	Job        string           `json:"job"`
	Trigger    string           `json:"trigger"` // schedule, startup, manual
	Start      time.Time        `json:"start"`
	Duration   float64          `json:"duration_seconds"`
	Success    bool             `json:"success"`
	Error      string           `json:"error,omitempty"`
	Generation string           `json:"generation,omitempty"`
	SHA256     string           `json:"sha256,omitempty"`
	Rows       map[string]int64 `json:"rows,omitempty"`
}

// State persists job states (state/jobs.json, replaced atomically) and the
// run history (state/runs.jsonl, appended and fsynced) under the data dir.
//
// Several processes may share a data directory (serve, and an ingest or run
// started beside it): an update holds an flock(2) on state/jobs.lock, reads
// jobs.json afresh, changes one job and writes the file back, so no
// process's update overwrites another's; reads pick up what other
// processes wrote whenever the file has changed.
type State struct {
	dir  string
	mu   sync.Mutex
	jobs map[string]*JobState
	seen fileStamp // of the jobs.json last read
}

// fileStamp tells whether a file changed since it was read.
type fileStamp struct {
	mod  time.Time
	size int64
	ino  uint64
}

func stamp(path string) (fileStamp, bool) {
	st, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, false
	}
	fs := fileStamp{mod: st.ModTime(), size: st.Size()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		fs.ino = sys.Ino
	}
	return fs, true
}

// OpenState loads the persisted state, if any, from dataDir.
func OpenState(dataDir string) (*State, error) {
	dir := filepath.Join(dataDir, "state") // created at the first write
	st := &State{dir: dir, jobs: map[string]*JobState{}}
	if err := st.reload(true); err != nil {
		return nil, err
	}
	return st, nil
}

func (s *State) jobsPath() string { return filepath.Join(s.dir, "jobs.json") }

// reload reads jobs.json when it changed since it was last read (always
// when force is set). Called with s.mu held, or before s is shared.
func (s *State) reload(force bool) error {
	path := s.jobsPath()
	now, ok := stamp(path)
	if !ok {
		return nil // not written yet, or gone: keep what is known
	}
	if !force && now == s.seen {
		return nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	var jobs []*JobState
	if err := json.Unmarshal(b, &jobs); err != nil {
		return fmt.Errorf("state: %s: %w", path, err)
	}
	s.jobs = map[string]*JobState{}
	for _, j := range jobs {
		s.jobs[j.Name] = j
	}
	s.seen = now
	return nil
}

// Job returns a copy of the state of job name (zero if never run), as the
// last write of any process left it.
func (s *State) Job(name string) JobState {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.reload(false) // a torn or unreadable file keeps the last good read
	if j, ok := s.jobs[name]; ok {
		c := *j
		return c
	}
	return JobState{Name: name}
}

// Update changes the state of one job and persists all job states, on top
// of what other processes wrote.
func (s *State) Update(name string, fn func(*JobState)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	l, err := dirlock.Acquire(context.Background(), s.dir, "jobs.lock", dirlock.Command(), nil)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer l.Unlock()
	if err := s.reload(true); err != nil {
		return err
	}
	j, ok := s.jobs[name]
	if !ok {
		j = &JobState{Name: name}
		s.jobs[name] = j
	}
	fn(j)
	list := make([]*JobState, 0, len(s.jobs))
	for _, j := range s.jobs {
		list = append(list, j)
	}
	sort.Slice(list, func(a, b int) bool { return list[a].Name < list[b].Name })
	b, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(s.jobsPath(), b); err != nil {
		return err
	}
	s.seen, _ = stamp(s.jobsPath())
	return nil
}

// Append adds one run to the history.
func (s *State) Append(r RunRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return fsutil.AppendSync(filepath.Join(s.dir, "runs.jsonl"), append(b, '\n'))
}

// History returns the last n runs (all when n <= 0), oldest first. A torn
// last line (a crash mid-append) is skipped.
func (s *State) History(n int) ([]RunRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.Open(filepath.Join(s.dir, "runs.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []RunRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r RunRecord
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			out = append(out, r)
		}
	}
	if n > 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out, sc.Err()
}

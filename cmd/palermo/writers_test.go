package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/palermo-project/palermo/bench/opsgen"
	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
)

// TestMain lets the tests run palermo as a process of its own: the test
// binary started with PALERMO_TEST_MAIN=1 is palermo.
func TestMain(m *testing.M) {
	switch os.Getenv("PALERMO_TEST_MAIN") {
	case "1":
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	case "export-loop":
		exportLoop()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// palermoCmd is palermo ARGS as a separate process.
func palermoCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "PALERMO_TEST_MAIN=1")
	return cmd
}

// checkReadable fails unless every source with a CURRENT in data points at
// a whole generation that loads, and the indicators compute from them.
func checkReadable(t *testing.T, data string, sources ...string) {
	t.Helper()
	st, err := pipeline.OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sources {
		ts, err := st.Load(context.Background(), s)
		if err != nil {
			t.Fatalf("reader fails on %s: %v", s, err)
		}
		ts.Release()
	}
	if code, _, stderr := palermo(t, "indicators", "--data-dir", data, "--format", "csv"); code != 0 {
		t.Fatalf("indicators after two writers exited %d:\n%s", code, stderr)
	}
}

// TestTwoRunsTogether starts two palermo run on one data directory at the
// same moment, 25 times: every run succeeds (the second writer waits for
// the lock), every reader succeeds afterwards, and no job state update is
// lost (each job counts every run of both processes).
func TestTwoRunsTogether(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	jobs := []string{"tip_global", "fbi_operations", "cbp_forced_labor", "us_federal_prosecutions"}
	args := []string{"run", "--data-dir", data, "--log-level", "warn"}
	for _, j := range jobs {
		args = append(args, "--job", j)
	}
	const rounds = 25
	for round := 1; round <= rounds; round++ {
		var wg sync.WaitGroup
		errs := make([]string, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if out, err := palermoCmd(args...).CombinedOutput(); err != nil {
					errs[i] = fmt.Sprintf("%v: %s", err, out)
				}
			}()
		}
		wg.Wait()
		for _, e := range errs {
			if e != "" {
				t.Fatalf("round %d: a run failed: %s", round, e)
			}
		}
		checkReadable(t, data, jobs...)
	}
	state, err := pipeline.OpenState(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if got := state.Job(j).Runs; got != 2*rounds {
			t.Errorf("%s: jobs.json counts %d runs, want %d (updates lost)", j, got, 2*rounds)
		}
	}
	hist, _ := state.History(0)
	if len(hist) != 2*rounds*len(jobs) {
		t.Errorf("run history has %d runs, want %d", len(hist), 2*rounds*len(jobs))
	}
}

// freePort returns a loopback address nobody listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe starts palermo serve as a process and waits until it answers.
func startServe(t *testing.T, args ...string) (addr string, cmd *exec.Cmd, logs *bytes.Buffer) {
	t.Helper()
	addr = freePort(t)
	cmd = palermoCmd(append([]string{"serve", "--listen", addr}, args...)...)
	logs = &bytes.Buffer{}
	w := &lockedWriter{w: logs}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, cmd, logs
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never listened:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// waitFor polls until ok returns true, at most d.
func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServeAndIngestTogether: while palermo serve stores a snapshot every
// second, 25 palermo ingest processes store operations files into the same
// data directory: every ingest succeeds, readers succeed afterwards, and
// serve publishes the last ingested snapshot without a restart.
func TestServeAndIngestTogether(t *testing.T) {
	dir, data, cfg, addr, _, logs := serveConfigured(t, "sources:\n  tip_global:\n    schedule: \"@every 1s\"\n  fbi_operations: {}\n", "500ms")
	var files []string
	for i := range 25 {
		var buf bytes.Buffer
		if err := opsgen.Write(&buf, 500+i, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, fmt.Sprintf("ops%02d.csv", i))
		os.WriteFile(f, buf.Bytes(), 0o644)
		files = append(files, f)
	}
	for i, f := range files {
		out, err := palermoCmd("ingest", "--config", cfg, "--data-dir", data, "--source", "operations", "--log-level", "warn", f).CombinedOutput()
		if err != nil {
			t.Fatalf("ingest %d with serve running failed: %v\n%s\nserve:\n%s", i, err, out, logs)
		}
		want := fmt.Sprintf("operations %d rows", 500+i)
		if !strings.Contains(string(out), want) {
			t.Fatalf("ingest %d: %s", i, out)
		}
	}
	checkReadable(t, data, "tip_global", "fbi_operations", "operations")
	// serve follows what the last ingest stored: its generation appears
	// in the published data package, without a restart.
	st, _ := pipeline.OpenStore(data)
	gen, _ := st.Current("operations")
	waitFor(t, 10*time.Second, "serve to publish the ingested snapshot", func() bool {
		_, body := get(t, "http://"+addr+"/exports/datapackage.json", "")
		return strings.Contains(body, gen)
	})
	if _, body := get(t, "http://"+addr+"/", ""); !strings.Contains(body, "operations") || !strings.Contains(body, pipeline.LocationIngested) {
		t.Fatal("landing page does not list the ingested source")
	}
}

// TestServeFollowsSIGHUP: a snapshot stored by palermo run beside serve is
// published at once on SIGHUP (the periodic look is set to an hour).
func TestServeFollowsSIGHUP(t *testing.T) {
	_, data, cfg, addr, cmd, _ := serveConfigured(t, "sources:\n  tip_global: {}\n  cbp_forced_labor:\n    enabled: false\n", "1h")
	_, before := get(t, "http://"+addr+"/exports/datapackage.json", "")
	if code, _, stderr := palermo(t, "run", "--config", cfg, "--data-dir", data, "--log-level", "warn"); code != 0 {
		t.Fatal(stderr)
	}
	st, _ := pipeline.OpenStore(data)
	gen, _ := st.Current("tip_global")
	if strings.Contains(before, gen) {
		t.Fatal("the run stored no new generation")
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, "serve to publish after SIGHUP", func() bool {
		_, body := get(t, "http://"+addr+"/exports/datapackage.json", "")
		return strings.Contains(body, gen)
	})
}

// exportLoop is the helper process of TestExportSurvivesSIGKILL: it writes
// two different exports into one directory, in turn, until it is killed.
func exportLoop() {
	dir := os.Getenv("PALERMO_EXPORT_DIR")
	var snaps []*metrics.Snapshot
	for _, data := range strings.Split(os.Getenv("PALERMO_EXPORT_DATA"), ",") {
		a, err := newApp("", data, quietLogger())
		if err != nil {
			panic(err)
		}
		a.pub.OnPublish = nil
		snap, err := a.pub.Recompute(context.Background())
		if err != nil {
			panic(err)
		}
		snaps = append(snaps, snap)
	}
	for i := 0; ; i++ {
		if err := writeExportDir(dir, snaps[i%2]); err != nil {
			panic(err)
		}
		if i == 0 {
			os.Stdout.WriteString("written\n")
		}
	}
}

// checkExport fails unless every file of the export is described by its
// datapackage.json with the right sha256, and every described file is there.
func checkExport(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "datapackage.json"))
	if err != nil {
		t.Fatalf("export without datapackage.json: %v", err)
	}
	var dp struct {
		Resources []struct{ Path, Hash string }
	}
	if err := json.Unmarshal(b, &dp); err != nil {
		t.Fatal(err)
	}
	described := map[string]string{"datapackage.json": ""}
	for _, r := range dp.Resources {
		described[r.Path] = r.Hash
	}
	seen := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		want, ok := described[rel]
		if !ok && rel != "CITATION.cff" && rel != "catalogue.json" {
			t.Errorf("%s is in the export but not in its datapackage.json", rel)
		}
		if want != "" {
			data, _ := os.ReadFile(p)
			sum := sha256.Sum256(data)
			if got := "sha256:" + hex.EncodeToString(sum[:]); got != want {
				t.Errorf("%s: sha256 %s, datapackage.json says %s", rel, got, want)
			}
			seen++
		}
		return nil
	})
	if seen != len(dp.Resources) {
		t.Errorf("%d of %d described files present", seen, len(dp.Resources))
	}
}

// TestExportSurvivesSIGKILL kills a process that writes two different
// exports into one directory in turn, at random moments: every time the
// directory holds one whole export, its files matching its datapackage.json,
// and the next export removes what the killed one left behind.
func TestExportSurvivesSIGKILL(t *testing.T) {
	full := freshData(t)
	// The second dataset lacks a source, so its export differs in most files.
	partial := freshData(t)
	os.RemoveAll(filepath.Join(partial, "snapshots", "tip_global"))
	out := filepath.Join(t.TempDir(), "export")
	for round := 0; round < 10; round++ {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "PALERMO_TEST_MAIN=export-loop", "PALERMO_EXPORT_DIR="+out, "PALERMO_EXPORT_DATA="+full+","+partial)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		if !sc.Scan() || sc.Text() != "written" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("export loop did not start")
		}
		time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		checkExport(t, out)
	}
	// A later export clears the killed writers' temporary directories.
	snap := computeFrom(t, full)
	if err := writeExportDir(out, snap); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".export.tmp-*"))
	if len(left) > 0 {
		t.Fatalf("temporary export directories left: %v", left)
	}
	checkExport(t, out)
}

func computeFrom(t *testing.T, data string) *metrics.Snapshot {
	t.Helper()
	a, err := newApp("", data, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	a.pub.OnPublish = nil
	snap, err := a.pub.Recompute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestExportReplacesStaleFiles: an export into a directory holding an
// older export leaves none of the older files; a directory holding other
// files is refused, untouched.
func TestExportReplacesStaleFiles(t *testing.T) {
	snap := computeFrom(t, freshData(t))
	out := filepath.Join(t.TempDir(), "export")
	if err := writeExportDir(out, snap); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(out, "indicators", "an_indicator_since_removed.csv")
	os.WriteFile(stale, []byte("indicator\n"), 0o644)
	if code, _, stderr := palermo(t, "export", "--data-dir", freshData(t), "--out", out); code != 0 {
		t.Fatal(stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatal("a file of the older export survived the new one")
	}
	checkExport(t, out)
	other := t.TempDir()
	mine := filepath.Join(other, "thesis.tex")
	os.WriteFile(mine, []byte("\\documentclass{article}"), 0o644)
	code, _, stderr := palermo(t, "export", "--data-dir", freshData(t), "--out", other)
	if code != 1 || !strings.Contains(stderr, "holds no palermo export") {
		t.Fatalf("export into a directory of other files exited %d: %s", code, stderr)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Fatal("export removed a file it did not write")
	}
}

// TestServeStopsOnSIGTERM: SIGTERM while a start-up job parses cancels it
// (nothing is stored after the signal) and serve exits 0 promptly.
func TestServeStopsOnSIGTERM(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	_, cmd, logs := startServe(t, "--data-dir", data)
	waitFor(t, 30*time.Second, "the UNODC job to start", func() bool {
		return strings.Contains(logs.String(), `msg="run started" job=unodc_glotip`)
	})
	signalled := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM, want 0:\n%s", err, logs)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("serve still running 10 s after SIGTERM:\n%s", logs)
	}
	if took := time.Since(signalled); took > 3*time.Second {
		t.Errorf("serve took %v to stop", took)
	}
	st, _ := pipeline.OpenStore(data)
	for _, s := range []string{"unodc_glotip", "fbi_nibrs", "fbi_ucr_ht"} {
		if m, err := st.Manifest(s); err == nil && m.WrittenAt.After(signalled) {
			t.Errorf("%s stored at %v, after SIGTERM at %v", s, m.WrittenAt, signalled)
		}
	}
}

// waitReady waits until a serve process answers /readyz with 200.
func waitReady(t *testing.T, addr string) {
	t.Helper()
	waitFor(t, 30*time.Second, "serve to be ready", func() bool { code, _ := get(t, "http://"+addr+"/readyz", ""); return code == 200 })
}

// serveConfigured starts palermo serve with the configuration yaml in a new
// directory, looking for new snapshots every watch, and waits until it is
// ready.
func serveConfigured(t *testing.T, yaml, watch string) (dir, data, cfg, addr string, cmd *exec.Cmd, logs *bytes.Buffer) {
	t.Helper()
	dir = t.TempDir()
	data = filepath.Join(dir, "data")
	cfg = filepath.Join(dir, "palermo.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, cmd, logs = startServe(t, "--config", cfg, "--data-dir", data, "--log-level", "warn", "--watch-interval", watch)
	waitReady(t, addr)
	return dir, data, cfg, addr, cmd, logs
}

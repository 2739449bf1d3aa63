package main

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/palermo-project/palermo/internal/testutil"
	"github.com/palermo-project/palermo/server"
)

// embeddedData runs the embedded default once per test binary and returns
// a fresh copy of the data directory it left.
var embeddedData = struct {
	once sync.Once
	dir  string
	err  string
}{}

func freshData(t *testing.T) string {
	t.Helper()
	embeddedData.once.Do(func() {
		dir, err := os.MkdirTemp("", "palermo-embedded-")
		if err != nil {
			embeddedData.err = err.Error()
			return
		}
		if code, _, stderr := palermo(t, "run", "--data-dir", dir, "--log-level", "warn"); code != 0 {
			embeddedData.err = stderr
		}
		embeddedData.dir = dir
	})
	if embeddedData.err != "" {
		t.Fatalf("run of the embedded default: %s", embeddedData.err)
	}
	dst := filepath.Join(t.TempDir(), "data")
	copyTree(t, embeddedData.dir, dst)
	return dst
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// currentTable is the path of a source's current table file.
func currentTable(t *testing.T, data, source, table string) string {
	t.Helper()
	gen, err := os.ReadFile(filepath.Join(data, "snapshots", source, "CURRENT"))
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(data, "snapshots", source, strings.TrimSpace(string(gen)), table+".parquet")
}

// TestDamagedSnapshot: a stored Parquet file damaged on disk (bytes of its
// pages changed, its footer changed, or cut short) never panics a reading
// command, and serve publishes the other sources' indicators without it,
// saying which snapshot it left out and why (on /readyz and the landing
// page).
func TestDamagedSnapshot(t *testing.T) {
	damages := map[string]func([]byte) []byte{
		"pages": func(b []byte) []byte {
			for i := len(b) / 3; i < len(b)/3+4000; i++ {
				b[i] = b[i]*7 + 13
			}
			return b
		},
		"footer": func(b []byte) []byte {
			for i := len(b) - 600; i < len(b)-8; i++ {
				b[i] ^= 0x5a
			}
			return b
		},
		"cut": func(b []byte) []byte { return b[:len(b)/2] },
		"column chunk": func(b []byte) []byte {
			for i := 4; i < 200; i++ {
				b[i] = 0xff
			}
			return b
		},
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			data := freshData(t)
			path := currentTable(t, data, "unodc_glotip", "observations")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"indicators", "--format", "csv"}, {"export", "--out", filepath.Join(t.TempDir(), "x")}} {
				code, _, stderr := palermo(t, append(args, "--data-dir", data)...)
				if code != 1 || !strings.Contains(stderr, "snapshot of unodc_glotip (observations) unreadable") {
					t.Fatalf("%s on a damaged snapshot exited %d (want 1, naming the snapshot):\n%s", args[0], code, stderr)
				}
			}
			a, err := newApp("", data, quietLogger())
			if err != nil {
				t.Fatal(err)
			}
			snap, err := a.pub.Recompute(context.Background())
			if err == nil || snap == nil {
				t.Fatalf("recompute = %v, %v; want the other sources published and an error", snap, err)
			}
			if snap.Includes("unodc_glotip") || !snap.Includes("tip_global") || !snap.Includes("fbi_nibrs") || a.pub.Snapshot() != snap {
				t.Fatalf("published sources %v, want all but unodc_glotip", snap.Sources)
			}
			base := serveApp(t, a)
			code, body := get(t, base+"/readyz", "")
			if code != 503 || !strings.Contains(body, "a readable snapshot of unodc_glotip") {
				t.Fatalf("/readyz = %d %q", code, body)
			}
			if _, body := get(t, base+"/", ""); !strings.Contains(body, "Left out: snapshot of unodc_glotip") {
				t.Fatal("landing page does not say which snapshot was left out")
			}
			if code, body := get(t, base+"/exports/indicators.csv", ""); code != 200 || !strings.Contains(body, "tip_global") {
				t.Fatalf("/exports/indicators.csv = %d", code)
			}
		})
	}
}

// TestUnwritableExports: when the exports folder cannot be written, the
// recomputed indicators are still published (on /metrics and /exports) and
// the failure is reported, instead of blanking every indicator.
func TestUnwritableExports(t *testing.T) {
	data := freshData(t)
	os.RemoveAll(filepath.Join(data, "exports"))
	if err := os.WriteFile(filepath.Join(data, "exports"), []byte("a file where the folder should be"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := newApp("", data, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	snap, err := a.pub.Recompute(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exports were not written") {
		t.Fatalf("recompute error = %v", err)
	}
	if snap == nil || a.pub.Snapshot() != snap || len(snap.Rows) < 1000 {
		t.Fatal("indicators not published when the exports could not be written")
	}
	base := serveApp(t, a)
	if code, body := get(t, base+"/readyz", ""); code != 200 {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	if _, body := get(t, base+"/", ""); !strings.Contains(body, "exports were not written") {
		t.Fatal("landing page does not show the export failure")
	}
	if code, body := get(t, base+"/metrics", ""); code != 200 || !strings.Contains(body, "palermo_labour_prosecution_gap_pp{") {
		t.Fatalf("/metrics lacks the indicators (%d)", code)
	}
}

// TestIngestThroughRunner: palermo ingest is a run of the job like any
// other (run history with trigger "ingest", job state, job metrics); a
// source the configuration disables is refused with the line to change.
func TestIngestThroughRunner(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tip := "../../sources/snapshots/tip_global_law_enforcement.csv"
	off := filepath.Join(dir, "off.yaml")
	os.WriteFile(off, []byte("sources:\n  tip_global:\n    enabled: false\n  fbi_operations: {}\n"), 0o644)
	code, _, stderr := palermo(t, "ingest", "--config", off, "--data-dir", data, "--source", "tip_global", "--log-level", "warn", tip)
	if code != 1 || !strings.Contains(stderr, "sources.tip_global.enabled: false") {
		t.Fatalf("ingest into a disabled source exited %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "snapshots", "tip_global")); !os.IsNotExist(err) {
		t.Fatal("a refused ingest stored something")
	}
	if code, _, stderr := palermo(t, "ingest", "--data-dir", data, "--source", "tip_global", "--log-level", "warn", tip); code != 0 {
		t.Fatal(stderr)
	}
	a, err := newApp("", data, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	hist, _ := a.state.History(0)
	if len(hist) != 1 || hist[0].Trigger != "ingest" || !hist[0].Success || hist[0].Rows["observations"] != 150 {
		t.Fatalf("run history after an ingest = %+v", hist)
	}
	if j := a.state.Job("tip_global"); j.Runs != 1 || !j.LastRunSuccess {
		t.Fatalf("job state after an ingest = %+v", j)
	}
	base := serveApp(t, a)
	if _, body := get(t, base+"/metrics", ""); !strings.Contains(body, `palermo_job_runs_total{job_name="tip_global"} 1`) {
		t.Fatal("the ingest is not counted in the job metrics")
	}
}

// TestCredentialsNeverShown: a password and a token in a source URL, and a
// basic-auth password given to healthcheck, appear nowhere palermo writes:
// the landing page, palermo sources, the state files, the logs, errors.
func TestCredentialsNeverShown(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "palermo.yaml")
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	loc := strings.Replace(missing.URL, "http://", "http://reader:hunter2@", 1) + "/tip.csv?token=s3cr3t&year=2024"
	os.WriteFile(cfg, []byte("sources:\n  tip_global:\n    location: \""+loc+"\"\n"), 0o644)
	code, stdout, stderr := palermo(t, "run", "--config", cfg, "--data-dir", data)
	if code != 1 || !strings.Contains(stderr, "404") {
		t.Fatalf("run against a missing page exited %d: %s", code, stderr)
	}
	a, err := newApp(cfg, data, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	base := serveApp(t, a)
	_, landing := get(t, base+"/", "")
	_, sourcesOut, _ := palermo(t, "sources", "--config", cfg, "--data-dir", data)
	jobs, _ := os.ReadFile(filepath.Join(data, "state", "jobs.json"))
	runs, _ := os.ReadFile(filepath.Join(data, "state", "runs.jsonl"))
	_, _, hc := palermo(t, "healthcheck", "--url", "http://admin:hunter2@127.0.0.1:1/healthz?token=s3cr3t")
	for what, text := range map[string]string{"run output": stdout + stderr, "landing page": landing, "palermo sources": sourcesOut,
		"jobs.json": string(jobs), "runs.jsonl": string(runs), "healthcheck": hc} {
		if strings.Contains(text, "hunter2") || strings.Contains(text, "s3cr3t") {
			t.Errorf("%s shows a credential:\n%s", what, text)
		}
	}
	if !strings.Contains(landing, "REDACTED") || !strings.Contains(sourcesOut, "REDACTED") {
		t.Error("the redacted location is not shown")
	}
}

// serveApp serves an app's HTTP interface (no scheduler) for the test.
func serveApp(t *testing.T, a *app) string {
	t.Helper()
	ts := httptest.NewServer(server.New(a.runner, nil, a.pub, a.log).Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestHalfFileRefused: a publisher's file cut in half at a line boundary,
// served as complete (right Content-Length), fails the run: the snapshot
// in use stays, palermo_job_last_run_success turns 0 (which
// PalermoJobFailing alerts on: palermo_job_last_run_success == 0), and
// --accept-shrink takes the smaller file when it is what was published.
func TestHalfFileRefused(t *testing.T) {
	srv := testutil.NewPublisher(t, "../../sources/snapshots/tip_global_law_enforcement.csv")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "palermo.yaml")
	os.WriteFile(cfg, []byte("sources:\n  tip_global:\n    location: "+srv.URL+"/tip.csv\n"), 0o644)
	if code, _, stderr := palermo(t, "run", "--config", cfg, "--data-dir", data, "--log-level", "warn"); code != 0 {
		t.Fatal(stderr)
	}
	a, _ := newApp(cfg, data, quietLogger())
	first, _ := a.store.Current("tip_global")
	srv.CutInHalf()
	code, _, stderr := palermo(t, "run", "--config", cfg, "--data-dir", data, "--log-level", "warn")
	if code != 1 || !strings.Contains(stderr, "much smaller than the snapshot in use") || !strings.Contains(stderr, "(45%, below min_share_of_previous 0.5)") {
		t.Fatalf("run of a half file exited %d:\n%s", code, stderr)
	}
	if gen, _ := a.store.Current("tip_global"); gen != first {
		t.Fatal("a half file replaced the snapshot in use")
	}
	if _, body := get(t, serveApp(t, a)+"/metrics", ""); !strings.Contains(body, `palermo_job_last_run_success{job_name="tip_global"} 0`) {
		t.Fatal("the refused run does not show as failed")
	}
	if code, _, stderr := palermo(t, "run", "--config", cfg, "--data-dir", data, "--log-level", "warn", "--accept-shrink", "tip_global"); code != 0 {
		t.Fatalf("--accept-shrink: %s", stderr)
	}
	if m, _ := a.store.Manifest("tip_global"); m.Generation == first || m.Rows["observations"] >= 150 {
		t.Fatalf("--accept-shrink did not store the smaller file: %+v", m.Rows)
	}
}

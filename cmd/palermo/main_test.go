package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/palermo-project/palermo/bench/opsgen"
	"github.com/palermo-project/palermo/internal/testutil"
	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/server"
	"github.com/palermo-project/palermo/sources"
)

func palermo(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// TestRunThenExport is the README's first path: run on the embedded default
// with no network, then export.
func TestRunThenExport(t *testing.T) {
	dir := t.TempDir()
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out")
	if code, _, stderr := palermo(t, "run", "--data-dir", data, "--log-level", "warn"); code != 0 {
		t.Fatalf("run exited %d:\n%s", code, stderr)
	}
	if code, _, stderr := palermo(t, "export", "--data-dir", data, "--out", out); code != 0 {
		t.Fatalf("export exited %d:\n%s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "indicators.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.Join(recs[0], ","); h != "indicator,jurisdiction,period,value,numerator,denominator,unit,status,status_reason,source,source_url,retrieved_at,source_kind,coverage" {
		t.Fatalf("header %s", h)
	}
	want := map[string]bool{
		"convictions_per_identified_victim 2023 7115 133943": false,
		"labour_share_prosecutions_ratio 2023 3684 18774":    false,
	}
	for _, r := range recs[1:] {
		k := strings.Join([]string{r[0], r[2], r[4], r[5]}, " ")
		if _, ok := want[k]; ok && r[1] == "WLD" {
			want[k] = true
		}
		if r[7] == "ok" && (r[3] == "" || !strings.HasPrefix(r[10], "http")) {
			t.Fatalf("ok row without value or http(s) source_url: %v", r)
		}
	}
	for k, found := range want {
		if !found {
			t.Errorf("no row %s", k)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "datapackage.json")); err != nil {
		t.Fatal(err)
	}
	// The export equals what run left in the data directory.
	kept, _ := os.ReadFile(filepath.Join(data, "exports", "indicators.csv"))
	if !bytes.Equal(kept, b) {
		t.Fatal("export differs from the exports written by run")
	}
	code, stdout, _ := palermo(t, "sources", "--data-dir", data)
	if code != 0 || strings.Count(stdout, " ok ") != shippedSources() {
		t.Fatalf("sources exited %d:\n%s", code, stdout)
	}
	code, stdout, _ = palermo(t, "indicators", "--data-dir", data, "--format", "table")
	if code != 0 || !strings.Contains(stdout, "labour_prosecution_gap_pp") {
		t.Fatalf("indicators exited %d:\n%s", code, stdout)
	}
}

// TestValidate: a damaged copy prints FILE:LINE:COL: message and exits 1;
// a clean file exits 0.
func TestValidate(t *testing.T) {
	good := "../../sources/snapshots/operation_results.csv"
	code, stdout, stderr := palermo(t, "validate", "--source", "fbi_operations", good)
	if code != 0 || !strings.Contains(stdout, "ok (operations 10 rows)") {
		t.Fatalf("validate on the real file exited %d:\n%s%s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(good)
	bad := filepath.Join(t.TempDir(), "ops.csv")
	os.WriteFile(bad, bytes.Replace(b, []byte(",79,,,104,"), []byte(",79,,,a hundred,"), 1), 0o644)
	code, _, stderr = palermo(t, "validate", "--source", "fbi_operations", bad)
	if code != 1 {
		t.Fatalf("validate on a damaged file exited %d", code)
	}
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(bad) + `:3:73: traffickers_or_pimps_arrested: "a hundred" is not a non-negative whole number`).MatchString(stderr) {
		t.Fatalf("stderr lacks the positioned error:\n%s", stderr)
	}
	if code, _, _ := palermo(t, "validate", "--source", "nope", good); code != 1 {
		t.Fatalf("unknown source exited %d", code)
	}
	if code, _, _ := palermo(t, "validate"); code != 2 {
		t.Fatalf("validate without arguments exited %d, want 2", code)
	}
}

// TestIngestAllOrNothing: a bad file among good ones stores nothing.
func TestIngestAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	good := "../../sources/snapshots/tip_global_law_enforcement.csv"
	b, _ := os.ReadFile(good)
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, bytes.Replace(b, []byte("Africa"), []byte("Atlantis"), 1), 0o644)
	code, _, stderr := palermo(t, "ingest", "--source", "tip_global", "--data-dir", data, "--log-level", "warn", good, bad)
	if code != 1 || !strings.Contains(stderr, bad+":2:11: unknown region") {
		t.Fatalf("ingest with a bad file exited %d:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "snapshots", "tip_global", "CURRENT")); !os.IsNotExist(err) {
		t.Fatal("a failed ingest stored a snapshot")
	}
	code, stdout, stderr := palermo(t, "ingest", "--source", "tip_global", "--data-dir", data, "--log-level", "warn", good)
	if code != 0 || !strings.Contains(stdout, "observations 150 rows") {
		t.Fatalf("ingest exited %d:\n%s%s", code, stdout, stderr)
	}
}

func TestUsage(t *testing.T) {
	if code, stdout, _ := palermo(t, "--help"); code != 0 || !strings.Contains(stdout, "Commands:") {
		t.Fatalf("--help exited %d", code)
	}
	if code, _, _ := palermo(t, "frobnicate"); code != 2 {
		t.Fatalf("unknown command exited %d", code)
	}
	if code, _, stderr := palermo(t, "run", "--config", "/nonexistent.yaml"); code != 1 || !strings.Contains(stderr, "nonexistent.yaml") {
		t.Fatalf("missing config exited %d: %s", code, stderr)
	}
	if code, _, stderr := palermo(t, "export", "--data-dir", t.TempDir(), "--out", t.TempDir()); code != 1 || !strings.Contains(stderr, "no snapshots") {
		t.Fatalf("export without snapshots exited %d: %s", code, stderr)
	}
	if code, stdout, _ := palermo(t, "indicators", "--all"); code != 0 || !strings.Contains(stdout, "lacks data: ") || !regexp.MustCompile(`minor_prostitution_arrests\s+yes`).MatchString(stdout) {
		t.Fatalf("indicators --all exited %d:\n%s", code, stdout)
	}
}

// TestServe starts the scheduler and the HTTP handler on the embedded
// default: /readyz turns 200 after the start-up runs, /metrics passes
// promtool check metrics and matches the golden file.
func TestServe(t *testing.T) {
	a, err := newApp("", t.TempDir(), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	a.recomputeAfterStore()
	sched, err := pipeline.NewScheduler(a.runner, a.log)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(a.runner, sched, a.pub, a.log)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	if code, _ := get(t, ts.URL+"/readyz", ""); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz before any run = %d, want 503", code)
	}
	if code, _ := get(t, ts.URL+"/exports/indicators.csv", ""); code != http.StatusServiceUnavailable {
		t.Fatalf("/exports before any run = %d, want 503", code)
	}
	sched.Start()
	defer sched.Stop(context.Background())
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, _ := get(t, ts.URL+"/readyz", "")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz never turned 200")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, p := range []string{"/healthz", "/", "/exports/indicators.csv", "/exports/datapackage.json"} {
		if code, body := get(t, ts.URL+p, ""); code != http.StatusOK || len(body) == 0 {
			t.Fatalf("GET %s = %d", p, code)
		}
	}
	if _, body := get(t, ts.URL+"/", ""); !strings.Contains(body, "unodc_glotip") || !strings.Contains(body, "success") {
		t.Fatalf("landing page lacks the jobs:\n%s", body)
	}
	_, body := get(t, ts.URL+"/metrics", "")
	families := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+)`).FindAllStringSubmatch(body, -1) {
		families[m[1]] = true
	}
	for _, f := range []string{"palermo_job_last_success_timestamp_seconds", "palermo_job_last_run_success",
		"palermo_job_last_run_duration_seconds", "palermo_job_duration_seconds", "palermo_job_runs_total",
		"palermo_job_failures_total", "palermo_table_rows", "palermo_build_info", "palermo_indicator_info"} {
		if !families[f] {
			t.Errorf("/metrics lacks %s", f)
		}
	}
	n := 0
	for f := range families {
		if strings.HasPrefix(f, "palermo_") && regexp.MustCompile(`(?m)^`+f+`\{jurisdiction=`).MatchString(body) {
			n++
		}
	}
	if n < 5 {
		t.Errorf("/metrics has %d indicator families with values, want at least 5", n)
	}
	promtoolCheck(t, body)
	// OpenMetrics is served when asked for.
	req, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	om, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text") || !strings.HasSuffix(strings.TrimSpace(string(om)), "# EOF") {
		t.Fatalf("OpenMetrics not negotiated: %s", ct)
	}
	golden(t, "testdata/metrics.golden", []byte(normaliseMetrics(body)))
}

func get(t *testing.T, url, accept string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// normaliseMetrics keeps palermo's own families and blanks the values that
// change from run to run (times, durations, build details), so the golden
// file is the reviewable public contract of /metrics.
func normaliseMetrics(body string) string {
	volatile := regexp.MustCompile(`^(palermo_job_last_success_timestamp_seconds|palermo_job_last_run_duration_seconds|palermo_job_duration_seconds_(bucket|sum|count)|palermo_job_next_run_timestamp_seconds|palermo_job_schedule_interval_seconds|palermo_build_info)[{ ]`)
	var out []string
	for _, line := range strings.Split(body, "\n") {
		name := strings.TrimPrefix(strings.TrimPrefix(line, "# HELP "), "# TYPE ")
		if !strings.HasPrefix(name, "palermo_") {
			continue
		}
		if !strings.HasPrefix(line, "#") && volatile.MatchString(line) {
			i := strings.LastIndexByte(line, ' ')
			line = line[:i] + " <volatile>"
			if strings.HasPrefix(line, "palermo_build_info") {
				line = "palermo_build_info{...} <volatile>"
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

// promtoolCheck lints the exposition with promtool. CI installs promtool
// (Debian package prometheus); there a missing promtool fails the test.
func promtoolCheck(t *testing.T, body string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found: .ci/run must install the Debian package prometheus")
		}
		t.Log("promtool not found; skipping the lint (install the Debian package prometheus)")
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

func golden(t *testing.T, path string, got []byte) { testutil.Golden(t, path, got) }

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestExportFiles: datapackage.json validates against the Data Package v2
// JSON Schema profile, every file it lists exists with the declared hash
// and size, the per-indicator files add up to
// indicators.csv, and CITATION.cff is valid YAML with the keys CFF requires.
func TestExportFiles(t *testing.T) {
	dir := t.TempDir()
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out")
	if code, _, stderr := palermo(t, "run", "--data-dir", data, "--log-level", "warn"); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	if code, _, stderr := palermo(t, "export", "--data-dir", data, "--out", out); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	var dp struct {
		Schema    string `json:"$schema"`
		Resources []struct {
			Name, Path, Hash string
			Bytes            int
		} `json:"resources"`
		Privacy map[string]any `json:"palermo:privacy"`
	}
	b, _ := os.ReadFile(filepath.Join(out, "datapackage.json"))
	if err := testutil.ValidateDataPackage(b); err != nil {
		t.Fatalf("datapackage.json does not validate against the Data Package v2 profile: %v", err)
	}
	if err := json.Unmarshal(b, &dp); err != nil {
		t.Fatal(err)
	}
	if dp.Schema != "https://datapackage.org/profiles/2.0/datapackage.json" || dp.Privacy["min_cell"] != float64(10) {
		t.Fatalf("datapackage: schema %q, privacy %v", dp.Schema, dp.Privacy)
	}
	perIndicatorLines := 0
	for _, r := range dp.Resources {
		f, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(r.Path)))
		if err != nil {
			t.Fatalf("resource %s: %v", r.Name, err)
		}
		sum := sha256.Sum256(f)
		if r.Hash != "sha256:"+hex.EncodeToString(sum[:]) || r.Bytes != len(f) {
			t.Fatalf("resource %s: hash or size does not match the file", r.Name)
		}
		if strings.HasPrefix(r.Path, "indicators/") {
			perIndicatorLines += bytes.Count(f, []byte("\n")) - 1
		}
	}
	all, _ := os.ReadFile(filepath.Join(out, "indicators.csv"))
	if n := bytes.Count(all, []byte("\n")) - 1; n != perIndicatorLines {
		t.Fatalf("per-indicator files have %d rows, indicators.csv %d", perIndicatorLines, n)
	}
	var cff map[string]any
	cb, _ := os.ReadFile(filepath.Join(out, "CITATION.cff"))
	if err := yaml.Unmarshal(cb, &cff); err != nil {
		t.Fatalf("CITATION.cff: %v", err)
	}
	for _, k := range []string{"cff-version", "message", "title", "authors", "references"} {
		if cff[k] == nil {
			t.Errorf("CITATION.cff lacks %s", k)
		}
	}
	if refs := cff["references"].([]any); len(refs) != shippedSources() {
		t.Errorf("CITATION.cff cites %d sources, want one per shipped source, %d", len(refs), shippedSources())
	}
	var cat []map[string]any
	jb, _ := os.ReadFile(filepath.Join(out, "catalogue.json"))
	if err := json.Unmarshal(jb, &cat); err != nil || len(cat) != len(metrics.Catalogue) {
		t.Fatalf("catalogue.json: %v, %d entries", err, len(cat))
	}
}

// TestReportCommand: palermo report writes the static report with the
// pages of the jurisdictions asked for (in any case), the indicator pages,
// the operations, the data and assets they load and the CSV files; it
// refuses a jurisdiction it does not know, with a suggestion.
func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "report")
	if code, _, stderr := palermo(t, "run", "--data-dir", data, "--log-level", "warn"); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	code, stdout, stderr := palermo(t, "report", "--data-dir", data, "--out", out, "--jurisdiction", "WLD", "--jurisdiction", "us-mn")
	if code != 0 || !strings.Contains(stdout, "2 jurisdiction pages") {
		t.Fatalf("report exited %d: %s%s", code, stdout, stderr)
	}
	for _, f := range []string{"index.html", "WLD/index.html", "US-MN/index.html", "indicators/labour_prosecution_gap_pp/index.html",
		"operations/index.html", "data/catalogue.js", "data/j/US-MN.js", "data/i/minor_prostitution_arrests.js",
		"assets/palermo.js", "assets/world.js", "assets/vendor/plot.umd.min.js", "assets/vendor/LICENSE.plot",
		"csv/minor_prostitution_arrests.csv", "csv/operations.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "USA", "index.html")); err == nil {
		t.Error("a page was written for a jurisdiction not asked for")
	}
	if code, _, stderr := palermo(t, "report", "--data-dir", data, "--out", out, "--jurisdiction", "MINESOTA"); code != 1 || !strings.Contains(stderr, "did you mean Minnesota?") {
		t.Fatalf("unknown jurisdiction exited %d: %s", code, stderr)
	}
}

// TestIngestStreams: an operations file larger than one record batch is
// streamed into the snapshot whole; a bad row deep in it is reported at its
// line and column and nothing is stored; with quarantine allowed, it is
// left out and listed.
func TestIngestStreams(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := opsgen.Write(&buf, 150_000, 7); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "ops.csv")
	os.WriteFile(good, buf.Bytes(), 0o644)
	cfg := func(share string) string {
		p := filepath.Join(dir, "cfg"+share+".yaml")
		os.WriteFile(p, []byte("sources:\n  operations:\n    location: "+good+"\n    quarantine_max_share: "+share+"\n"), 0o644)
		return p
	}
	data := filepath.Join(dir, "data")
	// A bad value on line 140,001 (the 140,000th operation), column 2 (agency left empty).
	lines := strings.SplitAfter(buf.String(), "\n")
	fields := strings.SplitN(lines[140000], ",", 3)
	lines[140000] = fields[0] + ",," + fields[2]
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o644)
	code, _, stderr := palermo(t, "ingest", "--config", cfg("0"), "--data-dir", data, "--source", "operations", "--log-level", "warn", bad)
	if code != 1 || !strings.Contains(stderr, bad+":140001:14: agency is required") {
		t.Fatalf("ingest of a bad file exited %d:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "snapshots", "operations", "CURRENT")); !os.IsNotExist(err) {
		t.Fatal("a failed streamed ingest stored a snapshot")
	}
	code, stdout, stderr := palermo(t, "ingest", "--config", cfg("0.01"), "--data-dir", data, "--source", "operations", "--log-level", "warn", bad)
	if code != 0 || !strings.Contains(stdout, "operations 149999 rows") {
		t.Fatalf("ingest with quarantine allowed exited %d: %s%s", code, stdout, stderr)
	}
	code, stdout, stderr = palermo(t, "ingest", "--config", cfg("0"), "--data-dir", data, "--source", "operations", "--log-level", "warn", good)
	if code != 0 || !strings.Contains(stdout, "operations 150000 rows") {
		t.Fatalf("ingest of the good file exited %d: %s%s", code, stdout, stderr)
	}
	code, stdout, _ = palermo(t, "indicators", "--config", cfg("0"), "--data-dir", data, "--format", "csv")
	if code != 0 || !strings.Contains(stdout, "operation_victims_per_arrest,US-MN,") {
		t.Fatalf("indicators after a streamed ingest exited %d", code)
	}
	// The ingest folded the operations as it wrote them; a recompute that
	// reads the stored table back publishes the same indicators.
	folded, err := os.ReadFile(filepath.Join(data, "exports", "indicators.csv"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "export")
	if code, _, stderr := palermo(t, "export", "--config", cfg("0"), "--data-dir", data, "--out", out); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	reread, _ := os.ReadFile(filepath.Join(out, "indicators.csv"))
	if !bytes.Equal(folded, reread) || !bytes.Contains(folded, []byte("operation_victims_per_arrest,US-MN,")) {
		t.Fatalf("indicators folded during the ingest differ from those recomputed from the snapshot")
	}

	// A row deep in the file repeats the operation_id of line 3: the check
	// needs the whole file, so the ingest parses it twice and quarantines
	// the repeat, at its line and column.
	lines = strings.SplitAfter(buf.String(), "\n")
	id3 := strings.SplitN(lines[2], ",", 2)[0]
	rest := strings.SplitN(lines[120000], ",", 2)
	lines[120000] = id3 + "," + rest[1]
	repeated := filepath.Join(dir, "repeated.csv")
	os.WriteFile(repeated, []byte(strings.Join(lines, "")), 0o644)
	want := fmt.Sprintf("%s:120001:1: operation_id %q appears twice (first on line 3)", repeated, id3)
	code, _, stderr = palermo(t, "ingest", "--config", cfg("0"), "--data-dir", data, "--source", "operations", "--log-level", "warn", repeated)
	if code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("ingest of a file with a repeated id exited %d, want %q:\n%s", code, want, stderr)
	}
	code, stdout, stderr = palermo(t, "ingest", "--config", cfg("0.01"), "--data-dir", data, "--source", "operations", "--log-level", "warn", repeated)
	if code != 0 || !strings.Contains(stdout, "operations 149999 rows") {
		t.Fatalf("ingest with the repeat quarantined exited %d: %s%s", code, stdout, stderr)
	}
}

// shippedSources counts the sources that ship a snapshot: those the
// embedded default runs.
func shippedSources() int {
	n := 0
	for _, spec := range sources.Specs() {
		if spec.Embedded != nil {
			n++
		}
	}
	return n
}

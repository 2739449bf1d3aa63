// Package e2e runs palermo as its users do: the real binary on the embedded
// default, scraped by a real Prometheus (Debian package prometheus) on the
// repository's configuration, with every dashboard query and every alert
// rule evaluated by that Prometheus.
package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/palermo-project/palermo/dashboards"
	"github.com/palermo-project/palermo/internal/testutil"
)

// tool finds a binary the test needs, from the Debian package pkg. Outside
// CI a missing tool skips the test; under CI=true it fails it, since
// .ci/run must have installed it.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: .ci/run must install the Debian package %s", name, pkg)
		}
		t.Skipf("%s not found; install the Debian package %s to run this test", name, pkg)
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a started command that is stopped with SIGTERM at cleanup.
type process struct {
	cmd  *exec.Cmd
	log  string
	done chan error
}

func start(t *testing.T, name string, args ...string) *process {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), filepath.Base(name)+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, log: logPath, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); logf.Close() }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends SIGTERM and waits; it returns the exit error, if any.
func (p *process) stop(t *testing.T) error {
	if p.cmd.ProcessState != nil {
		return nil
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		t.Errorf("%s did not stop within 30 s of SIGTERM", p.cmd.Path)
		return fmt.Errorf("killed")
	}
}

func (p *process) logs() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func waitFor(t *testing.T, what string, timeout time.Duration, p *process, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			msg := ""
			if p != nil {
				msg = "\nlog:\n" + p.logs()
			}
			t.Fatalf("timed out after %s waiting for %s%s", timeout, what, msg)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func httpStatus(u string) int {
	resp, err := http.Get(u)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// httpGet returns a page's body, or "" with the error.
func httpGet(u string) (string, error) {
	resp, err := http.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

type promResponse struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

func promGet(t *testing.T, base, path string, q url.Values) promResponse {
	t.Helper()
	resp, err := http.Get(base + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r promResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// query runs an instant query and returns the number of series (or 1 for
// a scalar) and the error Prometheus reported, if any.
func query(t *testing.T, base, expr string) (int, string) {
	t.Helper()
	r := promGet(t, base, "/api/v1/query", url.Values{"query": {expr}})
	if r.Status != "success" {
		return 0, r.ErrorType + ": " + r.Error
	}
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	json.Unmarshal(r.Data, &data)
	if data.ResultType == "scalar" || data.ResultType == "string" {
		return 1, ""
	}
	var series []json.RawMessage
	json.Unmarshal(data.Result, &series)
	return len(series), ""
}

func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "palermo")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/palermo")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// prometheusConfig is the repository's configs/prometheus/prometheus.yml with
// the targets rewritten to the test's palermo instances, intervals shortened
// to seconds, and the rule files read from the repository.
func prometheusConfig(t *testing.T, targets []string) string {
	t.Helper()
	b, err := os.ReadFile("../configs/prometheus/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	rules, _ := filepath.Abs("../configs/prometheus/rules")
	cfg["global"] = map[string]any{"scrape_interval": "1s", "evaluation_interval": "1s"}
	cfg["rule_files"] = []string{filepath.Join(rules, "*.yml")}
	sc := cfg["scrape_configs"].([]any)[0].(map[string]any)
	if sc["job_name"] != "palermo" {
		t.Fatalf("first scrape config is %v, want palermo", sc["job_name"])
	}
	sc["scrape_interval"], sc["scrape_timeout"] = "1s", "1s"
	sc["static_configs"] = []any{map[string]any{"targets": targets}}
	out, _ := yaml.Marshal(cfg)
	path := filepath.Join(t.TempDir(), "prometheus.yml")
	os.WriteFile(path, out, 0o644)
	return path
}

func TestPrometheusScrapesPalermo(t *testing.T) {
	promBin := tool(t, "prometheus", "prometheus")
	promtool := tool(t, "promtool", "prometheus")

	// promtool on the repository's own files.
	for _, args := range [][]string{
		{"check", "config", "--syntax-only", "../configs/prometheus/prometheus.yml"},
		{"check", "rules", "../configs/prometheus/rules/palermo.yml"},
		{"test", "rules", "../configs/prometheus/tests/palermo_test.yml"},
	} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	bin := build(t)
	// palermo on the embedded default.
	port := freePort(t)
	good := start(t, bin, "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", t.TempDir())
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitFor(t, "palermo /readyz", 90*time.Second, good, func() bool { return httpStatus(base+"/readyz") == 200 })

	// A second palermo whose job fails: the publisher's server, after a
	// good run, serves the file cut in half at a line boundary, with a
	// Content-Length that matches, as if it were complete.
	publisher := testutil.NewPublisher(t, "../sources/snapshots/tip_global_law_enforcement.csv")
	cfgPath := filepath.Join(t.TempDir(), "failing.yaml")
	os.WriteFile(cfgPath, []byte("sources:\n  tip_global:\n    location: "+publisher.URL+"/tip.csv\n    schedule: \"@every 2s\"\n"), 0o644)
	badData := t.TempDir()
	if out, err := exec.Command(bin, "run", "--config", cfgPath, "--data-dir", badData).CombinedOutput(); err != nil {
		t.Fatalf("the first run of the whole file: %v\n%s", err, out)
	}
	publisher.CutInHalf()
	badPort := freePort(t)
	bad := start(t, bin, "serve", "--config", cfgPath, "--listen", fmt.Sprintf("127.0.0.1:%d", badPort), "--data-dir", badData)
	badBase := fmt.Sprintf("http://127.0.0.1:%d", badPort)
	waitFor(t, "the failing palermo to refuse the half file", 30*time.Second, bad, func() bool {
		b, _ := httpGet(badBase + "/metrics")
		return strings.Contains(b, `palermo_job_last_run_success{job_name="tip_global"} 0`)
	})
	if !strings.Contains(bad.logs(), "much smaller than the snapshot in use") {
		t.Errorf("the failing palermo does not say why:\n%s", bad.logs())
	}
	// The snapshot in use stays: the 2024 edition, in the lost half, is
	// still published.
	if b, _ := httpGet(badBase + "/exports/indicators.csv"); !strings.Contains(b, ",tip_global:2024,") {
		t.Error("the half file replaced the snapshot in use")
	}

	goodTarget, badTarget := fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", badPort)
	promCfg := prometheusConfig(t, []string{goodTarget, badTarget})
	if out, err := exec.Command(promtool, "check", "config", promCfg).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	promPort := freePort(t)
	prom := start(t, promBin, "--config.file="+promCfg, "--storage.tsdb.path="+t.TempDir(),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", promPort))
	promBase := fmt.Sprintf("http://127.0.0.1:%d", promPort)
	waitFor(t, "Prometheus to be ready", 60*time.Second, prom, func() bool { return httpStatus(promBase+"/-/ready") == 200 })
	waitFor(t, "a scrape of both palermo instances", 60*time.Second, prom, func() bool {
		n, _ := query(t, promBase, `up{job="palermo"} == 1`)
		m, _ := query(t, promBase, `palermo_indicator_info`)
		return n == 2 && m > 0
	})

	t.Run("dashboards", func(t *testing.T) {
		files, _ := filepath.Glob("../dashboards/*.json")
		if len(files) < 4 {
			t.Fatalf("found %d dashboards", len(files))
		}
		for _, f := range files {
			b, _ := os.ReadFile(f)
			var d dashboards.Dashboard
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			vars := variables(&d)
			for _, v := range d.Templating.List {
				if v.Type != "query" {
					continue
				}
				checkVariable(t, promBase, filepath.Base(f), v, vars)
			}
			panels := dashboards.PanelQueries(&d)
			if len(panels) == 0 {
				t.Errorf("%s has no queries", f)
			}
			// Every query runs; every panel shows data. A panel's companion
			// query (the unstable values a map rings) may be empty.
			for _, p := range panels {
				got := 0
				for _, e := range p.Exprs {
					q := substitute(e, vars)
					if strings.Contains(strings.ReplaceAll(q, "$1", ""), "$") {
						t.Errorf("%s: panel %q: unsubstituted variable in %s", filepath.Base(f), p.Title, q)
						continue
					}
					n, perr := query(t, promBase, q)
					if perr != "" {
						t.Errorf("%s: panel %q: %s: %s", filepath.Base(f), p.Title, q, perr)
					}
					got += n
				}
				if got == 0 {
					t.Errorf("%s: panel %q returned no data: %v", filepath.Base(f), p.Title, p.Exprs)
				}
			}
		}
	})

	t.Run("alerts", func(t *testing.T) {
		r := promGet(t, promBase, "/api/v1/rules", nil)
		var rules struct {
			Groups []struct {
				Rules []struct {
					Name   string `json:"name"`
					Health string `json:"health"`
				} `json:"rules"`
			} `json:"groups"`
		}
		json.Unmarshal(r.Data, &rules)
		n := 0
		for _, g := range rules.Groups {
			for _, rule := range g.Rules {
				n++
				if rule.Health == "err" {
					t.Errorf("rule %s is unhealthy", rule.Name)
				}
			}
		}
		if n != 5 {
			t.Fatalf("Prometheus loaded %d rules, want 5", n)
		}
		// The job-failure alert fires for the palermo whose run failed,
		// and only for it.
		waitFor(t, "PalermoJobFailing to fire", 30*time.Second, prom, func() bool {
			n, _ := query(t, promBase, fmt.Sprintf(`ALERTS{alertname="PalermoJobFailing",alertstate="firing",instance=%q,job_name="tip_global"}`, badTarget))
			return n == 1
		})
		if n, _ := query(t, promBase, fmt.Sprintf(`ALERTS{alertname="PalermoJobFailing",instance=%q}`, goodTarget)); n != 0 {
			t.Errorf("PalermoJobFailing fired for the healthy palermo")
		}
	})

	// SIGTERM drains and exits 0, as the CLI contract says.
	if err := good.stop(t); err != nil {
		t.Errorf("palermo serve exited with %v after SIGTERM\n%s", err, good.logs())
	}
}

// variables returns each template variable's current value in the form
// Grafana interpolates into PromQL: a regex alternation for multi-value
// variables, .* for All.
func variables(d *dashboards.Dashboard) map[string]string {
	out := map[string]string{}
	for _, v := range d.Templating.List {
		var vals []string
		switch x := v.Current.Value.(type) {
		case string:
			vals = []string{x}
		case []any:
			for _, s := range x {
				vals = append(vals, fmt.Sprint(s))
			}
		}
		switch {
		case len(vals) == 1 && vals[0] == "$__all":
			out[v.Name] = v.AllValue
		case v.Multi:
			for i, s := range vals {
				vals[i] = regexp.QuoteMeta(s)
			}
			out[v.Name] = "(" + strings.Join(vals, "|") + ")"
		case len(vals) > 0:
			out[v.Name] = vals[0]
		}
	}
	return out
}

var varRef = regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`)

func substitute(expr string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(expr, func(m string) string {
		name := strings.Trim(m, "${}")
		if v, ok := vars[name]; ok {
			return v
		}
		return m
	})
}

// checkVariable runs a label_values(selector, label) variable query through
// the label values API and fails when it offers nothing.
func checkVariable(t *testing.T, promBase, file string, v *dashboards.Variable, vars map[string]string) {
	t.Helper()
	m := regexp.MustCompile(`^label_values\((.*),\s*(\w+)\)$`).FindStringSubmatch(v.Definition)
	if m == nil {
		t.Errorf("%s: variable %s: unsupported query %q", file, v.Name, v.Definition)
		return
	}
	sel := substitute(m[1], vars)
	r := promGet(t, promBase, "/api/v1/label/"+m[2]+"/values", url.Values{"match[]": {sel}})
	var vals []string
	json.Unmarshal(r.Data, &vals)
	if r.Status != "success" || len(vals) == 0 {
		t.Errorf("%s: variable %s (%s) offers no values: %s", file, v.Name, sel, r.Error)
	}
}

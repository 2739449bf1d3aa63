// Package server is palermo's HTTP interface: /metrics for Prometheus,
// health and readiness probes, the export files and a landing page.
package server

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/palermo-project/palermo/internal/closest"
	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/report"
)

// Server serves palermo over HTTP.
type Server struct {
	Runner    *pipeline.Runner
	Scheduler *pipeline.Scheduler // nil when nothing is scheduled
	Publisher *metrics.Publisher
	Log       *slog.Logger
	Registry  *prometheus.Registry
	Timeouts  Timeouts

	reports reportCache
	// renders counts report builds (one per snapshot).
	renders atomic.Int64
}

// Timeouts bound how long a client may take, so slow or stalled clients
// are cut off instead of holding connections.
type Timeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// DefaultTimeouts suit scrapes and export downloads.
var DefaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 60 * time.Second, Idle: 120 * time.Second}

// New builds a server and its Prometheus registry.
func New(runner *pipeline.Runner, sched *pipeline.Scheduler, pub *metrics.Publisher, log *slog.Logger) *Server {
	// The registry holds what changes between recomputes (job health,
	// readiness, the process); the indicator families are pre-rendered
	// with each snapshot and appended by the /metrics handler.
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		runner.Metrics,
		version.NewCollector("palermo"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	srv := &Server{Runner: runner, Scheduler: sched, Publisher: pub, Log: log, Registry: reg, Timeouts: DefaultTimeouts}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "palermo_ready",
		Help: "1 when every enabled job has a good snapshot and the published indicators include it (what /readyz answers 200 for), else 0.",
	}, func() float64 {
		if len(srv.NotReady()) == 0 {
			return 1
		}
		return 0
	}))
	if sched != nil {
		runner.Metrics.SetNext(func(job string) float64 {
			if t := sched.Next(job); !t.IsZero() {
				return float64(t.Unix())
			}
			return 0
		})
	}
	return srv
}

// Handler routes palermo's endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", s.metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /exports/{path...}", s.export)
	mux.HandleFunc("GET /report/{path...}", s.report)
	mux.HandleFunc("GET /report", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/report/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /{$}", s.landing)
	return mux
}

// metrics serves the registry's live families followed by the indicator
// families pre-rendered with the latest snapshot, in the format the scraper
// negotiates (Prometheus text or OpenMetrics), gzipped when it accepts gzip.
// A gzipped body is a sequence of gzip members, which gzip readers
// (Prometheus's among them) read as one stream.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	format := expfmt.NegotiateIncludingOpenMetrics(r.Header)
	openMetrics := format.FormatType() == expfmt.TypeOpenMetrics
	var live bytes.Buffer
	mfs, err := s.Registry.Gather()
	if err != nil {
		s.Log.Error("gathering metrics", "err", err) // serve what was gathered
	}
	enc := expfmt.NewEncoder(&live, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			s.Log.Error("encoding metrics", "family", mf.GetName(), "err", err)
		}
	}
	var pre, preGzip []byte
	if snap := s.Publisher.Snapshot(); snap != nil && snap.Exposition != nil {
		pre, preGzip = snap.Exposition.Text, snap.Exposition.TextGzip
		if openMetrics {
			pre, preGzip = snap.Exposition.OpenMetrics, snap.Exposition.OpenMetricsGzip
		}
	}
	var tail []byte
	if openMetrics {
		tail = []byte("# EOF\n")
	}
	w.Header().Set("Content-Type", string(format))
	w.Header().Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r.Header.Get("Accept-Encoding")) {
		w.Write(live.Bytes())
		w.Write(pre)
		w.Write(tail)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	zw := gzip.NewWriter(w)
	zw.Write(live.Bytes())
	zw.Close()
	w.Write(preGzip)
	if tail != nil {
		zw.Reset(w)
		zw.Write(tail)
		zw.Close()
	}
}

// acceptsGzip reads an Accept-Encoding header for gzip with a non-zero q.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q := strings.TrimSpace(params)
		return !(strings.HasPrefix(q, "q=0") && strings.Trim(strings.TrimPrefix(q, "q="), "0.") == "")
	}
	return false
}

// NotReady lists what readiness still waits for: enabled jobs without a
// good snapshot, and sources whose snapshot the published indicators do not
// include yet (the recompute after a first store is still going).
func (s *Server) NotReady() []string {
	var missing []string
	snap := s.Publisher.Snapshot()
	lastErr := s.Publisher.LastError()
	for _, job := range s.Runner.Sources() {
		if _, err := s.Runner.Store.Current(job); err != nil {
			missing = append(missing, job)
			continue
		}
		switch {
		case snap.Includes(job):
		case snap != nil && snap.Unreadable[job] != "":
			missing = append(missing, "a readable snapshot of "+job+" ("+snap.Unreadable[job]+")")
		case lastErr != nil:
			missing = append(missing, "indicators from "+job+" (the last recompute failed: "+lastErr.Error()+")")
		default:
			missing = append(missing, "indicators from "+job)
		}
	}
	return missing
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if missing := s.NotReady(); len(missing) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		for _, m := range missing {
			w.Write([]byte("waiting for " + m + "\n"))
		}
		return
	}
	w.Write([]byte("ready\n"))
}

// export serves the files of the latest export: indicators.csv,
// datapackage.json, indicators/<id>.csv, catalogue.csv, catalogue.json and
// CITATION.cff.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	snap := s.Publisher.Snapshot()
	if snap == nil || snap.Exports == nil {
		http.Error(w, "no indicators computed yet; see /readyz", http.StatusServiceUnavailable)
		return
	}
	name := r.PathValue("path")
	b, ok := snap.Exports.Files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctype := "text/plain; charset=utf-8"
	switch path.Ext(name) {
	case ".csv":
		ctype = "text/csv; charset=utf-8"
	case ".json":
		ctype = "application/json"
	case ".cff":
		ctype = "application/x-yaml; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Last-Modified", snap.ComputedAt.UTC().Format(http.TimeFormat))
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(b)
}

// reportCache holds the report of the current snapshot, built once per
// snapshot by the first request for it; requests that arrive meanwhile
// wait for that build instead of starting their own.
type reportCache struct {
	mu    sync.Mutex
	snap  *metrics.Snapshot
	entry *reportEntry
}

type reportEntry struct {
	once sync.Once
	site *report.Site
	err  error
}

func (c *reportCache) site(snap *metrics.Snapshot, build func() (*report.Site, error)) (*report.Site, error) {
	c.mu.Lock()
	if c.snap != snap || c.entry == nil {
		c.snap, c.entry = snap, &reportEntry{}
	}
	e := c.entry
	c.mu.Unlock()
	e.once.Do(func() { e.site, e.err = build() })
	return e.site, e.err
}

var reportTypes = map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8", ".csv": "text/csv; charset=utf-8", ".md": "text/markdown; charset=utf-8"}

// report serves the report that palermo report writes, from memory: the
// index at /report/, a jurisdiction at /report/USA/ (any case of the code
// is redirected to it), an indicator at /report/indicators/<id>/.
func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	snap := s.Publisher.Snapshot()
	if snap == nil {
		http.Error(w, "no indicators computed yet; see /readyz", http.StatusServiceUnavailable)
		return
	}
	site, err := s.reports.site(snap, func() (*report.Site, error) {
		s.renders.Add(1)
		return report.Build(snap, s.Publisher.Catalogue, report.Options{})
	})
	if err != nil {
		s.Log.Error("report", "err", err)
		http.Error(w, "cannot render the report", http.StatusInternalServerError)
		return
	}
	p := r.PathValue("path")
	if p == "" || strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	b, ok := site.Files[p]
	if !ok {
		raw := r.PathValue("path")
		first, rest, slash := strings.Cut(raw, "/")
		for _, j := range site.Jurisdictions {
			if strings.EqualFold(first, j) && (first != j || !slash) {
				target := "/report/" + j + "/" + rest
				if r.URL.RawQuery != "" {
					target += "?" + r.URL.RawQuery
				}
				http.Redirect(w, r, target, http.StatusMovedPermanently)
				return
			}
		}
		msg := "no such report page: /report/" + raw
		if !strings.Contains(first, ".") && (rest == "" || rest == "index.html") {
			msg += suggestJurisdiction(first, site.Jurisdictions, snap.JurisdictionNames)
		}
		http.Error(w, msg, http.StatusNotFound)
		return
	}
	ctype := reportTypes[path.Ext(p)]
	if ctype == "" {
		ctype = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Last-Modified", snap.ComputedAt.UTC().Format(http.TimeFormat))
	w.Write(b)
}

// suggestJurisdiction names the jurisdiction whose code or name is
// closest to s, when one is close.
func suggestJurisdiction(s string, codes []string, names map[string]string) string {
	var known, code []string
	for _, c := range codes {
		known, code = append(known, c), append(code, c)
		if n := names[c]; n != "" {
			known, code = append(known, n), append(code, c)
		}
	}
	if i, ok := closest.Match(s, known); ok {
		return fmt.Sprintf("; did you mean /report/%s/ (%s)?", code[i], names[code[i]])
	}
	return "; see /report/ for the jurisdictions"
}

//go:embed landing.html
var landingHTML string

var landingTmpl = template.Must(template.New("landing").Funcs(template.FuncMap{
	"hasPrefix": strings.HasPrefix,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
}).Parse(landingHTML))

type jobView struct {
	Name, Schedule, Location string
	State                    pipeline.JobState
	Running                  bool
	Next                     time.Time
	HasSnapshot              bool
}

func (s *Server) landing(w http.ResponseWriter, r *http.Request) {
	cfg := s.Runner.Config
	var jobs []jobView
	for _, name := range s.Runner.Sources() {
		sc, configured := cfg.Sources[name]
		if !configured {
			sc.Schedule = "none (ingested)"
		}
		jv := jobView{Name: name, Schedule: sc.Schedule, Location: s.Runner.Location(name), State: s.Runner.State.Job(name), Running: s.Runner.Running(name)}
		if s.Scheduler != nil {
			jv.Next = s.Scheduler.Next(name)
		}
		_, err := s.Runner.Store.Current(name)
		jv.HasSnapshot = err == nil
		jobs = append(jobs, jv)
	}
	var problem string
	if err := s.Publisher.LastError(); err != nil {
		problem = err.Error()
	}
	data := struct {
		Jobs       []jobView
		Snapshot   *metrics.Snapshot
		NotReady   []string
		Problem    string
		Indicators []indicatorLink
	}{jobs, s.Publisher.Snapshot(), s.NotReady(), problem, indicatorLinks(s.Publisher.Snapshot())}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := landingTmpl.Execute(w, data); err != nil {
		s.Log.Error("landing page", "err", err)
	}
}

// HTTPServer wraps the handler with timeouts that cut off slow clients.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.Timeouts.ReadHeader,
		ReadTimeout:       s.Timeouts.Read,
		WriteTimeout:      s.Timeouts.Write,
		IdleTimeout:       s.Timeouts.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
}

// Serve serves hs on ln. With a web configuration file (the Prometheus
// exporter-toolkit format every exporter reads: tls_server_config,
// basic_auth_users, http_server_config), it serves TLS and requires basic
// auth as the file says; without one, plain HTTP.
func (s *Server) Serve(ln net.Listener, hs *http.Server, webConfigFile string) error {
	return web.Serve(ln, hs, &web.FlagConfig{WebConfigFile: &webConfigFile}, s.Log)
}

// ValidateWebConfig checks a web configuration file before serving.
func ValidateWebConfig(path string) error {
	if path == "" {
		return nil
	}
	return web.Validate(path)
}

// Shutdown helper: stop the HTTP server then the scheduler, within ctx.
func Shutdown(ctx context.Context, srv *http.Server, sched *pipeline.Scheduler) error {
	err := srv.Shutdown(ctx)
	if sched != nil {
		if serr := sched.Stop(ctx); serr != nil && err == nil {
			err = serr
		}
	}
	return err
}

// indicatorLink is an indicator of the landing page, linked to its page in
// the report (the comparison, ranking and map of every jurisdiction).
type indicatorLink struct {
	ID, Title string
	Published int
}

func indicatorLinks(snap *metrics.Snapshot) []indicatorLink {
	if snap == nil {
		return nil
	}
	count := map[string]int{}
	for i := range snap.Rows {
		if r := &snap.Rows[i]; r.Published() {
			count[r.Indicator.ID]++
		}
	}
	var out []indicatorLink
	for _, ind := range metrics.Catalogue {
		if count[ind.ID] > 0 {
			out = append(out, indicatorLink{ID: ind.ID, Title: ind.Title, Published: count[ind.ID]})
		}
	}
	return out
}

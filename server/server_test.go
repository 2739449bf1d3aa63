package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/pipeline"
	"github.com/palermo-project/palermo/sources"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newTestServer serves the embedded data; every Recompute swaps between
// the indicators of all sources and those of tip_global alone.
func newTestServer(t testing.TB) (*Server, *metrics.Publisher) {
	t.Helper()
	sets, err := sources.LoadEmbedded(context.Background(), memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range sets {
			s.Release()
		}
	})
	var flip atomic.Bool
	pub := &metrics.Publisher{Catalogue: metrics.Catalogue, Privacy: metrics.DefaultPrivacy,
		Load: func(context.Context) ([]*sources.TableSet, error) {
			for _, s := range sets {
				for _, tbl := range s.Tables {
					tbl.Retain() // the publisher releases what Load returns
				}
			}
			if flip.Swap(!flip.Load()) {
				for _, s := range sets {
					if s.Source == "tip_global" {
						return []*sources.TableSet{s}, nil
					}
				}
			}
			return append([]*sources.TableSet(nil), sets...), nil
		}}
	cfg, err := pipeline.LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	store, _ := pipeline.OpenStore(cfg.DataDir)
	state, _ := pipeline.OpenState(cfg.DataDir)
	return New(pipeline.NewRunner(cfg, store, state, quiet()), nil, pub, quiet()), pub
}

func serve(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := s.HTTPServer(ln.Addr().String())
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return "http://" + ln.Addr().String()
}

// counts of indicator series in /metrics and of rows in indicators.csv.
func seriesCount(body []byte) int { return bytes.Count(body, []byte("{jurisdiction=")) }
func rowCount(body []byte) int    { return bytes.Count(body, []byte("\n")) }

// TestLoadDuringSwap: 200 concurrent clients read /metrics, the CSV export
// and the landing page for 10 seconds while the indicator snapshot is
// swapped continuously. No request fails, and every response shows one
// snapshot whole, never a mix of two.
func TestLoadDuringSwap(t *testing.T) {
	s, pub := newTestServer(t)
	base := serve(t, s)
	ctx := context.Background()
	scrape := func() int {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return seriesCount(b)
	}
	full, _ := pub.Recompute(ctx) // all sources
	fullSeries, fullRows := scrape(), rowCount(full.Exports.CSV)
	tipOnly, _ := pub.Recompute(ctx)
	tipSeries, tipRows := scrape(), rowCount(tipOnly.Exports.CSV)
	if fullSeries == tipSeries || fullRows == tipRows {
		t.Fatal("the two snapshots cannot be told apart")
	}

	const clients = 200
	duration := 10 * time.Second
	deadline := time.Now().Add(duration)
	stop := make(chan struct{})
	var swaps atomic.Int64
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := pub.Recompute(ctx); err != nil {
				t.Error(err)
				return
			}
			swaps.Add(1)
		}
	}()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	var (
		wg       sync.WaitGroup
		requests atomic.Int64
		mu       sync.Mutex
		failures []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		if len(failures) < 10 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
		mu.Unlock()
	}
	paths := []string{"/metrics", "/exports/indicators.csv", "/"}
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				p := paths[(c+i)%len(paths)]
				resp, err := client.Get(base + p)
				if err != nil {
					fail("GET %s: %v", p, err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				requests.Add(1)
				if err != nil || resp.StatusCode != 200 {
					fail("GET %s: %d %v", p, resp.StatusCode, err)
					continue
				}
				switch p {
				case "/metrics":
					if n := seriesCount(body); n != fullSeries && n != tipSeries {
						fail("/metrics shows %d indicator series: neither snapshot (%d or %d)", n, fullSeries, tipSeries)
					}
				case "/exports/indicators.csv":
					if n := rowCount(body); n != fullRows && n != tipRows {
						fail("indicators.csv has %d lines: neither snapshot (%d or %d)", n, fullRows, tipRows)
					}
				}
			}
		}(c)
	}
	wg.Wait()
	close(stop)
	if len(failures) > 0 {
		t.Fatalf("%d requests, failures:\n%s", requests.Load(), strings.Join(failures, "\n"))
	}
	if swaps.Load() < 3 {
		t.Fatalf("only %d swaps during the load", swaps.Load())
	}
	t.Logf("%d requests by %d clients in %s during %d snapshot swaps", requests.Load(), clients, duration, swaps.Load())
}

// TestSlowClientCutOff: a client that never finishes its request headers
// is disconnected after the read-header timeout.
func TestSlowClientCutOff(t *testing.T) {
	s, pub := newTestServer(t)
	pub.Recompute(context.Background())
	s.Timeouts.ReadHeader = 300 * time.Millisecond
	base := serve(t, s)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprint(conn, "GET /metrics HTTP/1.1\r\nHost: palermo\r\n") // and never the blank line
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = bufio.NewReader(conn).ReadString('\n')
	if err == nil {
		// The server may answer 408 before closing; then the close follows.
		_, err = io.ReadAll(conn)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("the slow client held its connection for %s", time.Since(start))
	}
}

// TestReportPages: /report/ lists the jurisdictions, the world first;
// /report/{j}/ serves the page of one, a code in another case is redirected
// to it, an unknown one is 404 with a suggestion; the data, assets and CSV
// files the pages load are served with their types.
func TestReportPages(t *testing.T) {
	s, pub := newTestServer(t)
	pub.Recompute(context.Background())
	base := serve(t, s)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, http.Header, string) {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	code, _, index := get("/report/")
	if code != 200 || !strings.Contains(index, `href="WLD/index.html"`) {
		t.Fatalf("/report/ = %d", code)
	}
	if w, a := strings.Index(index, `href="WLD/index.html"`), strings.Index(index, `href="USA/index.html"`); w < 0 || a < 0 || w > a {
		t.Error("the index does not list the world before the countries")
	}
	for _, p := range []string{"/report/WLD/", "/report/WLD/index.html"} {
		if code, _, body := get(p); code != 200 || !strings.Contains(body, "Labour trafficking prosecution gap") {
			t.Fatalf("%s = %d", p, code)
		}
	}
	for path, want := range map[string]string{"/report/WLD": "/report/WLD/", "/report/us-mn/": "/report/US-MN/",
		"/report/us-mn?compare=usa": "/report/US-MN/?compare=usa", "/report": "/report/"} {
		if code, h, _ := get(path); code != http.StatusMovedPermanently || h.Get("Location") != want {
			t.Errorf("%s = %d to %q, want a redirect to %s", path, code, h.Get("Location"), want)
		}
	}
	if code, _, body := get("/report/MINESOTA/"); code != 404 || !strings.Contains(body, "did you mean /report/US-MN/ (Minnesota)?") {
		t.Errorf("/report/MINESOTA/ = %d: %s", code, body)
	}
	for path, ctype := range map[string]string{"/report/assets/palermo.js": "text/javascript", "/report/data/j/USA.js": "text/javascript",
		"/report/assets/report.css": "text/css", "/report/csv/operations.csv": "text/csv", "/report/indicators/ht_arrests/": "text/html"} {
		if code, h, _ := get(path); code != 200 || !strings.HasPrefix(h.Get("Content-Type"), ctype) {
			t.Errorf("%s = %d %s", path, code, h.Get("Content-Type"))
		}
	}
	// The landing page leads to the report, and each indicator with
	// published values links to its page there.
	_, _, landing := get("/")
	if !strings.Contains(landing, `<a href="/report/"><strong>Read the report</strong></a>`) {
		t.Error("the landing page has no prominent link to the report")
	}
	link := `href="/report/indicators/convictions_per_identified_victim/"`
	if !strings.Contains(landing, link) || !strings.Contains(landing, ">Convictions per identified victim</a>") {
		t.Errorf("the landing page lacks %s", link)
	}
	if code, _, page := get("/report/indicators/convictions_per_identified_victim/"); code != 200 || !strings.Contains(page, "<h1>Convictions per identified victim</h1>") {
		t.Error("the indicator page the landing page links to does not exist")
	}
}

// TestMetricsNegotiation: the pre-rendered indicator families join the live
// ones in the negotiated format: Prometheus text by default, OpenMetrics
// (ending in one "# EOF") when asked, and the same bytes gzipped when the
// scraper accepts gzip.
func TestMetricsNegotiation(t *testing.T) {
	s, pub := newTestServer(t)
	pub.Recompute(context.Background())
	base := serve(t, s)
	fetch := func(accept, encoding string) (string, http.Header, []byte) {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		req.Header.Set("Accept-Encoding", encoding) // set: the client then does not decompress
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Type"), resp.Header, b
	}
	gunzip := func(b []byte) []byte {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ct, _, text := fetch("", "identity")
	if !strings.HasPrefix(ct, "text/plain") || !bytes.Contains(text, []byte("\npalermo_labour_prosecution_gap_pp{")) || !bytes.Contains(text, []byte("palermo_job_runs_total")) {
		t.Fatalf("text: %s, %d bytes", ct, len(text))
	}
	if bytes.Contains(text, []byte("# EOF")) {
		t.Fatal("the text format has an OpenMetrics EOF")
	}
	// The live families (process, Go runtime) change between two scrapes;
	// the pre-rendered indicator families must be byte-identical.
	indicatorLines := func(b []byte) string {
		var out []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.Contains(l, "{jurisdiction=") || strings.HasPrefix(l, "palermo_indicator_") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	ct, h, gz := fetch("", "gzip")
	if h.Get("Content-Encoding") != "gzip" || indicatorLines(gunzip(gz)) != indicatorLines(text) || len(indicatorLines(text)) < 1000 {
		t.Fatalf("gzip: %s, encoding %q", ct, h.Get("Content-Encoding"))
	}
	om := "application/openmetrics-text; version=1.0.0; charset=utf-8"
	ct, _, body := fetch(om, "identity")
	if !strings.HasPrefix(ct, "application/openmetrics-text") || bytes.Count(body, []byte("# EOF\n")) != 1 || !bytes.HasSuffix(body, []byte("# EOF\n")) {
		t.Fatalf("openmetrics: %s, EOF count %d", ct, bytes.Count(body, []byte("# EOF")))
	}
	if _, _, gzOM := fetch(om, "gzip, deflate"); indicatorLines(gunzip(gzOM)) != indicatorLines(body) || !bytes.HasSuffix(gunzip(gzOM), []byte("# EOF\n")) {
		t.Fatal("gzipped OpenMetrics differs from the plain body")
	}
	if _, h, _ := fetch("", "gzip;q=0"); h.Get("Content-Encoding") != "" {
		t.Fatal("gzip sent although refused with q=0")
	}
}

// TestReportRenderedOnce: 200 simultaneous first requests for one report
// page render it once; every request gets the same page.
func TestReportRenderedOnce(t *testing.T) {
	s, pub := newTestServer(t)
	pub.Recompute(context.Background())
	base := serve(t, s)
	var wg sync.WaitGroup
	bodies := make([]string, 200)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(base + "/report/USA/")
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			bodies[i] = string(b)
		}()
	}
	wg.Wait()
	if n := s.renders.Load(); n != 1 {
		t.Fatalf("the page was rendered %d times for 200 requests, want once", n)
	}
	for _, b := range bodies {
		if b != bodies[0] || !strings.Contains(b, "<html") {
			t.Fatal("requests got different or empty pages")
		}
	}
}

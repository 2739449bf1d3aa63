package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/palermo-project/palermo/metrics"
)

// syntheticSnapshot has n published rows spread over the computed
// indicators: benchmark load, never published data.
func syntheticSnapshot(n int) *metrics.Snapshot {
	var inds []*metrics.Indicator
	for _, ind := range metrics.Catalogue {
		if ind.HasData() {
			inds = append(inds, ind)
		}
	}
	snap := &metrics.Snapshot{ComputedAt: time.Now(), Privacy: metrics.DefaultPrivacy}
	for i := 0; i < n; i++ {
		v := float64(i%997) / 997
		snap.Rows = append(snap.Rows, metrics.Row{
			Indicator: inds[i%len(inds)], Jurisdiction: fmt.Sprintf("J%05d", i/len(inds)/20), Period: fmt.Sprint(2000 + i/len(inds)%20),
			Source: "bench", SourceName: "bench", Value: &v, Numerator: &v, Denominator: &v, Status: metrics.StatusOK,
			SourceURL: "https://example.org/bench"})
	}
	return snap
}

// BenchmarkMetrics100k scrapes /metrics with 100,000 indicator series:
// "prerendered" is palermo's handler (families rendered once per
// recompute), "collector" the baseline of the same families built by a
// custom Collector at every scrape (promhttp), measured in the same run.
// Compare the two ns/op and B/op:
//
//	go test ./server -run '^$' -bench Metrics100k -benchtime 20x
func BenchmarkMetrics100k(b *testing.B) {
	s, pub := newTestServer(b)
	if err := pub.Publish(syntheticSnapshot(100_000)); err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewCollector(pub))
	handlers := map[string]http.Handler{
		"prerendered": s.Handler(),
		"collector":   promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}),
	}
	for _, name := range []string{"collector", "prerendered"} {
		for _, enc := range []string{"identity", "gzip"} {
			b.Run(name+"/"+enc, func(b *testing.B) {
				srv := httptest.NewServer(handlers[name])
				defer srv.Close()
				req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
				req.Header.Set("Accept-Encoding", enc)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					resp, err := http.DefaultTransport.RoundTrip(req)
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					b.SetBytes(n)
				}
			})
		}
	}
}

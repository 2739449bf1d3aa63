package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palermo-project/palermo/internal/bounded"
)

// The fetcher is tested against real HTTP servers (httptest) serving the
// real TIP file.

func testFetcher(t *testing.T) *Fetcher {
	f := NewFetcher()
	f.Backoff = time.Millisecond
	f.Retries = 2
	f.CacheDir = t.TempDir()
	return f
}

func tipSpec(t *testing.T) (*Spec, []byte) {
	spec, _ := Lookup("tip_global")
	return spec, readFile(t, "snapshots/tip_global_law_enforcement.csv")
}

func TestFetchOK(t *testing.T) {
	spec, body := tipSpec(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer srv.Close()
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	f := testFetcher(t)
	f.Now = func() time.Time { return now }
	res, err := f.FetchResult(context.Background(), spec, srv.URL+"/tip.csv")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	p := res.Provenance
	if string(bodyOf(t, res)) != string(body) || p.SHA256 != hex.EncodeToString(sum[:]) || p.Bytes != int64(len(body)) || !p.RetrievedAt.Equal(now) || p.Origin.Title == "" {
		t.Fatalf("provenance = %+v", p)
	}
}

// TestFetchNotModified: the second fetch sends the validators, the server
// answers 304, and the cached body comes back flagged NotModified.
func TestFetchNotModified(t *testing.T) {
	spec, body := tipSpec(t)
	var full, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` && r.Header.Get("If-Modified-Since") == "Mon, 02 Jun 2025 00:00:00 GMT" {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 02 Jun 2025 00:00:00 GMT")
		w.Write(body)
	}))
	defer srv.Close()
	f := testFetcher(t)
	first, err := f.FetchResult(context.Background(), spec, srv.URL)
	if err != nil || first.NotModified {
		t.Fatalf("first fetch: %v, not modified %v", err, first.NotModified)
	}
	second, err := f.FetchResult(context.Background(), spec, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || string(bodyOf(t, second)) != string(body) || second.Provenance.SHA256 != first.Provenance.SHA256 {
		t.Fatalf("second fetch: not modified %v, %d bytes", second.NotModified, len(bodyOf(t, second)))
	}
	if full.Load() != 1 || notModified.Load() != 1 {
		t.Fatalf("server saw %d full and %d conditional requests", full.Load(), notModified.Load())
	}
	// Another URL for the same source does not use the cache.
	third, err := f.FetchResult(context.Background(), spec, srv.URL+"/other")
	if err != nil || third.NotModified {
		t.Fatalf("fetch of another URL: %v, not modified %v", err, third.NotModified)
	}
}

// TestFetchRetries: a 500 then a 200 is retried and succeeds; a 404 is not
// retried; persistent 503s give up after the configured attempts.
func TestFetchRetries(t *testing.T) {
	spec, body := tipSpec(t)
	f := func(name string, codes []int, wantErr string, wantCalls int32) {
		t.Helper()
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := int(calls.Add(1)) - 1
			if n < len(codes) && codes[n] != 200 {
				w.WriteHeader(codes[n])
				return
			}
			w.Write(body)
		}))
		defer srv.Close()
		_, err := testFetcher(t).FetchResult(context.Background(), spec, srv.URL)
		if (err == nil) != (wantErr == "") || (err != nil && !strings.Contains(err.Error(), wantErr)) {
			t.Fatalf("%s: err = %v, want %q", name, err, wantErr)
		}
		if calls.Load() != wantCalls {
			t.Fatalf("%s: %d requests, want %d", name, calls.Load(), wantCalls)
		}
	}
	f("500 then 200", []int{500, 200}, "", 2)
	f("404", []int{404}, "HTTP 404 Not Found", 1)
	f("503 for ever", []int{503, 503, 503, 503}, "giving up after 3 attempts: HTTP 503", 3)
}

// TestFetchTruncated: a body shorter than its Content-Length is an error
// (retried, then given up), never a short file handed to the parser.
func TestFetchTruncated(t *testing.T) {
	spec, body := tipSpec(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body[:len(body)/2])
		// The handler returns early: the server closes the connection.
	}))
	defer srv.Close()
	_, err := testFetcher(t).FetchResult(context.Background(), spec, srv.URL)
	if err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Fatalf("err = %v, want unexpected EOF", err)
	}
}

func TestFetchOversized(t *testing.T) {
	spec, body := tipSpec(t)
	for _, announce := range []bool{true, false} {
		var calls atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			if !announce {
				w.Header().Set("Transfer-Encoding", "chunked")
				w.(http.Flusher).Flush()
			}
			w.Write(body)
		}))
		f := testFetcher(t)
		f.MaxBytes = 1000
		_, err := f.FetchResult(context.Background(), spec, srv.URL)
		srv.Close()
		if !errors.Is(err, bounded.ErrTooLarge) {
			t.Fatalf("announce=%v: err = %v, want ErrTooLarge", announce, err)
		}
		if calls.Load() != 1 {
			t.Fatalf("announce=%v: an oversized body was retried (%d requests)", announce, calls.Load())
		}
	}
}

// TestFetchSlowServer: the deadline of the job's context ends a fetch from
// a server that never answers.
func TestFetchSlowServer(t *testing.T) {
	spec, _ := tipSpec(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := testFetcher(t).FetchResult(ctx, spec, srv.URL)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("the fetch outlived its deadline by %s", time.Since(start))
	}
}

// TestFetchRedirects: a redirect on the same host is followed, one to
// another host is refused unless allowed.
func TestFetchRedirects(t *testing.T) {
	spec, body := tipSpec(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/file", http.StatusFound)
		case "/away":
			http.Redirect(w, r, other.URL+"/file", http.StatusFound)
		default:
			w.Write(body)
		}
	}))
	defer srv.Close()
	f := testFetcher(t)
	if _, err := f.FetchResult(context.Background(), spec, srv.URL+"/same"); err != nil {
		t.Fatalf("same-host redirect: %v", err)
	}
	if _, err := f.FetchResult(context.Background(), spec, srv.URL+"/away"); err == nil || !strings.Contains(err.Error(), "redirect to") {
		t.Fatalf("cross-host redirect: %v, want refused", err)
	}
	f.AllowRedirectHosts = []string{strings.TrimPrefix(other.URL, "http://")}
	if _, err := f.FetchResult(context.Background(), spec, srv.URL+"/away"); err != nil {
		t.Fatalf("allowed cross-host redirect: %v", err)
	}
}

func TestFetchEmbeddedAndFile(t *testing.T) {
	spec, body := tipSpec(t)
	f := testFetcher(t)
	emb, err := f.FetchResult(context.Background(), spec, LocationEmbedded)
	if err != nil || string(bodyOf(t, emb)) != string(body) || emb.Provenance.Location != "embedded:tip_global_law_enforcement.csv" || !emb.Provenance.RetrievedAt.Equal(snapshotDate) {
		t.Fatalf("embedded: %v %+v", err, emb.Provenance)
	}
	file, err := f.FetchResult(context.Background(), spec, "snapshots/tip_global_law_enforcement.csv")
	if err != nil || file.Provenance.SHA256 != emb.Provenance.SHA256 {
		t.Fatalf("file: %v", err)
	}
	if _, err := f.FetchResult(context.Background(), spec, "no/such/file.csv"); err == nil {
		t.Fatal("missing file: no error")
	}
}

// TestFetchConnectionReset: a server that drops the connection without an
// answer is retried, then the fetch fails with the network error.
func TestFetchConnectionReset(t *testing.T) {
	spec, body := tipSpec(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.(*net.TCPConn).SetLinger(0) // RST instead of FIN
				conn.Close()
			}
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	res, err := testFetcher(t).FetchResult(context.Background(), spec, srv.URL)
	if err != nil || string(bodyOf(t, res)) != string(body) || calls.Load() != 3 {
		t.Fatalf("after two resets: err %v, %d requests", err, calls.Load())
	}
	calls.Store(-100) // reset every time from now on
	if _, err := testFetcher(t).FetchResult(context.Background(), spec, srv.URL); err == nil || !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Fatalf("persistent resets: %v", err)
	}
}

// bodyOf reads what a fetch result holds, and releases it.
func bodyOf(t *testing.T, r Result) []byte {
	t.Helper()
	if r.File == nil {
		return nil
	}
	defer r.Close()
	b, err := io.ReadAll(io.NewSectionReader(r.File, 0, r.File.Size()))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

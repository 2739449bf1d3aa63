package testutil

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// Publisher is a publisher's HTTP server for one real file: it serves the
// whole file at any path until CutInHalf, then the file cut in half at a
// line boundary, as if complete (net/http sets a matching Content-Length).
type Publisher struct {
	URL        string
	full, half []byte
	body       atomic.Pointer[[]byte]
}

// NewPublisher serves the file at path until the test ends.
func NewPublisher(t testing.TB, path string) *Publisher {
	t.Helper()
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(full), "\n")
	p := &Publisher{full: full, half: []byte(strings.Join(lines[:len(lines)/2], ""))}
	p.body.Store(&p.full)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(*p.body.Load()) }))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// CutInHalf makes the server serve the first half of the file's lines.
func (p *Publisher) CutInHalf() { p.body.Store(&p.half) }

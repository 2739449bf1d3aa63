package sources

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/internal/fsutil"
)

//go:embed snapshots/*.csv snapshots/*.xlsx snapshots/*.zip
var snapshotFS embed.FS

// LocationEmbedded selects the snapshot shipped in the binary.
const LocationEmbedded = "embedded"

// Fetcher obtains a source's raw bytes from its configured location: the
// embedded snapshot, an http(s) URL, or a local file. Every way through it
// records the same provenance (retrieval time, sha256, size).
type Fetcher struct {
	Client   *http.Client
	MaxBytes int64         // refuse bodies and files larger than this
	Retries  int           // extra attempts after a 5xx or a network error
	Backoff  time.Duration // first wait; doubles each retry, with jitter
	Now      func() time.Time
	// CacheDir, when set, keeps the last good body of each source fetched
	// over HTTP with its ETag and Last-Modified, for conditional requests.
	CacheDir string
	// AllowRedirectHosts lists hosts a fetch may be redirected to besides
	// the configured URL's own host.
	AllowRedirectHosts []string
}

// Result is what a fetch obtained.
type Result struct {
	// File holds the bytes where they lie: the embedded snapshot, a local
	// file, or an HTTP body written to the fetch cache (or a temporary
	// file) as it arrived, hashed on the way. Close releases it.
	File       InputFile
	Provenance Provenance
	// NotModified is set when the publisher answered 304: File is the
	// cached body, unchanged since Provenance.SHA256 was computed.
	NotModified bool
	close       func() error
	sha256      string // of File, when hashed as it was written
}

// Close releases the result's file (a temporary body is removed).
func (r Result) Close() error {
	if r.close == nil {
		return nil
	}
	return r.close()
}

// NewFetcher returns a fetcher with production timeouts and limits.
func NewFetcher() *Fetcher {
	return &Fetcher{
		Client:   &http.Client{Timeout: 5 * time.Minute, Transport: http.DefaultTransport},
		MaxBytes: bounded.DefaultMaxBytes,
		Retries:  3,
		Backoff:  2 * time.Second,
		Now:      time.Now,
	}
}

// Fetch reads the bytes of spec at location into memory and returns them
// with provenance (FetchResult leaves them where they lie).
func (f *Fetcher) Fetch(ctx context.Context, spec *Spec, location string) ([]byte, Provenance, error) {
	r, err := f.FetchResult(ctx, spec, location)
	if err != nil {
		return nil, r.Provenance, err
	}
	defer r.Close()
	data, err := bounded.ReadSized(io.NewSectionReader(r.File, 0, r.File.Size()), r.File.Size(), r.File.Size())
	return data, r.Provenance, err
}

// FetchResult is Fetch that also says whether the publisher answered
// "not modified" to a conditional request.
func (f *Fetcher) FetchResult(ctx context.Context, spec *Spec, location string) (Result, error) {
	// What is recorded and shown never carries the location's credentials.
	prov := Provenance{Origin: spec.Origin, Location: RedactLocation(location)}
	var (
		res Result
		err error
	)
	switch {
	case location == LocationEmbedded || location == "":
		if spec.Embedded == nil {
			return Result{Provenance: prov}, fmt.Errorf("source %s ships no embedded snapshot: configure a URL or path", spec.Name)
		}
		var data []byte
		data, err = snapshotFS.ReadFile("snapshots/" + spec.Embedded.File)
		res.File = bytes.NewReader(data)
		prov.Location = "embedded:" + spec.Embedded.File
		prov.RetrievedAt = spec.Embedded.RetrievedAt
	case strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://"):
		res, err = f.fetchHTTP(ctx, spec.Name, location)
		prov.RetrievedAt = f.now().UTC()
	default:
		res.File, res.close, err = bounded.OpenFile(location, f.MaxBytes)
		prov.RetrievedAt = f.now().UTC()
	}
	if err == nil && res.sha256 == "" {
		res.sha256, err = fileSHA256(res.File)
	}
	if err != nil {
		res.Close()
		return Result{Provenance: prov}, &redactedError{err: err, msg: RedactText(fmt.Sprintf("fetch %s from %s: %v", spec.Name, prov.Location, err), location)}
	}
	prov.SHA256 = res.sha256
	prov.Bytes = res.File.Size()
	res.Provenance = prov
	return res, nil
}

// fileSHA256 hashes what f holds.
func fileSHA256(f InputFile) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, f.Size())); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// IsLocalPath reports whether a location is a file on this machine, not
// a URL or the embedded snapshot.
func IsLocalPath(location string) bool {
	return location != "" && location != LocationEmbedded &&
		!strings.HasPrefix(location, "http://") && !strings.HasPrefix(location, "https://")
}

// redactedError shows an error's text with credentials removed, and still
// unwraps to it.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// statusError is a non-2xx answer; 5xx ones are worth another try.
type statusError struct{ code int }

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.code, http.StatusText(e.code))
}

func (f *Fetcher) fetchHTTP(ctx context.Context, source, url string) (Result, error) {
	cached := f.readCache(source, url)
	wait := f.Backoff
	var lastErr error
	for attempt := 0; attempt <= f.Retries; attempt++ {
		if attempt > 0 {
			// Jitter keeps many palermo instances from retrying in step.
			d := wait/2 + rand.N(wait/2+1)
			select {
			case <-ctx.Done():
				return Result{}, fmt.Errorf("%w (last error: %v)", ctx.Err(), lastErr)
			case <-time.After(d):
			}
			wait *= 2
		}
		res, err := f.get(ctx, source, url, cached)
		if errors.Is(err, errCacheDamaged) {
			cached = nil // ask for the whole body again, at once
			attempt--
			continue
		}
		if err == nil {
			return res, nil
		}
		lastErr = err
		if !retryable(err) || ctx.Err() != nil {
			return Result{}, err
		}
	}
	return Result{}, fmt.Errorf("giving up after %d attempts: %w", f.Retries+1, lastErr)
}

func retryable(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.code >= 500
	}
	var re *redirectError
	if errors.As(err, &re) {
		return false // a refused redirect or a loop answers the same next time
	}
	return !errors.Is(err, bounded.ErrTooLarge) && !errors.Is(err, context.Canceled)
}

// redirectError is a redirect palermo refuses to follow.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// get asks once; the body goes to disk as it arrives (see body).
func (f *Fetcher) get(ctx context.Context, source, url string, cached *cacheEntry) (Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("User-Agent", "palermo (+https://github.com/palermo-project/palermo)")
	// Asked for here, gzip is not inflated by the transport behind palermo's
	// back: palermo inflates it under its own limits.
	req.Header.Set("Accept-Encoding", "gzip")
	if cached != nil {
		if cached.ETag != "" {
			req.Header.Set("If-None-Match", cached.ETag)
		}
		if cached.LastModified != "" {
			req.Header.Set("If-Modified-Since", cached.LastModified)
		}
	}
	resp, err := f.client(req.URL).Do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && cached != nil {
		file, closeFile, err := bounded.OpenFile(cached.bodyPath, 0)
		if err != nil {
			return Result{}, fmt.Errorf("304 Not Modified, but the cached body is unreadable: %w", err)
		}
		if sum, err := fileSHA256(file); err != nil || sum != cached.SHA256 {
			closeFile()
			return Result{}, errCacheDamaged
		}
		return Result{File: file, close: closeFile, NotModified: true, sha256: cached.SHA256}, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return Result{}, &statusError{code: resp.StatusCode}
	}
	if resp.ContentLength > 0 && f.MaxBytes > 0 && resp.ContentLength > f.MaxBytes {
		return Result{}, fmt.Errorf("%w: server announces %d bytes", bounded.ErrTooLarge, resp.ContentLength)
	}
	var body io.Reader = resp.Body
	size := resp.ContentLength
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		raw := &countReader{r: resp.Body}
		zr, err := gzip.NewReader(raw)
		if err != nil {
			return Result{}, fmt.Errorf("gzip body: %w", err)
		}
		defer zr.Close()
		body, size = &ratioReader{r: zr, compressed: raw}, -1
	default:
		return Result{}, fmt.Errorf("the server answered with Content-Encoding %q, which palermo does not read", enc)
	}
	return f.body(source, url, body, size, resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"))
}

// body writes an answer's body to disk as it arrives, within MaxBytes,
// hashing it on the way, and returns it opened where it lies. A body with
// validators (ETag, Last-Modified) becomes the source's cached body, for
// the next conditional request; any other lives in a temporary file that
// Close removes. A body cut short fails, and the cache keeps what it had.
func (f *Fetcher) body(source, url string, r io.Reader, size int64, etag, lastModified string) (Result, error) {
	dir := os.TempDir()
	cacheable := f.CacheDir != "" && (etag != "" || lastModified != "")
	metaPath, bodyPath := f.cachePaths(source)
	if cacheable {
		if err := os.MkdirAll(filepath.Dir(bodyPath), 0o755); err == nil {
			dir = filepath.Dir(bodyPath)
		} else {
			cacheable = false
		}
	}
	tmp, err := os.CreateTemp(dir, ".body-")
	if err != nil {
		return Result{}, err
	}
	remove := func() error { tmp.Close(); return os.Remove(tmp.Name()) }
	h := sha256.New()
	max := f.MaxBytes
	if max <= 0 {
		max = bounded.DefaultMaxBytes
	}
	n, err := io.Copy(io.MultiWriter(tmp, h), bounded.NewStrictReader(r, max, "the body"))
	if err == nil && size >= 0 && n != size {
		err = io.ErrUnexpectedEOF
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err != nil {
		remove()
		return Result{}, err // a body cut short arrives here as unexpected EOF
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if cacheable {
		// The body is in place before the metadata names it, so a crash
		// never leaves metadata pointing at a torn body.
		os.Remove(metaPath)
		if err := os.Rename(tmp.Name(), bodyPath); err == nil {
			b, _ := json.Marshal(cacheEntry{URL: RedactLocation(url), URLHash: urlHash(url), ETag: etag, LastModified: lastModified, SHA256: sum})
			_ = fsutil.WriteFileAtomic(metaPath, b)
			return Result{File: io.NewSectionReader(tmp, 0, n), close: tmp.Close, sha256: sum}, nil
		}
	}
	return Result{File: io.NewSectionReader(tmp, 0, n), close: remove, sha256: sum}, nil
}

// errCacheDamaged is a cached body that no longer has the checksum it was
// stored with; the fetch asks again, unconditionally.
var errCacheDamaged = errors.New("the cached body does not match its checksum")

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ratioReader fails once what it inflated exceeds MaxInflateRatio times
// the compressed bytes read so far (a gzip bomb), whatever the total limit.
type ratioReader struct {
	r          io.Reader
	compressed *countReader
	n          int64
}

func (z *ratioReader) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	z.n += int64(n)
	if z.n > z.compressed.n*bounded.MaxInflateRatio+bounded.InflateAllowance {
		return n, fmt.Errorf("gzip body: %w: it inflates more than %d times (%d bytes from %d)", bounded.ErrTooLarge, bounded.MaxInflateRatio, z.n, z.compressed.n)
	}
	return n, err
}

// client returns the HTTP client, refusing redirects to hosts other than
// the configured URL's and the allowed ones.
func (f *Fetcher) client(origin *neturl.URL) *http.Client {
	base := f.Client
	if base == nil {
		base = &http.Client{Timeout: 5 * time.Minute}
	}
	c := *base
	host := origin.Host
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return &redirectError{"stopped after 10 redirects"}
		}
		if req.URL.Scheme != "https" && via[len(via)-1].URL.Scheme == "https" {
			return &redirectError{fmt.Sprintf("redirect from https to %s refused: the source must stay encrypted", req.URL.Scheme)}
		}
		if req.URL.Host == host {
			return nil
		}
		for _, h := range f.AllowRedirectHosts {
			if req.URL.Host == h {
				return nil
			}
		}
		return &redirectError{fmt.Sprintf("redirect to %s refused: only %s (and allow_redirect_hosts) may serve this source", req.URL.Host, host)}
	}
	return &c
}

// cacheEntry is the metadata of a cached body.
type cacheEntry struct {
	// URL is the location with its credentials redacted; URLHash, the
	// sha256 of the whole location, tells whether the entry is for it.
	URL          string `json:"url"`
	URLHash      string `json:"url_sha256"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	SHA256       string `json:"sha256"` // of the body, checked before a 304 reuses it
	bodyPath     string
}

func urlHash(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:])
}

func (f *Fetcher) cachePaths(source string) (meta, body string) {
	dir := filepath.Join(f.CacheDir, source)
	return filepath.Join(dir, "meta.json"), filepath.Join(dir, "body")
}

func (f *Fetcher) readCache(source, url string) *cacheEntry {
	if f.CacheDir == "" {
		return nil
	}
	metaPath, bodyPath := f.cachePaths(source)
	b, err := os.ReadFile(metaPath)
	if err != nil {
		return nil
	}
	var e cacheEntry
	if json.Unmarshal(b, &e) != nil || e.URLHash != urlHash(url) || e.SHA256 == "" {
		return nil
	}
	if _, err := os.Stat(bodyPath); err != nil {
		return nil
	}
	e.bodyPath = bodyPath
	return &e
}

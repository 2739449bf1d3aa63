package sources

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

//go:embed snapshots/*.csv snapshots/*.xlsx
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
}

// DefaultMaxBytes bounds what one fetch may read (the largest shipped
// snapshot is 2.3 MB; NIBRS state bundles reach a few hundred MB).
const DefaultMaxBytes = 512 << 20

// NewFetcher returns a fetcher with production timeouts and limits.
func NewFetcher() *Fetcher {
	return &Fetcher{
		Client:   &http.Client{Timeout: 5 * time.Minute},
		MaxBytes: DefaultMaxBytes,
		Retries:  3,
		Backoff:  2 * time.Second,
		Now:      time.Now,
	}
}

// Fetch reads the bytes of spec at location and returns them with provenance.
func (f *Fetcher) Fetch(ctx context.Context, spec *Spec, location string) ([]byte, Provenance, error) {
	prov := Provenance{Origin: spec.Origin, Location: location}
	var (
		data []byte
		err  error
	)
	switch {
	case location == LocationEmbedded || location == "":
		if spec.Embedded == nil {
			return nil, prov, fmt.Errorf("source %s ships no embedded snapshot: configure a URL or path", spec.Name)
		}
		data, err = snapshotFS.ReadFile("snapshots/" + spec.Embedded.File)
		prov.Location = "embedded:" + spec.Embedded.File
		prov.RetrievedAt = spec.Embedded.RetrievedAt
	case strings.HasPrefix(location, "http://") || strings.HasPrefix(location, "https://"):
		data, err = f.fetchHTTP(ctx, location)
		prov.RetrievedAt = f.now().UTC()
	default:
		data, err = f.readFile(location)
		prov.RetrievedAt = f.now().UTC()
	}
	if err != nil {
		return nil, prov, fmt.Errorf("fetch %s from %s: %w", spec.Name, prov.Location, err)
	}
	sum := sha256.Sum256(data)
	prov.SHA256 = hex.EncodeToString(sum[:])
	prov.Bytes = int64(len(data))
	return data, prov, nil
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fetcher) readFile(path string) ([]byte, error) {
	fh, err := os.Open(filepath.Clean(path))
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return readLimited(fh, f.MaxBytes)
}

// ErrTooLarge is returned when a body or file exceeds the fetcher's limit.
var ErrTooLarge = errors.New("larger than the configured maximum size")

func readLimited(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, max)
	}
	return data, nil
}

// statusError is a non-2xx answer; 5xx ones are worth another try.
type statusError struct{ code int }

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.code, http.StatusText(e.code))
}

func (f *Fetcher) fetchHTTP(ctx context.Context, url string) ([]byte, error) {
	wait := f.Backoff
	var lastErr error
	for attempt := 0; attempt <= f.Retries; attempt++ {
		if attempt > 0 {
			// Full jitter keeps many palermo instances from retrying in step.
			d := wait/2 + rand.N(wait/2+1)
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("%w (last error: %v)", ctx.Err(), lastErr)
			case <-time.After(d):
			}
			wait *= 2
		}
		data, err := f.get(ctx, url)
		if err == nil {
			return data, nil
		}
		lastErr = err
		if !retryable(err) || ctx.Err() != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("giving up after %d attempts: %w", f.Retries+1, lastErr)
}

func retryable(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.code >= 500
	}
	return !errors.Is(err, ErrTooLarge) && !errors.Is(err, context.Canceled)
}

func (f *Fetcher) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "palermo (+https://github.com/palermo-project/palermo)")
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &statusError{code: resp.StatusCode}
	}
	if resp.ContentLength > 0 && f.MaxBytes > 0 && resp.ContentLength > f.MaxBytes {
		return nil, fmt.Errorf("%w: server announces %d bytes", ErrTooLarge, resp.ContentLength)
	}
	data, err := readLimited(resp.Body, f.MaxBytes)
	if err != nil {
		return nil, err // a body cut short arrives here as unexpected EOF
	}
	return data, nil
}

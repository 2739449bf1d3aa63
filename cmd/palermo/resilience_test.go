package main

import (
	"context"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

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
			srv := server.New(a.runner, nil, a.pub, a.log)
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			code, body := get(t, ts.URL+"/readyz", "")
			if code != 503 || !strings.Contains(body, "a readable snapshot of unodc_glotip") {
				t.Fatalf("/readyz = %d %q", code, body)
			}
			if _, body := get(t, ts.URL+"/", ""); !strings.Contains(body, "Left out: snapshot of unodc_glotip") {
				t.Fatal("landing page does not say which snapshot was left out")
			}
			if code, body := get(t, ts.URL+"/exports/indicators.csv", ""); code != 200 || !strings.Contains(body, "tip_global") {
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
	srv := server.New(a.runner, nil, a.pub, a.log)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	if code, body := get(t, ts.URL+"/readyz", ""); code != 200 {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	if _, body := get(t, ts.URL+"/", ""); !strings.Contains(body, "exports were not written") {
		t.Fatal("landing page does not show the export failure")
	}
	if code, body := get(t, ts.URL+"/metrics", ""); code != 200 || !strings.Contains(body, "palermo_labour_prosecution_gap_pp{") {
		t.Fatalf("/metrics lacks the indicators (%d)", code)
	}
}

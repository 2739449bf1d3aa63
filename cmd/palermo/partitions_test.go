package main

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/palermo-project/palermo/internal/testutil"
)

// stateBundles makes one NIBRS bundle per state from real files: the 2019
// arrestee table of the state (the FBI's NIBRS_ARRESTEE_XX.csv) with the
// code tables of the Minnesota 2018 bundle, as a CDE bundle carries them.
func stateBundles(t *testing.T, states ...string) map[string][]byte {
	t.Helper()
	read := func(path string) *zip.Reader {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		return zr
	}
	mn := read("../../sources/testdata/fbi_nibrs/nibrs_MN_2018.zip")
	arrestees := read("../../sources/snapshots/nibrs_cde.zip")
	entry := func(zr *zip.Reader, name string) []byte {
		for _, f := range zr.File {
			if f.Name == name {
				rc, _ := f.Open()
				defer rc.Close()
				b, _ := io.ReadAll(rc)
				return b
			}
		}
		t.Fatalf("no %s", name)
		return nil
	}
	out := map[string][]byte{}
	for _, st := range states {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, data := range map[string][]byte{
			"NIBRS_OFFENSE_TYPE.csv":        entry(mn, "MN/NIBRS_OFFENSE_TYPE.csv"),
			"NIBRS_AGE.csv":                 entry(mn, "MN/NIBRS_AGE.csv"),
			"REF_RACE.csv":                  entry(mn, "MN/REF_RACE.csv"),
			"NIBRS_ARRESTEE_" + st + ".csv": entry(arrestees, "NIBRS_ARRESTEE_"+st+".csv"),
		} {
			w, _ := zw.Create(name)
			w.Write(data)
		}
		zw.Close()
		out[st] = buf.Bytes()
	}
	return out
}

// TestPartitionedSource: a source whose location is a URL template over
// states and years is fetched file by file from a server holding real
// bundles. When one file answers 500 and another is damaged, the others
// are stored and published, the two fail alone (the damaged one at its
// FILE:ENTRY:LINE:COL), their previous snapshots stay in use and
// published, and job health says so per partition.
func TestPartitionedSource(t *testing.T) {
	bundles := stateBundles(t, "CT", "DE", "GA", "MA")
	var mu sync.Mutex
	fail, damaged := "", ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		st := strings.TrimSuffix(filepath.Base(r.URL.Path), ".zip")
		body, ok := bundles[st]
		switch {
		case !ok || !strings.HasPrefix(r.URL.Path, "/2019/"):
			http.NotFound(w, r)
			return
		case st == fail:
			http.Error(w, "upstream broke", http.StatusInternalServerError)
			return
		case st == damaged:
			body = testutil.RewriteZip(t, body, "NIBRS_ARRESTEE_"+st+".csv", func(s string) string { return strings.Replace(s, "\n2019,", "\n2O19,", 1) })
		}
		w.Write(body)
	}))
	defer srv.Close()

	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "palermo.yaml")
	os.WriteFile(cfg, []byte(`sources:
  fbi_nibrs:
    location: `+srv.URL+`/{year}/{state}.zip
    partitions:
      state: [CT, DE, GA, MA]
      year: ["2019"]
    timeout: 2m
`), 0o644)
	args := []string{"run", "--config", cfg, "--data-dir", data, "--log-level", "error"}
	if code, _, stderr := palermo(t, args...); code != 0 {
		t.Fatalf("first run exited %d: %s", code, stderr)
	}
	before, _ := os.ReadFile(filepath.Join(data, "exports", "indicators.csv"))
	for _, st := range []string{"US-CT", "US-DE", "US-GA", "US-MA"} {
		if !strings.Contains(string(before), "prostitution_selling_arrests,"+st+",2019,") {
			t.Fatalf("the first run published nothing for %s", st)
		}
	}

	mu.Lock()
	fail, damaged = "CT", "DE"
	mu.Unlock()
	code, _, stderr := palermo(t, args...)
	if code != 1 {
		t.Fatalf("second run exited %d, want 1: %s", code, stderr)
	}
	for _, want := range []string{"2 of 4 partitions failed (state=CT,year=2019, state=DE,year=2019)", "HTTP 500",
		srv.URL + `/2019/DE.zip:NIBRS_ARRESTEE_DE.csv:2:1: DATA_YEAR: "2O19"`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// The two keep their previous snapshots, published beside the others'
	// new ones: the figures are those of the first run.
	after, _ := os.ReadFile(filepath.Join(data, "exports", "indicators.csv"))
	if !bytes.Equal(stripRetrieved(before), stripRetrieved(after)) {
		t.Error("the published figures changed although every partition kept or restored the same data")
	}
	_, stdout, _ := palermo(t, "sources", "--config", cfg, "--data-dir", data)
	for _, want := range []string{"state=CT,year=2019", "last run failed; previous snapshot in use", "state=MA,year=2019"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("palermo sources lacks %q:\n%s", want, stdout)
		}
	}
	a, err := newApp(cfg, data, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.pub.Recompute(t.Context()); err != nil {
		t.Fatal(err)
	}
	base := serveApp(t, a)
	_, metrics := get(t, base+"/metrics", "")
	for _, want := range []string{
		`palermo_partition_last_run_success{job_name="fbi_nibrs",partition="state=CT,year=2019"} 0`,
		`palermo_partition_last_run_success{job_name="fbi_nibrs",partition="state=DE,year=2019"} 0`,
		`palermo_partition_last_run_success{job_name="fbi_nibrs",partition="state=GA,year=2019"} 1`,
		`palermo_job_last_run_success{job_name="fbi_nibrs"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if _, page := get(t, base+"/", ""); !strings.Contains(page, "state=DE,year=2019") || !strings.Contains(page, "previous snapshot in use") {
		t.Error("the landing page does not list the partitions and their state")
	}
}

// stripRetrieved blanks the retrieval times of indicators.csv, which a
// second fetch of the same bytes moves on.
func stripRetrieved(csv []byte) []byte {
	var out []string
	for _, line := range strings.Split(string(csv), "\n") {
		f := strings.Split(line, ",")
		if len(f) > 11 {
			f[11] = ""
		}
		out = append(out, strings.Join(f, ","))
	}
	return []byte(strings.Join(out, "\n"))
}

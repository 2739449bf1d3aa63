package sources

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/palermo-project/palermo/internal/bounded"
)

// rewriteZipPart copies an archive, writing one entry with write instead.
func rewriteZipPart(t *testing.T, data []byte, name string, write func(io.Writer)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			write(w)
			continue
		}
		rc, _ := f.Open()
		io.Copy(w, rc)
		rc.Close()
	}
	zw.Close()
	return out.Bytes()
}

// allocated runs fn and returns the bytes it allocated in all, an upper
// bound on what it held at once: enough to fail a parse that asks for
// gigabytes.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestHostileInputsBounded: inputs built to exhaust memory are refused
// with an error that says which limit they broke, having allocated a small
// fraction of what they declare. Each of them made palermo allocate
// gigabytes before (a whitespace sheet 8 GB, a shared-string bomb 1 GB, a
// NIBRS ZIP bomb 1.3 GB, a gzip body 1.4 GB).
func TestHostileInputsBounded(t *testing.T) {
	xlsx := readFile(t, "snapshots/data_glotip.xlsx")
	nibrs := readFile(t, "testdata/fbi_nibrs/nibrs_MN_2018.zip")
	spaces := bytes.Repeat([]byte(" "), 1<<20)
	cases := []struct {
		name, source string
		data         []byte
		want         string
	}{
		{"whitespace sheet", "unodc_glotip", rewriteZipPart(t, xlsx, "xl/worksheets/sheet1.xml", func(w io.Writer) {
			io.WriteString(w, `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`)
			for range 300 {
				w.Write(spaces)
			}
			io.WriteString(w, `</t></is></c></row></sheetData></worksheet>`)
		}), "a text longer than 1048576 bytes"},
		{"whitespace tag", "unodc_glotip", rewriteZipPart(t, xlsx, "xl/worksheets/sheet1.xml", func(w io.Writer) {
			io.WriteString(w, `<worksheet `)
			for range 300 {
				w.Write(spaces)
			}
			io.WriteString(w, `>`)
		}), "a tag longer than 1048576 bytes"},
		{"shared-string bomb", "unodc_glotip", rewriteZipPart(t, xlsx, "xl/sharedStrings.xml", func(w io.Writer) {
			io.WriteString(w, `<sst>`)
			one := bytes.Repeat([]byte(`<si><t>a</t></si>`), 1<<16)
			for range 20 {
				w.Write(one)
			}
			io.WriteString(w, `</sst>`)
		}), "xl/sharedStrings.xml inflates past its limit"},
		{"shared strings, many and short", "unodc_glotip", rewriteZipPart(t, xlsx, "xl/sharedStrings.xml", func(w io.Writer) {
			// Distinct strings compress less: past the count, not the ratio.
			io.WriteString(w, `<sst>`)
			for i := range 1<<20 + 1 {
				fmt.Fprintf(w, `<si><t>%x</t></si>`, i*2654435761)
			}
			io.WriteString(w, `</sst>`)
		}), "more than 1048576 shared strings"},
		{"NIBRS ZIP bomb", "fbi_nibrs", rewriteZipPart(t, nibrs, "MN/NIBRS_VICTIM.csv", func(w io.Writer) {
			// Streamed, the table is never held whole: rows that compress
			// a thousandfold meet the inflation limit.
			io.WriteString(w, "VICTIM_ID,AGE_ID,AGE_NUM\n")
			rows := bytes.Repeat([]byte("1,1,0\n"), 1<<18)
			for range 400 {
				w.Write(rows)
			}
		}), "MN/NIBRS_VICTIM.csv inflates past its limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, _ := Lookup(c.source)
			var err error
			n := allocated(func() {
				_, err = spec.Parse(context.Background(), Input{Name: "hostile", File: bytes.NewReader(c.data), Mem: memory.NewGoAllocator()})
			})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if n > 200<<20 {
				t.Errorf("allocated %d MiB to refuse a %d KiB file", n>>20, len(c.data)>>10)
			}
		})
	}
}

// TestGzipBomb: a gzip body that inflates a thousandfold is refused once it
// passes a hundredfold, not read up to the size limit.
func TestGzipBomb(t *testing.T) {
	var body bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&body, gzip.BestCompression)
	nl := bytes.Repeat([]byte("\n"), 1<<20)
	for range 300 {
		zw.Write(nl)
	}
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(body.Bytes())
	}))
	defer srv.Close()
	spec, _ := tipSpec(t)
	var err error
	n := allocated(func() { _, _, err = testFetcher(t).Fetch(context.Background(), spec, srv.URL+"/tip.csv") })
	if !errors.Is(err, bounded.ErrTooLarge) || !strings.Contains(err.Error(), "inflates more than 100 times") {
		t.Fatalf("err = %v", err)
	}
	if n > 64<<20 {
		t.Errorf("allocated %d MiB for a %d KiB body", n>>20, body.Len()>>10)
	}
}

// TestGzipBody: a body served gzipped (as many servers do) is inflated and
// parsed, and its provenance is that of the inflated bytes.
func TestGzipBody(t *testing.T) {
	spec, plain := tipSpec(t)
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	zw.Write(plain)
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %q", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(body.Bytes())
	}))
	defer srv.Close()
	data, prov, err := testFetcher(t).Fetch(context.Background(), spec, srv.URL+"/tip.csv")
	if err != nil || !bytes.Equal(data, plain) || prov.Bytes != int64(len(plain)) {
		t.Fatalf("gzip body: %v, %d bytes", err, len(data))
	}
}

// TestOperationsLongField: one 4 MiB field in the first row of a large
// operations file is parsed in memory bounded by the file, not by that
// field times the rows of its chunk (which asked for about a terabyte).
func TestOperationsLongField(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString(strings.Join(OperationsTemplateColumns, ",") + "\n")
	row := ",Minneapolis PD,US-MN,2024-01-01,2024-01-03,sting,10,2,5,3,1,0,1,0,0,https://www.fbi.gov/news\n"
	buf.WriteString(strings.Repeat("x", 4<<20) + row)
	for i := range 40000 {
		fmt.Fprintf(&buf, "op-%d%s", i, row)
	}
	spec, _ := Lookup("operations")
	var rows int64
	var err error
	n := allocated(func() {
		_, err = spec.Stream(context.Background(), StreamInput{Name: "long.csv", R: bytes.NewReader(buf.Bytes()), TempDir: t.TempDir()},
			func(rec arrow.RecordBatch) error { rows += rec.NumRows(); return nil })
	})
	if err != nil || rows != 40001 {
		t.Fatalf("rows %d, err %v", rows, err)
	}
	if n > 512<<20 {
		t.Errorf("allocated %d MiB for a %d MiB file", n>>20, buf.Len()>>20)
	}
}

// TestFetchRedirectHardening: a redirect from https to http is refused
// even on the same host; a refused redirect is not retried.
func TestFetchRedirectHardening(t *testing.T) {
	spec, body := tipSpec(t)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer plain.Close()
	var hits atomic.Int32
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, plain.URL+"/tip.csv", http.StatusFound)
	}))
	defer tls.Close()
	f := testFetcher(t)
	f.Client = tls.Client()
	f.AllowRedirectHosts = []string{strings.TrimPrefix(plain.URL, "http://")}
	_, _, err := f.Fetch(context.Background(), spec, tls.URL+"/tip.csv")
	if err == nil || !strings.Contains(err.Error(), "redirect from https to http refused") {
		t.Fatalf("err = %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("a refused redirect was retried: %d requests", hits.Load())
	}
	// A loop is not retried either.
	hits.Store(0)
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	defer loop.Close()
	f = testFetcher(t)
	if _, _, err := f.Fetch(context.Background(), spec, loop.URL+"/tip.csv"); err == nil || hits.Load() != 10 {
		t.Fatalf("loop: err %v after %d requests, want one attempt of 10 redirects", err, hits.Load())
	}
}

// TestFetchNotModifiedDamagedCache: a 304 whose cached body no longer has
// its checksum is not trusted: the body is fetched again, whole.
func TestFetchNotModifiedDamagedCache(t *testing.T) {
	spec, body := tipSpec(t)
	var full atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"v1"`)
		w.Write(body)
	}))
	defer srv.Close()
	f := testFetcher(t)
	if _, _, err := f.Fetch(context.Background(), spec, srv.URL+"/tip.csv"); err != nil {
		t.Fatal(err)
	}
	cached := filepath.Join(f.CacheDir, "tip_global", "body")
	os.WriteFile(cached, append([]byte("damaged"), body...), 0o644)
	res, err := f.FetchResult(context.Background(), spec, srv.URL+"/tip.csv")
	if err != nil || res.NotModified || !bytes.Equal(bodyOf(t, res), body) || full.Load() != 2 {
		t.Fatalf("err %v, not modified %v, full fetches %d", err, res.NotModified, full.Load())
	}
}

// TestCredentialsRedacted: a password and a token in a source URL never
// reach the provenance, the cache's metadata or an error message.
func TestCredentialsRedacted(t *testing.T) {
	spec, body := tipSpec(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "missing" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(body)
	}))
	defer srv.Close()
	secretURL := strings.Replace(srv.URL, "http://", "http://reader:hunter2@", 1) + "/tip.csv?api_key=s3cr3t&page=1"
	f := testFetcher(t)
	_, prov, err := f.Fetch(context.Background(), spec, secretURL)
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := os.ReadFile(filepath.Join(f.CacheDir, "tip_global", "meta.json"))
	provJSON, _ := json.Marshal(prov)
	_, _, ferr := f.Fetch(context.Background(), spec, strings.Replace(secretURL, "page=1", "page=missing", 1))
	if ferr == nil {
		t.Fatal("fetch of a missing page succeeded")
	}
	for what, text := range map[string]string{"provenance": string(provJSON), "cache metadata": string(meta), "error": ferr.Error()} {
		if strings.Contains(text, "hunter2") || strings.Contains(text, "s3cr3t") {
			t.Errorf("%s shows a credential: %s", what, text)
		}
		if !strings.Contains(text, "REDACTED") {
			t.Errorf("%s does not say a credential was redacted: %s", what, text)
		}
	}
	if !strings.Contains(prov.Location, "page=1") {
		t.Errorf("harmless parameters dropped: %s", prov.Location)
	}
}

func TestRedactLocation(t *testing.T) {
	for in, want := range map[string]string{
		"embedded":                                    "embedded",
		"/data/tip.csv":                               "/data/tip.csv",
		"https://example.org/a.csv":                   "https://example.org/a.csv",
		"https://u:p@example.org/a.csv":               "https://u:REDACTED@example.org/a.csv",
		"https://tok@example.org/a.csv":               "https://REDACTED@example.org/a.csv",
		"https://example.org/a.csv?token=t&year=2019": "https://example.org/a.csv?token=REDACTED&year=2019",
		"https://example.org/a?X-Amz-Signature=abc":   "https://example.org/a?X-Amz-Signature=REDACTED",
		"https://example.org/a?access_token=abc#frag": "https://example.org/a?access_token=REDACTED",
	} {
		if got := RedactLocation(in); got != want {
			t.Errorf("RedactLocation(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWorksheetCutShort: a worksheet cut in half inflates and tokenises
// cleanly up to the cut; it is refused for lacking its end, not read as a
// smaller table.
func TestWorksheetCutShort(t *testing.T) {
	xlsx := readFile(t, "snapshots/data_glotip.xlsx")
	zr, _ := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
	var sheet []byte
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			rc, _ := f.Open()
			sheet, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	cut := sheet[:bytes.LastIndex(sheet[:len(sheet)/2], []byte("</row>"))+len("</row>")]
	data := rewriteZipPart(t, xlsx, "xl/worksheets/sheet1.xml", func(w io.Writer) { w.Write(cut) })
	spec, _ := Lookup("unodc_glotip")
	_, err := spec.Parse(context.Background(), Input{Name: "cut.xlsx", File: bytes.NewReader(data), Mem: memory.NewGoAllocator()})
	if err == nil || !strings.Contains(err.Error(), "without </sheetData>: the file is cut short") {
		t.Fatalf("err = %v", err)
	}
}

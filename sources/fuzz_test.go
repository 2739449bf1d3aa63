package sources

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/palermo-project/palermo/internal/diag"
)

// Fuzz targets, one per parser, seeded with the real fixtures. A parse may
// fail, but never panic, hang or leak, and every error it reports carries a
// position. Run one for longer with, for example:
//
//	go test ./sources -run '^$' -fuzz FuzzUNODCGlotip -fuzztime 60s -fuzzminimizetime 1x
//
// (the seeds are whole real files: without -fuzzminimizetime 1x the
// fuzzer spends most of its time minimising them.)
//
// CI runs only the seed corpus (plain go test).

func fuzzParse(t *testing.T, source string, data []byte) {
	spec, _ := Lookup(source)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, err := spec.Parse(ctx, Input{Name: "fuzz", File: bytes.NewReader(data), Mem: mem})
	if err != nil {
		if len(diag.Positions(err)) == 0 {
			t.Fatalf("error without a position: %v", err)
		}
		for _, p := range diag.Positions(err) {
			if p.File == "" || p.Line < 1 || p.Col < 1 || p.Msg == "" {
				t.Fatalf("malformed position %+v", p)
			}
		}
		return
	}
	defer out.Release()
	for _, p := range out.Quarantine {
		if p.File == "" || p.Line < 1 || p.Col < 1 || p.Msg == "" {
			t.Fatalf("malformed quarantine position %+v", p)
		}
	}
	// A quarantined row may have several problems listed; every listed
	// problem belongs to a quarantined row.
	if (len(out.Quarantine) > 0) != (out.QuarantinedRows > 0) || out.QuarantinedRows > out.RowsRead {
		t.Fatalf("quarantine counts: %d problems listed, %d rows of %d", len(out.Quarantine), out.QuarantinedRows, out.RowsRead)
	}
	for _, name := range spec.Tables {
		if rec, ok := out.Tables[name]; ok && !rec.Schema().Equal(Schemas[name]) {
			t.Fatalf("table %s has schema %s", name, rec.Schema())
		}
	}
}

// seedLines adds the file and a few cuts of it: the header alone, the first
// lines, and the file with one line dropped.
func seedLines(f *testing.F, data []byte) {
	f.Add(data)
	lines := bytes.Split(data, []byte("\n"))
	f.Add(lines[0])
	if len(lines) > 4 {
		f.Add(bytes.Join(lines[:4], []byte("\n")))
		f.Add(bytes.Join(append(append([][]byte{}, lines[:2]...), lines[3:]...), []byte("\n")))
	}
}

func readSeed(f *testing.F, path string) []byte {
	b, err := readFileErr(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzTIPGlobal(f *testing.F) {
	seedLines(f, readSeed(f, "snapshots/tip_global_law_enforcement.csv"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "tip_global", data) })
}

func FuzzFBIOperations(f *testing.F) {
	seedLines(f, readSeed(f, "snapshots/operation_results.csv"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "fbi_operations", data) })
}

func FuzzOperationsTemplate(f *testing.F) {
	seedLines(f, readSeed(f, "testdata/operations/fbi_occ_2016_2017.csv"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "operations", data) })
}

func FuzzCuratedSeries(f *testing.F) {
	for _, p := range []string{"snapshots/us_immigration_relief.csv", "snapshots/us_federal_prosecution_series.csv", "snapshots/cbp_forced_labor_enforcement.csv"} {
		seedLines(f, readSeed(f, p))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range []string{"us_immigration_relief", "us_federal_prosecutions", "cbp_forced_labor"} {
			fuzzParse(t, s, data)
		}
	})
}

func FuzzCTDC(f *testing.F) {
	seedLines(f, readSeed(f, "testdata/ctdc/the_global_k_anon_dataset.EXCERPT.csv"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "ctdc", data) })
}

func FuzzUCRHT(f *testing.F) {
	all := readSeed(f, "testdata/fbi_ucr_ht/traffickingCrimes_2015.txt")
	// The first 40 records and the first records with counts.
	lines := strings.Split(string(all), "\n")
	var withData []string
	for _, l := range lines {
		if len(l) > 200 && len(withData) < 3 {
			withData = append(withData, l)
		}
	}
	f.Add([]byte(strings.Join(lines[:40], "\n")))
	f.Add([]byte(strings.Join(withData, "\n")))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, "fbi_ucr_ht", data) })
}

// zipOf builds a ZIP from name/content pairs.
func zipOf(files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range files {
		w, _ := zw.Create(name)
		w.Write(b)
	}
	zw.Close()
	return buf.Bytes()
}

// unzipAll reads every entry of a ZIP.
func unzipAll(f *testing.F, data []byte) map[string][]byte {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		f.Fatal(err)
	}
	out := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			f.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		out[zf.Name] = b.Bytes()
	}
	return out
}

// FuzzNIBRS fuzzes the arrestee table inside a bundle with real code tables
// (fuzzing the ZIP container itself mostly exercises CRC checks).
func FuzzNIBRS(f *testing.F) {
	tables := unzipAll(f, readSeed(f, "testdata/fbi_nibrs/arrestee_2019_33_states_excerpt.zip"))
	seedLines(f, tables["NIBRS_ARRESTEE_MN.csv"])
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzParse(t, "fbi_nibrs", zipOf(map[string][]byte{
			"MN/NIBRS_ARRESTEE.csv":  data,
			"NIBRS_OFFENSE_TYPE.csv": tables["NIBRS_OFFENSE_TYPE.csv"],
			"NIBRS_AGE.csv":          tables["NIBRS_AGE.csv"],
		}))
	})
}

// FuzzUNODCGlotip fuzzes the worksheet XML inside a workbook with the real
// shared strings.
func FuzzUNODCGlotip(f *testing.F) {
	parts := unzipAll(f, readSeed(f, "testdata/unodc_glotip/excerpt.xlsx"))
	sheet := parts["xl/worksheets/sheet1.xml"]
	f.Add(sheet[:min(len(sheet), 20000)])
	f.Add(sheet[:min(len(sheet), 4000)])
	f.Fuzz(func(t *testing.T, data []byte) {
		p := map[string][]byte{}
		for k, v := range parts {
			p[k] = v
		}
		p["xl/worksheets/sheet1.xml"] = data
		fuzzParse(t, "unodc_glotip", zipOf(p))
	})
}

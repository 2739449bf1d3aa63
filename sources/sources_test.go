package sources

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/internal/testutil"
)

// parse runs a source's parser on a file with a checked allocator and fails
// the test if any Arrow memory leaks.
func parse(t *testing.T, source, file string, data []byte) (*Output, error) {
	t.Helper()
	spec, ok := Lookup(source)
	if !ok {
		t.Fatalf("source %s is not registered", source)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	// Strict: any row that fails validation fails the parse, as palermo's
	// default configuration does (quarantine_max_share: 0).
	return ParseChecked(context.Background(), spec, Input{Name: file, File: bytes.NewReader(data), Mem: mem}, 0)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFileErr(path string) ([]byte, error) { return os.ReadFile(path) }

func golden(t *testing.T, path string, got []byte) { testutil.Golden(t, path, got) }

// goldenFixtures names the real fixture of the sources whose golden case
// is not their embedded snapshot (an excerpt of a large file, or a source
// that ships no snapshot).
var goldenFixtures = map[string]string{
	"unodc_glotip":      "testdata/unodc_glotip/excerpt.xlsx",
	"fbi_nibrs":         "testdata/fbi_nibrs/nibrs_MN_2018.zip",
	"ctdc":              "testdata/ctdc/the_global_k_anon_dataset.EXCERPT.csv",
	"operations":        "testdata/operations/fbi_occ_2016_2017.csv",
	"fbi_arrests_state": "testdata/fbi_arrests_state/excerpt.csv",
	"census_population": "testdata/census_population/excerpt.zip",
	"world_population":  "testdata/world_population/excerpt.csv",
	"census_acs_race":   "testdata/census_acs_race/excerpt.csv",
	"fbi_ucr_ht":        "testdata/fbi_ucr_ht/excerpt_2015.txt", // the first 1,500 agency records of 2015
}

// TestParseGolden parses each registered source's real fixture (its
// embedded snapshot unless goldenFixtures names an excerpt) into canonical
// tables and compares them, as CSV, with the reviewed golden files,
// testdata/SOURCE/TABLE.golden.csv. A new source without a fixture or a
// golden file fails here.
func TestParseGolden(t *testing.T) {
	for _, spec := range Specs() {
		t.Run(spec.Name, func(t *testing.T) {
			fixture, ok := goldenFixtures[spec.Name]
			if !ok {
				if spec.Embedded == nil {
					t.Fatalf("%s ships no snapshot: name a real fixture for it in goldenFixtures", spec.Name)
				}
				fixture = "snapshots/" + spec.Embedded.File
			}
			out, err := parse(t, spec.Name, fixture, readFile(t, fixture))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			for _, table := range spec.Tables {
				var buf bytes.Buffer
				if err := WriteTableCSV(&buf, out.Tables[table]); err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("testdata", spec.Name, table+".golden.csv"), buf.Bytes())
			}
		})
	}
	for name := range goldenFixtures {
		if _, ok := Lookup(name); !ok {
			t.Errorf("goldenFixtures names %s, which is not a registered source", name)
		}
	}
}

// TestDocsUpToDate regenerates docs/sources.md from the specs.
func TestDocsUpToDate(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteDocs(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "../docs/sources.md", buf.Bytes())
}

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
	return ParseChecked(context.Background(), spec, Input{Name: file, Data: data, Mem: mem}, 0)
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

// TestParseGolden parses each source's real fixture into canonical tables and
// compares them, as CSV, with the reviewed golden files.
func TestParseGolden(t *testing.T) {
	cases := []struct {
		source, fixture, table string
	}{
		{"tip_global", "snapshots/tip_global_law_enforcement.csv", TableObservations},
		{"fbi_operations", "snapshots/operation_results.csv", TableOperations},
		{"unodc_glotip", "testdata/unodc_glotip/excerpt.xlsx", TableObservations},
		{"fbi_nibrs", "testdata/fbi_nibrs/nibrs_MN_2018.zip", TableObservations},
		{"us_immigration_relief", "snapshots/us_immigration_relief.csv", TableObservations},
		{"us_federal_prosecutions", "snapshots/us_federal_prosecution_series.csv", TableObservations},
		{"cbp_forced_labor", "snapshots/cbp_forced_labor_enforcement.csv", TableObservations},
		{"ctdc", "testdata/ctdc/the_global_k_anon_dataset.EXCERPT.csv", TableObservations},
		{"operations", "testdata/operations/fbi_occ_2016_2017.csv", TableOperations},
		{"fbi_arrests_state", "testdata/fbi_arrests_state/excerpt.csv", TableObservations},
		{"census_population", "testdata/census_population/excerpt.zip", TableObservations},
		{"world_population", "testdata/world_population/excerpt.csv", TableObservations},
		{"census_acs_race", "testdata/census_acs_race/excerpt.csv", TableObservations},
		{"tip_scorecard", "snapshots/tip_scorecard_diplomacy.csv", TableObservations},
	}
	for _, c := range cases {
		t.Run(c.source, func(t *testing.T) {
			out, err := parse(t, c.source, c.fixture, readFile(t, c.fixture))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			var buf bytes.Buffer
			if err := WriteTableCSV(&buf, out.Tables[c.table]); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", c.source, c.table+".golden.csv"), buf.Bytes())
		})
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

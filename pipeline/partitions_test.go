package pipeline

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestPartitions: a template expands over its declared values (keys sorted
// by placeholder name), a list and a glob give one partition per file, and
// a template without values, values without a placeholder, or a location
// beside a list are errors naming the key.
func TestPartitions(t *testing.T) {
	sc := SourceConfig{Location: "https://cde.example/{year}/{state}.zip", PartitionValues: map[string][]string{"state": {"MN", "MA"}, "year": {"2018", "2019"}}}
	got, err := sc.Partitions()
	if err != nil {
		t.Fatal(err)
	}
	want := []Partition{
		{"state=MN,year=2018", "https://cde.example/2018/MN.zip"}, {"state=MA,year=2018", "https://cde.example/2018/MA.zip"},
		{"state=MN,year=2019", "https://cde.example/2019/MN.zip"}, {"state=MA,year=2019", "https://cde.example/2019/MA.zip"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("partitions = %v", got)
	}
	list := SourceConfig{Locations: []string{"/data/NIBRS_MN_2018.zip", "https://x.example/b/NIBRS_MA_2019.zip?token=1"}}
	if got, _ := list.Partitions(); len(got) != 2 || got[0].Key != "NIBRS_MN_2018" || got[1].Key != "NIBRS_MA_2019" {
		t.Fatalf("list partitions = %v", got)
	}
	dir := t.TempDir()
	for _, f := range []string{"MN-2018.zip", "MA-2019.zip", "notes.txt"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	glob := SourceConfig{Location: filepath.Join(dir, "*.zip")}
	if got, err := glob.Partitions(); err != nil || len(got) != 2 || got[0].Key != "MA-2019" || got[1].Key != "MN-2018" {
		t.Fatalf("glob partitions = %v, %v", got, err)
	}
	for yaml, want := range map[string]string{
		"sources:\n  fbi_nibrs:\n    location: https://x/{state}.zip\n":                                  "sources.fbi_nibrs.partitions.state: the location's {state} needs a list of values",
		"sources:\n  fbi_nibrs:\n    location: https://x/a.zip\n    partitions:\n      year: ['2019']\n": "sources.fbi_nibrs.partitions.year: the location has no {year}",
		"sources:\n  fbi_nibrs:\n    location: https://x/a.zip\n    locations: [https://x/b.zip]\n":      "sources.fbi_nibrs: give location or locations, not both",
		"sources:\n  fbi_nibrs:\n    locations: [https://x/2019/MN.zip, https://y/2019/MN.zip]\n":        "would be the same partition, MN",
	} {
		if _, err := ParseConfig([]byte(yaml)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", yaml, err, want)
		}
	}
}

// TestIngestPartitions: palermo ingest stores local files of a source made
// of many as the partitions the configuration names, and refuses a file it
// does not name rather than store it as a partition of its own.
func TestIngestPartitions(t *testing.T) {
	dir := t.TempDir()
	real, err := os.ReadFile("../sources/testdata/fbi_nibrs/nibrs_MN_2018.zip")
	if err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "MN-2018.zip"), filepath.Join(dir, "copy-of-MN-2018.zip")
	os.WriteFile(a, real, 0o644)
	os.WriteFile(b, real, 0o644)
	r := newTestRunner(t, "sources:\n  fbi_nibrs:\n    locations: ["+a+"]\n")
	if _, err := r.Ingest(t.Context(), "fbi_nibrs", []string{b}, IngestOptions{}); err == nil || !strings.Contains(err.Error(), "is none of those its configuration names") {
		t.Fatalf("ingest of an unnamed file: %v", err)
	}
	if _, err := r.Ingest(t.Context(), "fbi_nibrs", []string{a}, IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := r.Store.StoredPartitions("fbi_nibrs"); !reflect.DeepEqual(got, []string{"MN-2018"}) {
		t.Fatalf("stored partitions = %v", got)
	}
	if st := r.State.Job("fbi_nibrs").Partitions["MN-2018"]; !st.LastRunSuccess || st.Rows["observations"] == 0 {
		t.Fatalf("partition state = %+v", st)
	}
}

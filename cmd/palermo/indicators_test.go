package main

import (
	"os"
	"strings"
	"testing"
)

// TestIndicatorsFilters: palermo indicators answers a question: only the
// rows of the indicators, jurisdictions and periods asked for, the latest
// period of each series, a jurisdiction in any case or by name, a
// suggestion for a misspelt one, and --all says which computed entries
// have no data in the shipped sources.
func TestIndicatorsFilters(t *testing.T) {
	data := freshData(t)
	code, stdout, stderr := palermo(t, "indicators", "--data-dir", data, "--indicator", "prosecutions_per_detected_victim", "--period", "2022")
	if code != 0 {
		t.Fatalf("exited %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	rows := 0
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] == "" || strings.HasSuffix(l, "rows.") {
			continue
		}
		rows++
		if f[0] != "prosecutions_per_detected_victim" || f[2] != "2022" {
			t.Errorf("a row of another indicator or period: %s", l)
		}
	}
	if rows < 50 || !strings.Contains(lines[0], "UNIT") || !strings.Contains(lines[0], "REASON") || !strings.Contains(lines[0], "KIND") {
		t.Fatalf("%d rows; header %q", rows, lines[0])
	}
	_, stdout, _ = palermo(t, "indicators", "--data-dir", data, "--indicator", "minor_prostitution_arrests_per_100k_minors", "--jurisdiction", "minnesota", "--latest")
	if !strings.Contains(stdout, "US-MN         2021") || strings.Contains(stdout, " 2020 ") || !strings.Contains(stdout, "1 rows.") {
		t.Errorf("--jurisdiction minnesota --latest:\n%s", stdout)
	}
	_, stdout, _ = palermo(t, "indicators", "--data-dir", data, "--jurisdiction", "us-mn", "--indicator", "ht_arrests", "--format", "csv")
	if !strings.Contains(stdout, "ht_arrests,US-MN,2018,") || strings.Contains(stdout, "US-MA") {
		t.Errorf("--jurisdiction us-mn --format csv:\n%s", stdout)
	}
	if code, _, stderr := palermo(t, "indicators", "--data-dir", data, "--jurisdiction", "minnesotta"); code == 0 || !strings.Contains(stderr, "did you mean Minnesota?") {
		t.Errorf("a misspelt jurisdiction: exit %d, %s", code, stderr)
	}
	if code, _, stderr := palermo(t, "indicators", "--data-dir", data, "--indicator", "ht_arrest"); code == 0 || !strings.Contains(stderr, "did you mean ht_arrests?") {
		t.Errorf("a misspelt indicator: exit %d, %s", code, stderr)
	}
	_, stdout, _ = palermo(t, "indicators", "--data-dir", data, "--all")
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "operation_service_referral_ratio ") && !strings.Contains(l, "computed, no data in the shipped sources") {
			t.Errorf("--all: %s", l)
		}
	}
}

// TestReadingCommandsCreateNothing: indicators, sources, export and report
// on a data directory that does not exist say where they looked, and leave
// no directory behind.
func TestReadingCommandsCreateNothing(t *testing.T) {
	dir := t.TempDir()
	data, out := dir+"/data", dir+"/out"
	for _, args := range [][]string{
		{"indicators", "--data-dir", data}, {"export", "--data-dir", data, "--out", out}, {"report", "--data-dir", data, "--out", out},
	} {
		if code, _, stderr := palermo(t, args...); code == 0 || !strings.Contains(stderr, "looked in "+data) {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
	if code, _, _ := palermo(t, "sources", "--data-dir", data); code != 0 {
		t.Errorf("sources exited %d", code)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("reading commands created %v", entries)
	}
}

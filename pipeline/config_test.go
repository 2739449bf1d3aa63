package pipeline

import (
	"strings"
	"testing"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/sources"
)

func TestEmbeddedConfig(t *testing.T) {
	cfg, err := LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	// The embedded default runs every source that ships a snapshot (not
	// the test_ sources the pipeline's tests register).
	var shipped []string
	for _, spec := range sources.Specs() {
		if spec.Embedded != nil && !strings.HasPrefix(spec.Name, "test_") {
			shipped = append(shipped, spec.Name)
		}
	}
	if got, want := strings.Join(cfg.EnabledSources(), ","), strings.Join(shipped, ","); got != want {
		t.Fatalf("enabled sources = %s, want the sources with a snapshot, %s", got, want)
	}
	if cfg.Privacy.MinCell != 10 || cfg.Privacy.UnstableBelow != 20 {
		t.Fatalf("privacy = %+v", cfg.Privacy)
	}
}

// TestConfigErrors: unknown keys, unknown sources and invalid schedules are
// load-time errors that name the key.
func TestConfigErrors(t *testing.T) {
	f := func(yaml, want string) {
		t.Helper()
		_, err := ParseConfig([]byte(yaml))
		if err == nil {
			t.Fatalf("no error for:\n%s", yaml)
		}
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("error %q does not contain %q", err, want)
		}
	}
	f("data_dir: x\nlisen: :9741\nsources:\n  tip_global: {}\n", "line 2: field lisen not found")
	f("sources:\n  tip_global:\n    schedul: '@daily'\n", "line 3: field schedul not found")
	f("sources:\n  tip_global:\n    schedule: '61 * * * *'\n", "sources.tip_global.schedule: \"61 * * * *\"")
	f("sources:\n  tip_global:\n    schedule: '* * * *'\n", "sources.tip_global.schedule")
	f("sources:\n  tip_global:\n    schedule: 'TZ='\n", "sources.tip_global.schedule: \"TZ=\": time-zone prefixes are not accepted")
	f("sources:\n  tip_global:\n    schedule: 'CRON_TZ=Europe/Rome 0 6 * * *'\n", "time-zone prefixes are not accepted")
	f("sources:\n  no_such_source: {}\n", "sources.no_such_source: unknown source")
	f("sources:\n  tip_global:\n    timeout: soon\n", "\"soon\" is not a positive duration")
	f("privacy:\n  min_cell: -1\nsources:\n  tip_global: {}\n", "privacy.min_cell")
	f("data_dir: x\n", "sources: no source configured")
	f("sources: [", "did not find expected node content")
	f("sources:\n  tip_global:\n    schedule: '0 6 30 2 *'\n", "this schedule never fires")
	f("privacy:\n  min_cell: 1\nsources:\n  tip_global: {}\n", "below 5 it needs privacy.allow_small_cells: true")
	f("privacy:\n  min_cell: 0\nsources:\n  tip_global: {}\n", "privacy.min_cell: 0 must be at least 1")
	f("sources:\n  tip_global:\n    schedule: '@every 0s'\n", "@every 0s: the interval must be at least 1s")
	f("sources:\n  tip_global:\n    schedule: '@every 300ms'\n", "at least 1s")
	f("sources:\n  tip_global:\n    max_bytes: lots\n", "\"lots\" is not a positive size")
	f("sources:\n  tip_global:\n    max_bytes: 0\n", "is not a positive size")
}

// TestConfigSmallCells: a min_cell below 5 is accepted only with the
// explicit opt-in; leaving privacy out keeps the defaults.
func TestConfigSmallCells(t *testing.T) {
	cfg, err := ParseConfig([]byte("privacy:\n  min_cell: 3\n  allow_small_cells: true\nsources:\n  tip_global: {}\n"))
	if err != nil || cfg.Privacy.MinCell != 3 || cfg.Privacy.UnstableBelow != 20 {
		t.Fatalf("opt-in: %+v, %v", cfg, err)
	}
	cfg, err = ParseConfig([]byte("sources:\n  tip_global: {}\n"))
	if err != nil || cfg.Privacy.MinCell != 10 || cfg.Privacy.UnstableBelow != 20 {
		t.Fatalf("defaults: %+v, %v", cfg, err)
	}
}

func TestConfigMaxBytes(t *testing.T) {
	cfg, err := ParseConfig([]byte("sources:\n  tip_global:\n    max_bytes: 300MiB\n  fbi_nibrs:\n    max_bytes: 2GB\n  fbi_ucr_ht: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]int64{"tip_global": 300 << 20, "fbi_nibrs": 2e9, "fbi_ucr_ht": bounded.DefaultMaxBytes} {
		if got := cfg.Sources[src].MaxBytes.OrDefault(); got != want {
			t.Errorf("%s max_bytes = %d, want %d", src, got, want)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte("sources:\n  tip_global: {}\n  unodc_glotip:\n    enabled: false\n    schedule: '@daily'\n"))
	if err != nil {
		t.Fatal(err)
	}
	tip := cfg.Sources["tip_global"]
	if tip.Schedule != "0 6 * * 1" || tip.Location != "embedded" || tip.Timeout != Duration(DefaultJobTimeout) {
		t.Fatalf("defaults not applied: %+v", tip)
	}
	if got := cfg.EnabledSources(); len(got) != 1 || got[0] != "tip_global" {
		t.Fatalf("enabled = %v", got)
	}
}

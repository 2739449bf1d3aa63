package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/palermo-project/palermo/configs"
	"github.com/palermo-project/palermo/internal/testutil"
	"github.com/palermo-project/palermo/sources"
)

// damage returns a damaged copy of a source's embedded snapshot and the
// position its error must name (after the damaged file's path), as the
// source's sources/testdata/SOURCE/damage.json describes: the first
// occurrence of from, in entry for a ZIP or a workbook, becomes to.
func damage(t *testing.T, source string, data []byte) ([]byte, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../sources/testdata", source, "damage.json"))
	if err != nil {
		t.Fatalf("%v: every embedded source describes a damaged copy of its snapshot", err)
	}
	var d struct{ Entry, From, To, Want string }
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s damage.json: %v", source, err)
	}
	change := func(s string) string {
		if !strings.Contains(s, d.From) {
			t.Fatalf("%s damage.json: %q is not in the snapshot", source, d.From)
		}
		return strings.Replace(s, d.From, d.To, 1)
	}
	if d.Entry != "" {
		return testutil.RewriteZip(t, data, d.Entry, change), d.Want
	}
	return []byte(change(string(data))), d.Want
}

// TestDamagedSourceKeepsIndicators: for every embedded source, a run on a
// damaged copy exits 1 with a positioned error, and the published
// indicators stay exactly as they were.
func TestDamagedSourceKeepsIndicators(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, stderr := palermo(t, "run", "--data-dir", data, "--log-level", "warn"); code != 0 {
		t.Fatalf("run exited %d: %s", code, stderr)
	}
	before, err := os.ReadFile(filepath.Join(data, "exports", "indicators.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(configs.DefaultPalermo, &cfg); err != nil {
		t.Fatal(err)
	}
	for _, spec := range sources.Specs() {
		if spec.Embedded == nil {
			continue
		}
		t.Run(spec.Name, func(t *testing.T) {
			orig, _, err := sources.NewFetcher().Fetch(t.Context(), spec, sources.LocationEmbedded)
			if err != nil {
				t.Fatal(err)
			}
			bad, want := damage(t, spec.Name, orig)
			path := filepath.Join(dir, "damaged-"+spec.Embedded.File)
			os.WriteFile(path, bad, 0o644)
			srcs := cfg["sources"].(map[string]any)
			sc := srcs[spec.Name].(map[string]any)
			saved := sc["location"]
			sc["location"] = path
			b, _ := yaml.Marshal(cfg)
			sc["location"] = saved
			cfgPath := filepath.Join(dir, spec.Name+".yaml")
			os.WriteFile(cfgPath, b, 0o644)
			code, _, stderr := palermo(t, "run", "--config", cfgPath, "--data-dir", data, "--job", spec.Name, "--log-level", "error")
			if code != 1 {
				t.Fatalf("run on a damaged %s exited %d", spec.Name, code)
			}
			if !regexp.MustCompile(regexp.QuoteMeta(path + want)).MatchString(stderr) {
				t.Fatalf("stderr lacks %s%s:\n%s", path, want, stderr)
			}
			after, _ := os.ReadFile(filepath.Join(data, "exports", "indicators.csv"))
			if !bytes.Equal(before, after) {
				t.Fatal("the published indicators changed after a failed run")
			}
			// palermo validate says the same, and exits 1.
			code, _, stderr = palermo(t, "validate", "--source", spec.Name, path)
			if code != 1 || !strings.Contains(stderr, path+want) {
				t.Fatalf("validate exited %d:\n%s", code, stderr)
			}
		})
	}
}

// TestValidateUnshippedSources: the sources without an embedded snapshot
// are validated on their fixtures, clean and damaged.
func TestValidateUnshippedSources(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		source, fixture, from, to, want string
	}{
		{"ctdc", "../../sources/testdata/ctdc/the_global_k_anon_dataset.EXCERPT.csv", ";LY;", ";Libya;", `:13:92: CountryOfExploitation "Libya" is not an ISO 3166-1 alpha-2 code`},
		{"operations", "../../sources/testdata/operations/fbi_occ_2016_2017.csv", ",239,", ",-239,", `:2:60: arrests_traffickers: "-239" is not a non-negative whole number`},
	} {
		if code, stdout, stderr := palermo(t, "validate", "--source", c.source, c.fixture); code != 0 {
			t.Fatalf("%s: validate on the fixture exited %d: %s%s", c.source, code, stdout, stderr)
		}
		b, _ := os.ReadFile(c.fixture)
		bad := filepath.Join(dir, c.source+".csv")
		os.WriteFile(bad, bytes.Replace(b, []byte(c.from), []byte(c.to), 1), 0o644)
		code, _, stderr := palermo(t, "validate", "--source", c.source, bad)
		if code != 1 || !strings.Contains(stderr, bad+c.want) {
			t.Fatalf("%s: validate on a damaged copy exited %d:\n%s", c.source, code, stderr)
		}
	}
}

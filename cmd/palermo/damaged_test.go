package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/palermo-project/palermo/configs"
	"github.com/palermo-project/palermo/internal/testutil"
	"github.com/palermo-project/palermo/sources"
)

// damage returns a damaged copy of a source's embedded snapshot and the
// position its error must name (FILE is replaced by the damaged file's path).
func damage(t *testing.T, source string, data []byte) ([]byte, string) {
	t.Helper()
	replaceInZip := func(entry string, change func(string) string) []byte {
		return testutil.RewriteZip(t, data, entry, change)
	}
	s := string(data)
	switch source {
	case "tip_global":
		return []byte(strings.Replace(s, ",convictions,10,", ",convictions,ten,", 1)), `:3:30: value: "ten"`
	case "fbi_operations":
		return []byte(strings.Replace(s, ",79,,,104,", ",79,,,a hundred,", 1)), `:3:73: traffickers_or_pimps_arrested`
	case "us_immigration_relief":
		return []byte(strings.Replace(s, "\n2005,t1_principal_approvals_I914,113,", "\n2005,t1_principal_approvals_I914,113.5,", 1)), `:2:34: value: "113.5"`
	case "us_federal_prosecutions":
		return []byte(strings.Replace(s, ",persons_prosecuted,805,", ",persons_prosecuted,-805,", 1)), `:3:`
	case "cbp_forced_labor":
		return []byte(strings.Replace(s, "\nCY1991,", "\nCY91,", 1)), `:2:1: period "CY91"`
	case "fbi_ucr_ht":
		var line int
		bad := replaceInZip("traffickingCrimes_2015.txt", func(c string) string {
			i := strings.Index(c, "NNNXXXXXXXXX")
			line = strings.Count(c[:i], "\n") + 1
			return c[:i+12] + "0000x" + c[i+17:]
		})
		return bad, ":traffickingCrimes_2015.txt:" + strconv.Itoa(line) + ":88: count \"0000x\""
	case "fbi_nibrs":
		return replaceInZip("MN/NIBRS_ARRESTEE.csv", func(c string) string { return strings.Replace(c, "\n2018,", "\n2O18,", 1) }),
			`:MN/NIBRS_ARRESTEE.csv:2:1: DATA_YEAR: "2O18"`
	case "fbi_arrests_state":
		return []byte(strings.Replace(s, ",84139.0,ALABAMA,2013", ",84l39.0,ALABAMA,2013", 1)), `:2:90: Population: "84l39.0"`
	case "census_population":
		return replaceInZip("sc-est2019-agesex-civ.csv", func(c string) string {
			return strings.Replace(c, "\r\n40,3,6,1,Alabama,0,0,", "\r\n40,3,6,1,Alabama,0,O,", 1)
		}), `:sc-est2019-agesex-civ.csv:`
	case "world_population":
		return []byte(strings.Replace(s, "\r\nAruba,ABW,1960,54922\r\n", "\r\nAruba,ABW,1960,5492two\r\n", 1)), `:2:16: Value: "5492two"`
	case "census_acs_race":
		i := strings.Index(s, "\n0400000US27,")
		line := strings.Count(s[:i+1], "\n") + 1
		return []byte(s[:i+13] + "5.6M" + s[i+20:]), ":" + strconv.Itoa(line) + ":13: DP05_0001E"
	case "tip_scorecard":
		return []byte(strings.Replace(s, `"2008","5212",`, `"2008","52l2",`, 1)), `:7:8: Prosecutions: "52l2"`
	case "unodc_glotip":
		return replaceInZip("xl/worksheets/sheet1.xml", func(c string) string {
			return strings.Replace(c, `<c r="J4" t="n"><v>2010</v></c>`, `<c r="J4" t="inlineStr"><is><t>twenty-ten</t></is></c>`, 1)
		}), `:4:10: Year: "twenty-ten"`
	}
	t.Fatalf("no damage for %s", source)
	return nil, ""
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

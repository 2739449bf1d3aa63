package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/palermo-project/palermo/internal/testutil"
	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/sources/sourcestest"
)

// published computes the indicators on the embedded default and returns
// the ids with at least one published value, with their jurisdictions.
func published(t testing.TB) Published {
	t.Helper()
	snap, err := metrics.Compute(context.Background(), sourcestest.Sets(t), metrics.Catalogue, metrics.DefaultPrivacy, sourcestest.Now)
	if err != nil {
		t.Fatal(err)
	}
	out := Published{}
	for _, r := range snap.Rows {
		if !r.Published() {
			continue
		}
		if out[r.Indicator.ID] == nil {
			out[r.Indicator.ID] = map[string][]string{}
		}
		if ps := out[r.Indicator.ID][r.Jurisdiction]; !slices.Contains(ps, r.Period) {
			out[r.Indicator.ID][r.Jurisdiction] = append(ps, r.Period)
		}
	}
	return out
}

// TestDashboardsUpToDate regenerates the dashboards from the catalogue and
// fails on any difference with the committed JSON.
func TestDashboardsUpToDate(t *testing.T) {
	files, err := Generate(metrics.Catalogue, published(t))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name, b := range files {
		names = append(names, name)
		if *testutil.Update {
			if err := os.WriteFile(name, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%s: %v (run go test ./dashboards -update)", name, err)
		}
		if !bytes.Equal(want, b) {
			t.Errorf("dashboards/%s is stale: regenerate it with go test ./dashboards -update", name)
		}
	}
	// No dashboard JSON is left that the generator does not produce.
	on, _ := filepath.Glob("*.json")
	sort.Strings(names)
	sort.Strings(on)
	if strings.Join(on, ",") != strings.Join(names, ",") {
		t.Errorf("dashboards on disk %v, generated %v", on, names)
	}
}

// TestDashboardRules checks what users rely on: datasources by variable,
// never import placeholders; neutral indicators never coloured; every
// indicator with a published value has a panel whose description carries
// its caveats and direction.
func TestDashboardRules(t *testing.T) {
	published := published(t)
	// A new catalogue entry with data appears without hand-editing JSON.
	probe := *metrics.Catalogue[6]
	probe.ID, probe.Title = "probe_indicator", "Probe indicator"
	cat := append(append([]*metrics.Indicator{}, metrics.Catalogue...), &probe)
	published["probe_indicator"] = map[string][]string{"WLD": {"2022"}}
	files, err := Generate(cat, published)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(files["victim-centred.json"], []byte(`"title": "Probe indicator"`)) {
		t.Error("a new catalogue entry did not get a panel")
	}
	for name, b := range files {
		if bytes.Contains(b, []byte("${DS_")) {
			t.Errorf("%s uses an import placeholder", name)
		}
		var d Dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range d.Panels {
			if p.Type == "text" || p.Type == "row" {
				continue
			}
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
				t.Errorf("%s: panel %q does not use the datasource variable", name, p.Title)
			}
			for _, tg := range p.Targets {
				if !tg.Instant || tg.Range {
					t.Errorf("%s: panel %q: period-labelled values need instant queries", name, p.Title)
				}
			}
		}
	}
	var d Dashboard
	json.Unmarshal(files["victim-centred.json"], &d)
	titles := map[string]*Panel{}
	for _, p := range d.Panels {
		titles[p.Title] = p
	}
	for _, ind := range metrics.Catalogue {
		if _, ok := published[ind.ID]; !ok {
			continue
		}
		p, ok := titles[ind.Title]
		if !ok {
			t.Errorf("indicator %s has values but no panel", ind.ID)
			continue
		}
		if !strings.Contains(p.Description, ind.DescriptionKey[0]) || !strings.Contains(p.Description, "Direction: "+string(ind.Direction)) {
			t.Errorf("panel %q lacks its caveats or direction", p.Title)
		}
		// A chart over the periods, zero-based but for percentage points,
		// whose colours name series and never mean good or bad, with the
		// unstable values in a series of their own.
		if p.Type != "barchart" || p.Options["xField"] != "period" {
			t.Errorf("panel %q is a %s, not a chart over the periods", p.Title, p.Type)
		}
		b, _ := json.Marshal(p.FieldConfig)
		if strings.Contains(string(b), "RdYlGr") || strings.Contains(string(b), "GrYlRd") {
			t.Errorf("panel %q colours its bars as good or bad", p.Title)
		}
		if min := p.FieldConfig.Defaults.Min; ind.Unit != metrics.UnitPP && (min == nil || *min != 0) {
			t.Errorf("panel %q: the axis of a %s does not start at zero", p.Title, ind.Unit)
		}
		if len(p.Targets) != 1 || !strings.Contains(p.Targets[0].Expr, fmt.Sprintf(`palermo_indicator_unstable{indicator=%q}`, ind.ID)) ||
			!strings.Contains(string(b), `unstable`) {
			t.Errorf("panel %q does not set its unstable values apart", p.Title)
		}
	}
	// Maps: the countries by alpha-3 code, the US states by their two
	// letters, each ringing its unstable values.
	for file, gazetteer := range map[string]string{"countries.json": "public/gazetteer/countries.json", "victim-centred.json": "public/gazetteer/usa-states.json"} {
		var d Dashboard
		json.Unmarshal(files[file], &d)
		found := false
		for _, p := range d.Panels {
			if p.Type != "geomap" {
				continue
			}
			b, _ := json.Marshal(p.Options)
			found = strings.Contains(string(b), gazetteer) && len(p.Targets) == 2 && strings.Contains(p.Targets[1].Expr, "palermo_indicator_unstable")
		}
		if !found {
			t.Errorf("%s has no geomap over %s with its unstable values", file, gazetteer)
		}
	}
}

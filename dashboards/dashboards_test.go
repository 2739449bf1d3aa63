package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
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
		if r.Published() && !slices.Contains(out[r.Indicator.ID], r.Jurisdiction) {
			out[r.Indicator.ID] = append(out[r.Indicator.ID], r.Jurisdiction)
		}
	}
	for _, js := range out {
		sort.Strings(js)
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
	published["probe_indicator"] = []string{"WLD"}
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
		b, _ := json.Marshal(p.FieldConfig)
		coloured := strings.Contains(string(b), "continuous-RdYlGr") || strings.Contains(string(b), "continuous-GrYlRd")
		if coloured != (ind.Direction != metrics.Neutral) {
			t.Errorf("panel %q (direction %s): coloured=%v", p.Title, ind.Direction, coloured)
		}
	}
}

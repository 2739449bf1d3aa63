package report

import (
	"embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/palermo-project/palermo/internal/iso3166"
)

//go:embed assets
var assets embed.FS

// assetFiles are the report's scripts, style sheet and vendored libraries,
// by path under assets/ (the raw map geometry is written by geoFiles).
func assetFiles() map[string][]byte {
	out := map[string][]byte{}
	for _, name := range []string{"palermo.js", "report.css",
		"vendor/d3.min.js", "vendor/plot.umd.min.js", "vendor/topojson-client.min.js",
		"vendor/LICENSE.d3", "vendor/LICENSE.plot", "vendor/LICENSE.topojson-client",
		"vendor/LICENSE.world-atlas", "vendor/LICENSE.us-atlas", "vendor/SOURCES.md"} {
		b, err := assets.ReadFile("assets/" + name)
		if err != nil {
			panic(err) // embedded at build time: a missing file is a build error
		}
		out[name] = b
	}
	return out
}

var geo struct {
	once  sync.Once
	files map[string][]byte
	err   error
}

// geoFiles are the world and US maps as scripts, with the features' ids
// rewritten to the codes palermo publishes: ISO 3166-1 alpha-3 for the
// countries of Natural Earth (ids: ISO numeric) and US-XX for the Census
// Bureau's states (ids: FIPS codes). They are built once per process.
func geoFiles() (map[string][]byte, error) {
	geo.once.Do(func() {
		geo.files = map[string][]byte{}
		for _, g := range []struct {
			out, in, object string
			ids             func(string) (string, bool)
		}{
			{"world.js", "countries-50m.json", "countries", func(id string) (string, bool) { c, ok := iso3166.Numeric[id]; return c, ok }},
			{"us-states.js", "states-10m.json", "states", func(id string) (string, bool) { c, ok := fipsStates[id]; return c, ok }},
		} {
			b, err := recode(g.in, g.object, g.ids)
			if err != nil {
				geo.err = err
				return
			}
			geo.files[g.out] = append(append([]byte(`palermo.geo("`+g.object+`", `), b...), ");\n"...)
		}
	})
	return geo.files, geo.err
}

// recode rewrites the ids of one object's geometries in a TopoJSON file.
// A geometry whose id has no code keeps no id and is drawn as land only.
func recode(name, object string, code func(string) (string, bool)) ([]byte, error) {
	raw, err := assets.ReadFile("assets/vendor/" + name)
	if err != nil {
		return nil, err
	}
	var topo map[string]any
	if err := json.Unmarshal(raw, &topo); err != nil {
		return nil, fmt.Errorf("report: %s: %w", name, err)
	}
	objects, _ := topo["objects"].(map[string]any)
	obj, _ := objects[object].(map[string]any)
	geoms, _ := obj["geometries"].([]any)
	if len(geoms) == 0 {
		return nil, fmt.Errorf("report: %s: no %s geometries", name, object)
	}
	for _, g := range geoms {
		gm, _ := g.(map[string]any)
		id, _ := gm["id"].(string)
		if c, ok := code(id); ok {
			gm["id"] = c
		} else {
			delete(gm, "id")
		}
	}
	return json.Marshal(topo)
}

// fipsStates maps FIPS state codes (FIPS 5-2) to palermo's US-XX codes.
var fipsStates = map[string]string{
	"01": "US-AL", "02": "US-AK", "04": "US-AZ", "05": "US-AR", "06": "US-CA", "08": "US-CO", "09": "US-CT",
	"10": "US-DE", "11": "US-DC", "12": "US-FL", "13": "US-GA", "15": "US-HI", "16": "US-ID", "17": "US-IL",
	"18": "US-IN", "19": "US-IA", "20": "US-KS", "21": "US-KY", "22": "US-LA", "23": "US-ME", "24": "US-MD",
	"25": "US-MA", "26": "US-MI", "27": "US-MN", "28": "US-MS", "29": "US-MO", "30": "US-MT", "31": "US-NE",
	"32": "US-NV", "33": "US-NH", "34": "US-NJ", "35": "US-NM", "36": "US-NY", "37": "US-NC", "38": "US-ND",
	"39": "US-OH", "40": "US-OK", "41": "US-OR", "42": "US-PA", "44": "US-RI", "45": "US-SC", "46": "US-SD",
	"47": "US-TN", "48": "US-TX", "49": "US-UT", "50": "US-VT", "51": "US-VA", "53": "US-WA", "54": "US-WV",
	"55": "US-WI", "56": "US-WY", "60": "US-AS", "66": "US-GU", "69": "US-MP", "72": "US-PR", "78": "US-VI",
}

package dashboards

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/palermo-project/palermo/metrics"
	"github.com/palermo-project/palermo/sources"
)

// DatasourceUID is the uid of the Prometheus datasource provisioned by
// configs/grafana; every panel refers to it through the datasource variable.
const DatasourceUID = "prometheus"

var dsVar = &Datasource{Type: "prometheus", UID: "${datasource}"}

// Files are the generated dashboards, by file name.
type Files map[string][]byte

// Published maps each indicator with at least one published value, on the
// data the dashboards are generated against, to the jurisdictions it has
// values for and, for each, the periods.
type Published map[string]map[string][]string

// Generate builds every dashboard. Computed indicators without a published
// value are listed in a coverage panel instead of getting an empty chart,
// and the jurisdictions selected by default are the fewest that give every
// indicator panel data.
func Generate(cat []*metrics.Indicator, published Published) (Files, error) {
	files := Files{}
	for name, d := range map[string]*Dashboard{
		"victim-centred.json":  victimCentred(cat, published),
		"operations.json":      operations(),
		"countries.json":       countries(cat, published),
		"pipeline-health.json": pipelineHealth(),
	} {
		b, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		files[name] = append(b, '\n')
	}
	return files, nil
}

func newDashboard(uid, title, description string, vars ...*Variable) *Dashboard {
	return &Dashboard{
		UID: uid, Title: title, Description: description,
		Tags: []string{"palermo"}, Timezone: "utc", Editable: false,
		Time: TimeRange{From: "now-24h", To: "now"}, Refresh: "5m", SchemaVersion: 39, Version: 1,
		Links:      []Link{{Title: "palermo dashboards", Type: "dashboards", Tags: []string{"palermo"}, AsDropdown: true, IncludeVars: false, KeepTime: true}},
		Templating: Templating{List: append([]*Variable{datasourceVariable()}, vars...)},
	}
}

func datasourceVariable() *Variable {
	return &Variable{Name: "datasource", Label: "Data source", Type: "datasource", Query: "prometheus",
		Current: Current{Text: "Prometheus", Value: DatasourceUID}, Options: []Option{}, Regex: "", Refresh: 1}
}

// queryVariable is a Prometheus label_values variable.
func queryVariable(name, label, description, query string, current []string, multi bool) *Variable {
	v := &Variable{Name: name, Label: label, Description: description, Type: "query", Datasource: dsVar,
		Query:      map[string]any{"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1},
		Definition: query, Options: []Option{}, Multi: multi, IncludeAll: multi, Refresh: 2, Sort: 1}
	if multi {
		v.AllValue = ".*"
		v.Current = Current{Selected: true, Text: current, Value: current}
	} else {
		v.Current = Current{Selected: true, Text: current[0], Value: current[0]}
	}
	return v
}

// customVariable offers a fixed list of values.
func customVariable(name, label, description string, opts []Option, current Option) *Variable {
	var vals []string
	for _, o := range opts {
		vals = append(vals, o.Text+" : "+o.Value)
	}
	return &Variable{Name: name, Label: label, Description: description, Type: "custom",
		Query: strings.Join(vals, ","), Current: Current{Selected: true, Text: current.Text, Value: current.Value},
		Options: opts, Sort: 0}
}

// layout places panels left to right on Grafana's 24-column grid.
type layout struct {
	x, y, rowH int
	id         int
}

func (l *layout) place(p *Panel, w, h int) *Panel {
	if l.x+w > 24 {
		l.x, l.y, l.rowH = 0, l.y+l.rowH, 0
	}
	l.id++
	p.ID = l.id
	p.GridPos = GridPos{H: h, W: w, X: l.x, Y: l.y}
	l.x += w
	if h > l.rowH {
		l.rowH = h
	}
	return p
}

func (l *layout) row(title string) *Panel {
	if l.x > 0 {
		l.x, l.y, l.rowH = 0, l.y+l.rowH, 0
	}
	collapsed := false
	p := l.place(&Panel{Type: "row", Title: title, Collapsed: &collapsed, Panels: []*Panel{}}, 24, 1)
	l.x, l.y, l.rowH = 0, l.y+1, 0
	return p
}

func instant(expr, legend string) Target {
	return Target{RefID: "A", Datasource: dsVar, Expr: expr, Instant: true, Range: false, Format: "table", LegendFormat: legend}
}

// hideLabels drops the columns a reader does not need in a table.
var hideLabels = Transformation{ID: "organize", Options: map[string]any{
	"excludeByName": map[string]any{"Time": true, "__name__": true, "job": true, "instance": true},
	"renameByName":  map[string]any{"Value": "value"},
}}

func tablePanel(title, description string, fc *FieldConfig, sortBy string, targets ...Target) *Panel {
	opts := map[string]any{"showHeader": true, "cellHeight": "sm", "footer": map[string]any{"show": false}}
	if sortBy != "" {
		opts["sortBy"] = []map[string]any{{"displayName": sortBy, "desc": true}}
	}
	return &Panel{Type: "table", Title: title, Description: description, Datasource: dsVar, Targets: targets,
		FieldConfig: fc, Options: opts, Transformations: []Transformation{hideLabels}}
}

func fieldConfig(unit string, decimals int) *FieldConfig {
	return &FieldConfig{Defaults: FieldDefaults{Unit: unit, Decimals: &decimals, Mappings: []any{},
		Color: map[string]any{"mode": "fixed", "fixedColor": "text"}}, Overrides: []Override{}}
}

func f64(v float64) *float64 { return &v }

func intp(v int) *int { return &v }

// indicatorFieldConfig sets unit and colour from the catalogue: up and down
// indicators are coloured on a red-to-green scale pointing their way;
// neutral ones are never coloured as good or bad.
func indicatorFieldConfig(ind *metrics.Indicator) *FieldConfig {
	unit, decimals := "short", 3
	var min, max *float64
	switch {
	case ind.Unit == metrics.UnitPP:
		unit, decimals, min, max = "suffix: pp", 1, f64(-30), f64(30)
	case ind.Unit == metrics.UnitRatio && ind.ShortUnit == "share":
		unit, decimals, min, max = "percentunit", 1, f64(0), f64(1)
	case ind.Unit == metrics.UnitCount:
		unit, decimals = "none", 0
	}
	fc := fieldConfig(unit, decimals)
	fc.Defaults.Min, fc.Defaults.Max = min, max
	valueColumn := Override{Matcher: map[string]any{"id": "byName", "options": "value"}}
	switch ind.Direction {
	case metrics.Up, metrics.Down:
		scheme := "continuous-RdYlGr"
		if ind.Direction == metrics.Down {
			scheme = "continuous-GrYlRd"
		}
		valueColumn.Properties = []map[string]any{
			{"id": "color", "value": map[string]any{"mode": scheme}},
			{"id": "custom.cellOptions", "value": map[string]any{"type": "color-text"}},
		}
	default:
		valueColumn.Properties = []map[string]any{
			{"id": "color", "value": map[string]any{"mode": "fixed", "fixedColor": "blue"}},
			{"id": "custom.cellOptions", "value": map[string]any{"type": "auto"}},
		}
	}
	fc.Overrides = append(fc.Overrides, valueColumn)
	return fc
}

// indicatorDescription is a panel description written from the catalogue.
func indicatorDescription(ind *metrics.Indicator) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s**\n\n%s\n\n", ind.Question, ind.DescriptionShort)
	fmt.Fprintf(&b, "Numerator: %s.", ind.Numerator)
	if ind.Denominator != "" {
		fmt.Fprintf(&b, " Denominator: %s.", ind.Denominator)
	}
	fmt.Fprintf(&b, " Unit: %s.\n\n%s\n\nCaveats:\n", ind.Unit, ind.DirectionText())
	for _, c := range ind.DescriptionKey {
		fmt.Fprintf(&b, "- %s\n", c)
	}
	if ind.NormativeAnchor != "" {
		fmt.Fprintf(&b, "\nNormative anchor: %s.\n", ind.NormativeAnchor)
	}
	b.WriteString("\nSources:\n")
	for _, name := range ind.Sources {
		if s, ok := sources.Lookup(name); ok {
			fmt.Fprintf(&b, "- %s: %s (%s)\n", s.Origin.AttributionShort, s.Origin.Title, s.Origin.URLMain)
		}
	}
	fmt.Fprintf(&b, "\nPrinciples: %s. Metric: `%s`. Each value's source page and retrieval date are in indicators.csv.", strings.Join(ind.Principles, ", "), ind.Metric())
	return b.String()
}

// defaultJurisdictions picks, greedily, the fewest jurisdictions whose
// values cover every published indicator, WLD first when it helps.
func defaultJurisdictions(published Published) []string {
	uncovered := map[string]bool{}
	for id := range published {
		uncovered[id] = true
	}
	var picked []string
	for len(uncovered) > 0 {
		gain := map[string]int{}
		for id := range uncovered {
			for j := range published[id] {
				gain[j]++
			}
		}
		best := ""
		for j, n := range gain {
			if best == "" || n > gain[best] || n == gain[best] && (j == "WLD" || best != "WLD" && j < best) {
				best = j
			}
		}
		if best == "" {
			break
		}
		picked = append(picked, best)
		for id := range uncovered {
			if _, ok := published[id][best]; ok {
				delete(uncovered, id)
			}
		}
	}
	sort.Strings(picked)
	return picked
}

func victimCentred(cat []*metrics.Indicator, published Published) *Dashboard {
	d := newDashboard("palermo-victim-centred", "palermo: Is enforcement victim-centred?",
		"Indicators of victim-centred anti-trafficking enforcement by jurisdiction and period, generated from palermo's catalogue.",
		queryVariable("jurisdiction", "Jurisdiction",
			"ISO 3166-1 alpha-3 country, WLD for the world, TIP-<bureau> for State Department regions.",
			`label_values({__name__=~"palermo_.+",jurisdiction!=""}, jurisdiction)`, defaultJurisdictions(published), true),
		queryVariable("period", "Period", "Data year (or fiscal year).",
			`label_values({__name__=~"palermo_.+",jurisdiction=~"$jurisdiction",period!=""}, period)`, []string{"All"}, true),
	)
	d.Templating.List[2].Current = Current{Selected: true, Text: []string{"All"}, Value: []string{"$__all"}}
	var l layout
	intro := &Panel{Type: "text", Title: "How to read these panels",
		Options: map[string]any{"mode": "markdown", "content": "Each chart is one indicator of palermo's catalogue over its data years, one bar per period and series (jurisdiction · source), for the jurisdictions and periods chosen above. " +
			"Periods are labels ordered as text (years, then fiscal years); the report at /report/ places them on a true time axis. " +
			"Bars named *(unstable)*, drawn pale grey, are values whose denominator is small or whose agencies cover less than half the population: read them as indications, not trends. " +
			"The **direction** (up: higher is more victim-centred; down: lower is; neutral: context, never good or bad) is in each panel's description, and the map colours by it. " +
			"The panel description (the *i* icon) gives the question, the definition, the caveats and the sources. " +
			"Values under privacy suppression, censored at source or without data are not shown here; `indicators.csv` lists them with their reason."}}
	d.Panels = append(d.Panels, l.place(intro, 24, 4))
	var gaps []string
	for _, ind := range cat {
		if !ind.HasData() {
			continue
		}
		if _, ok := published[ind.ID]; !ok {
			gaps = append(gaps, ind.ID)
			continue
		}
		// Bar colours name the series (jurisdiction and source), so they
		// are never a direction's red or green: the direction is in the
		// description.
		fc := indicatorFieldConfig(ind)
		fc.Defaults.Color = map[string]any{"mode": "palette-classic"}
		fc.Overrides = []Override{}
		if fc.Defaults.Min == nil && ind.Unit != metrics.UnitPP {
			fc.Defaults.Min = f64(0) // counts, ratios and rates start at zero
		}
		p := periodChart(ind.Title, indicatorDescription(ind), fc,
			fmt.Sprintf(`%s{jurisdiction=~"$jurisdiction",period=~"$period"}`, ind.Metric()),
			fmt.Sprintf(`palermo_indicator_unstable{indicator=%q}`, ind.ID))
		d.Panels = append(d.Panels, l.place(p, 12, 9))
	}
	if si, ok := stateIndicators(cat, published); ok {
		d.Templating.List = append(d.Templating.List, si.variables...)
		l.row("US states: one indicator, one year, on a map")
		m := geomap("US states: ${state_indicator:text}, ${state_period}",
			"The chosen indicator for every state with a published value in the chosen year: darker is higher, in blues that mean neither good nor bad; the indicator's chart above says which way it leans. "+
				"A ring around a dot marks an unstable value (small denominator, or agencies covering less than half the population). "+
				"Each state's value, with its source and coverage, is also in the bar charts above and in indicators.csv.",
			"state", "public/gazetteer/usa-states.json", map[string]any{"id": "coords", "lat": 38, "lon": -96, "zoom": 3.3}, si.fieldConfig,
			`label_replace({__name__=~"palermo_${state_indicator}(_ratio)?",jurisdiction=~"US-.*",period="$state_period"}, "state", "$1", "jurisdiction", "US-(.*)")`,
			`label_replace(palermo_indicator_unstable{indicator="$state_indicator",jurisdiction=~"US-.*",period="$state_period"}, "state", "$1", "jurisdiction", "US-(.*)")`)
		d.Panels = append(d.Panels, l.place(m, 24, 14))
	}
	l.row("Coverage: how much of each indicator the data allow")
	cov := tablePanel("Rows by status", "Rows of the indicator table by status: ok, unstable (published, small denominator), suppressed (privacy or censored at source) and no_data (an input not reported). Large no_data counts are findings: the data are not published.",
		fieldConfig("none", 0), "", instant(`sum by (indicator, status) (palermo_indicator_rows)`, ""))
	d.Panels = append(d.Panels, l.place(cov, 12, 12))
	var b strings.Builder
	b.WriteString("Computed, but with no published value in the current data:\n\n")
	for _, id := range gaps {
		fmt.Fprintf(&b, "- `%s`\n", id)
	}
	b.WriteString("\nIn the catalogue, lacking a source:\n\n")
	for _, ind := range cat {
		if !ind.HasData() {
			fmt.Fprintf(&b, "- `%s`: %s\n", ind.ID, ind.MissingData)
		}
	}
	d.Panels = append(d.Panels, l.place(&Panel{Type: "text", Title: "Indicators without values", Options: map[string]any{"mode": "markdown", "content": b.String()}}, 12, 12))
	return d
}

// periodChart is a bar chart of one indicator over its data years: one bar
// per period and series (jurisdiction · source), from one instant query
// over the values selected. Values whose status is unstable (those the
// companion series palermo_indicator_unstable selected has too) are
// series of their own, named "... (unstable)" and drawn pale grey.
func periodChart(title, description string, fc *FieldConfig, values, unstable string) *Panel {
	series := func(v string) string {
		return fmt.Sprintf(`label_join(%s, "series", " · ", "jurisdiction", "source")`, v)
	}
	expr := series(values+" unless on(jurisdiction, period, source) "+unstable) + " or " +
		`label_replace(` + series(values+" and on(jurisdiction, period, source) "+unstable) + `, "series", "$1 (unstable)", "series", "(.*)")`
	fc.Overrides = append(fc.Overrides, Override{Matcher: map[string]any{"id": "byRegexp", "options": ".*\\(unstable\\)$"},
		Properties: []map[string]any{
			{"id": "color", "value": map[string]any{"mode": "fixed", "fixedColor": "#bdbdbd"}},
			{"id": "custom.fillOpacity", "value": 35},
		}})
	fc.Defaults.Custom = map[string]any{"fillOpacity": 80, "lineWidth": 1, "gradientMode": "none"}
	return &Panel{Type: "barchart", Title: title, Description: description, Datasource: dsVar,
		Targets: []Target{instant(expr, "")}, FieldConfig: fc,
		Options: map[string]any{"xField": "period", "orientation": "vertical", "showValue": "never", "stacking": "none",
			"groupWidth": 0.8, "barWidth": 0.9, "xTickLabelRotation": -45, "xTickLabelSpacing": 0,
			"legend":  map[string]any{"showLegend": true, "displayMode": "list", "placement": "bottom"},
			"tooltip": map[string]any{"mode": "multi", "sort": "none"}},
		Transformations: []Transformation{
			{ID: "groupingToMatrix", Options: map[string]any{"columnField": "series", "rowField": "period", "valueField": "Value", "emptyValue": "null"}},
			{ID: "organize", Options: map[string]any{"renameByName": map[string]any{"period\\series": "period"}}},
			{ID: "sortBy", Options: map[string]any{"sort": []map[string]any{{"field": "period"}}}},
		}}
}

// geomap places an indicator's values on a map by looking up a label in one
// of Grafana's gazetteers: countries by ISO 3166-1 alpha-3, US states by
// their two-letter code. The first query colours the markers; the second,
// the unstable values, rings them.
func geomap(title, description, lookup, gazetteer string, view map[string]any, fc *FieldConfig, values, unstable string) *Panel {
	b := instant(unstable, "")
	b.RefID = "B"
	marker := func(name, ref string, style map[string]any) map[string]any {
		return map[string]any{"type": "markers", "name": name, "tooltip": true,
			"location":   map[string]any{"mode": "lookup", "lookup": lookup, "gazetteer": gazetteer},
			"filterData": map[string]any{"id": "byRefId", "options": ref},
			"config":     map[string]any{"showLegend": ref == "A", "style": style}}
	}
	return &Panel{Type: "geomap", Title: title, Description: description, Datasource: dsVar,
		Targets: []Target{instant(values, ""), b}, FieldConfig: fc,
		Options: map[string]any{"view": view,
			"controls": map[string]any{"showZoom": true, "mouseWheelZoom": false, "showAttribution": true},
			"basemap":  map[string]any{"type": "default", "name": "Basemap"},
			"tooltip":  map[string]any{"mode": "details"},
			"layers": []map[string]any{
				marker("Values", "A", map[string]any{"color": map[string]any{"field": "Value", "fixed": "dark-blue"}, "opacity": 0.85,
					"size": map[string]any{"fixed": 7}, "symbol": map[string]any{"mode": "fixed", "fixed": "img/icons/marker/circle.svg"}}),
				marker("Unstable", "B", map[string]any{"color": map[string]any{"fixed": "#000000"}, "opacity": 0.9,
					"size": map[string]any{"fixed": 11}, "symbol": map[string]any{"mode": "fixed", "fixed": "img/icons/marker/circle.svg"}}),
			}}}
}

// mapFieldConfig colours a map whose indicator the reader chooses: darker
// is higher, in blues, which mean neither good nor bad; the direction of
// the chosen indicator is in the panel description and in its chart.
func mapFieldConfig(ind *metrics.Indicator) *FieldConfig {
	fc := indicatorFieldConfig(ind)
	fc.Defaults.Color = map[string]any{"mode": "continuous-blues"}
	fc.Overrides = []Override{}
	return fc
}

type stateMap struct {
	variables   []*Variable
	fieldConfig *FieldConfig
}

// stateIndicators offers the indicators published for at least five US
// states, the one with most state values first, and the year with most
// states for it.
func stateIndicators(cat []*metrics.Indicator, published Published) (stateMap, bool) {
	var opts []Option
	var best *metrics.Indicator
	bestN := 0
	for _, ind := range cat {
		n := 0
		for j := range published[ind.ID] {
			if strings.HasPrefix(j, "US-") {
				n++
			}
		}
		if n < 5 {
			continue
		}
		opts = append(opts, Option{Text: ind.Title, Value: ind.ID})
		if n > bestN {
			best, bestN = ind, n
		}
	}
	if best == nil {
		return stateMap{}, false
	}
	perPeriod := map[string]int{}
	for j, periods := range published[best.ID] {
		if strings.HasPrefix(j, "US-") {
			for _, p := range periods {
				perPeriod[p]++
			}
		}
	}
	period := ""
	for p, n := range perPeriod {
		if period == "" || n > perPeriod[period] || n == perPeriod[period] && p > period {
			period = p
		}
	}
	var def Option
	for i := range opts {
		if opts[i].Value == best.ID {
			opts[i].Selected, def = true, opts[i]
		}
	}
	return stateMap{
		variables: []*Variable{
			customVariable("state_indicator", "State map: indicator", "An indicator published for US states.", opts, def),
			queryVariable("state_period", "State map: year", "A year with values for the chosen indicator.",
				`label_values({__name__=~"palermo_${state_indicator}(_ratio)?",jurisdiction=~"US-.*"}, period)`, []string{period}, false),
		},
		fieldConfig: mapFieldConfig(best),
	}, true
}

func operations() *Dashboard {
	d := newDashboard("palermo-operations", "palermo: Operations",
		"Enforcement operations billed as anti-trafficking: victims identified against arrests, and operations that identified no victim.")
	var l layout
	ind := func(id string) *metrics.Indicator {
		i, _ := metrics.Lookup(id)
		return i
	}
	d.Panels = append(d.Panels,
		l.place(&Panel{Type: "text", Title: "About these numbers", Options: map[string]any{"mode": "markdown", "content": "Counts are those each operation's own public release announced. " +
			"Releases word them differently (children *recovered* or *identified*; *pimps and other individuals* or all arrests): the operations table keeps each release's wording. " +
			"`flag=minors_only` marks operations whose release gave only minors. A blank is *not reported*, never zero."}}, 24, 3),
		l.place(tablePanel("Victims identified per operation", "Victims identified or recovered, as announced.", fieldConfig("none", 0), "period",
			instant(`palermo_operation_victims_identified`, "{{operation}}")), 12, 10),
		l.place(tablePanel("Arrests per operation, by role", "role=all: every arrest of any kind; role=traffickers: alleged traffickers or pimps as worded by the release.", fieldConfig("none", 0), "period",
			instant(`palermo_operation_arrests`, "{{operation}} {{role}}")), 12, 10),
	)
	for _, id := range []string{"operation_victims_per_arrest", "operation_minors_per_trafficker_arrest"} {
		i := ind(id)
		d.Panels = append(d.Panels, l.place(tablePanel(i.Title, indicatorDescription(i), indicatorFieldConfig(i), "period",
			instant(i.Metric(), "")), 12, 9))
	}
	zero := &Panel{Type: "stat", Title: "Operations that identified no victim", Datasource: dsVar,
		Description: "Operations whose release reported zero victims identified. Zero is a reported zero; operations that did not report a count are not included.",
		Targets:     []Target{instant(`count(palermo_operation_victims_identified == 0) or vector(0)`, "")},
		FieldConfig: fieldConfig("none", 0), Options: map[string]any{"colorMode": "none", "graphMode": "none", "textMode": "value", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}}}}
	d.Panels = append(d.Panels, l.place(zero, 6, 6))
	i := ind("operations_without_victims_ratio")
	d.Panels = append(d.Panels, l.place(tablePanel(i.Title, indicatorDescription(i), indicatorFieldConfig(i), "period", instant(i.Metric(), "")), 10, 6))
	d.Panels = append(d.Panels, l.place(tablePanel("Coverage of the operations indicators", "Rows by status: no_data means the releases do not give the numbers the indicator needs.",
		fieldConfig("none", 0), "", instant(`sum by (indicator, status) (palermo_indicator_rows{indicator=~"operation.*"})`, "")), 8, 6))
	return d
}

func countries(cat []*metrics.Indicator, published Published) *Dashboard {
	var opts []Option
	var def Option
	for _, ind := range cat {
		if _, ok := published[ind.ID]; !ok || !slices.Contains(ind.Sources, "unodc_glotip") {
			continue
		}
		o := Option{Text: ind.Title, Value: ind.ID}
		if ind.ID == "prosecutions_per_detected_victim" {
			o.Selected, def = true, o
		}
		opts = append(opts, o)
	}
	if def.Value == "" && len(opts) > 0 {
		opts[0].Selected, def = true, opts[0]
	}
	d := newDashboard("palermo-countries", "palermo: Countries (UNODC)",
		"One indicator, one year, across the countries that report to UNODC's Global Report on Trafficking in Persons.",
		customVariable("indicator", "Indicator", "An indicator computed from UNODC data.", opts, def),
		queryVariable("period", "Year", "Data year.", `label_values({__name__=~"palermo_${indicator}(_ratio)?",source="unodc_glotip"}, period)`, []string{"2022"}, false),
		queryVariable("country", "Countries over time", "Countries charted over the years.",
			`label_values({__name__=~"palermo_${indicator}(_ratio)?",source="unodc_glotip"}, jurisdiction)`, []string{"DEU", "GBR", "NLD", "USA"}, true),
	)
	var l layout
	note := "Values under 5 are censored by UNODC (`<5`); ratios built on them are suppressed and do not appear. " +
		"National definitions differ: compare with care. Countries that reported nothing for the year are absent."
	d.Panels = append(d.Panels,
		l.place(&Panel{Type: "text", Title: "About this comparison", Options: map[string]any{"mode": "markdown", "content": note}}, 18, 4),
		l.place(&Panel{Type: "stat", Title: "Countries with a value", Datasource: dsVar, Targets: []Target{instant(`count({__name__=~"palermo_${indicator}(_ratio)?",source="unodc_glotip",period="$period"})`, "")},
			FieldConfig: fieldConfig("none", 0), Options: map[string]any{"colorMode": "none", "graphMode": "none", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}}}}, 6, 4),
	)
	bar := &Panel{Type: "barchart", Title: "Top 30 countries", Datasource: dsVar,
		Description: "The 30 highest values of the chosen indicator for the chosen year. Check each indicator's direction in the table's description before reading high as good or bad.",
		Targets:     []Target{instant(`topk(30, {__name__=~"palermo_${indicator}(_ratio)?",source="unodc_glotip",period="$period"})`, "{{jurisdiction}}")},
		FieldConfig: fieldConfig("short", 3),
		Options: map[string]any{"xField": "jurisdiction", "orientation": "horizontal", "showValue": "auto", "legend": map[string]any{"showLegend": false},
			"barWidth": 0.8, "groupWidth": 0.7, "stacking": "none", "xTickLabelRotation": 0},
		Transformations: []Transformation{{ID: "organize", Options: map[string]any{"excludeByName": map[string]any{"Time": true, "__name__": true, "period": true, "source": true, "job": true, "instance": true}}},
			{ID: "sortBy", Options: map[string]any{"sort": []map[string]any{{"field": "Value", "desc": true}}}}}}
	world := geomap("Map: ${indicator:text}, ${period}",
		"Every country with a published value for the chosen indicator and year, at its centre: darker is higher, in blues that mean neither good nor bad (the indicator's direction is in the chart's description below). "+
			"A ring marks an unstable value (denominator below 20). Countries are looked up by their ISO 3166-1 alpha-3 code.",
		"jurisdiction", "public/gazetteer/countries.json", map[string]any{"id": "coords", "lat": 20, "lon": 10, "zoom": 1.4}, mapFieldConfig(metrics.Catalogue[0]),
		`{__name__=~"palermo_${indicator}(_ratio)?",source="unodc_glotip",period="$period"}`,
		`palermo_indicator_unstable{indicator="$indicator",source="unodc_glotip",period="$period"}`)
	world.FieldConfig.Defaults.Unit, world.FieldConfig.Defaults.Decimals = "short", intp(3)
	d.Panels = append(d.Panels, l.place(world, 24, 14))
	d.Panels = append(d.Panels, l.place(countryChart(), 24, 10))
	d.Panels = append(d.Panels, l.place(bar, 12, 16))
	d.Panels = append(d.Panels, l.place(tablePanel("All countries", "Every country with a published value for the chosen indicator and year.", fieldConfig("short", 3), "value",
		instant(`{__name__=~"palermo_${indicator}(_ratio)?",source="unodc_glotip",period="$period"}`, "")), 12, 16))
	return d
}

// countryChart is the chosen indicator over the years for the chosen
// countries, unstable values pale, as the researchers' charts are.
func countryChart() *Panel {
	fc := fieldConfig("short", 3)
	fc.Defaults.Min = f64(0)
	return periodChart("${indicator:text}: the chosen countries over the years",
		"The chosen indicator for the chosen countries, one bar per data year; bars named (unstable) rest on a denominator below 20. "+
			"UNODC's national definitions differ: compare the shape of a country's series more than its level against another's.",
		fc, `{__name__=~"palermo_${indicator}(_ratio)?",jurisdiction=~"$country",source="unodc_glotip"}`,
		`palermo_indicator_unstable{indicator="$indicator"}`)
}

func pipelineHealth() *Dashboard {
	d := newDashboard("palermo-pipeline-health", "palermo: Pipeline health",
		"For operators: is every job running, succeeding and keeping its source fresh?")
	var l layout
	stat := func(title, desc, expr, unit string) *Panel {
		return &Panel{Type: "stat", Title: title, Description: desc, Datasource: dsVar, Targets: []Target{instant(expr, "")},
			FieldConfig: fieldConfig(unit, 0), Options: map[string]any{"colorMode": "value", "graphMode": "none", "reduceOptions": map[string]any{"calcs": []string{"lastNotNull"}}}}
	}
	up := stat("palermo up", "1 when Prometheus reached palermo at its last scrape.", `up{job="palermo"}`, "none")
	ready := stat("Ready", "1 when every enabled job has a good snapshot and the indicators include it (/readyz).", `palermo_ready`, "none")
	for _, p := range []*Panel{up, ready} {
		p.FieldConfig.Defaults.Color = map[string]any{"mode": "thresholds"}
		p.FieldConfig.Defaults.Thresholds = &Thresholds{Mode: "absolute", Steps: []Step{{Color: "red", Value: nil}, {Color: "green", Value: f64(1)}}}
	}
	d.Panels = append(d.Panels, l.place(up, 6, 4), l.place(ready, 6, 4),
		l.place(stat("Failed runs (all jobs)", "Failed runs since the data directory was created.", `sum(palermo_job_failures_total)`, "none"), 6, 4),
		l.place(stat("Indicator rows published", "Rows with a value (ok or unstable) in the latest indicator table.", `sum(palermo_indicator_rows{status=~"ok|unstable"})`, "none"), 6, 4))
	result := tablePanel("Last run result", "1: the job's last run succeeded; 0: it failed (the previous snapshot stays in use).", fieldConfig("none", 0), "", instant(`palermo_job_last_run_success`, ""))
	result.FieldConfig.Overrides = []Override{{Matcher: map[string]any{"id": "byName", "options": "value"}, Properties: []map[string]any{
		{"id": "mappings", "value": []map[string]any{{"type": "value", "options": map[string]any{"0": map[string]any{"text": "failed", "color": "red"}, "1": map[string]any{"text": "success", "color": "green"}}}}},
		{"id": "custom.cellOptions", "value": map[string]any{"type": "color-background"}},
	}}}
	d.Panels = append(d.Panels,
		l.place(result, 8, 7),
		l.place(tablePanel("Time since last success", "How long ago each job last succeeded. The staleness alert fires past twice the job's schedule interval.", fieldConfig("s", 0), "",
			instant(`time() - palermo_job_last_success_timestamp_seconds`, "")), 8, 7),
		l.place(tablePanel("Next run in", "Time until each job's next scheduled run (UTC schedules).", fieldConfig("s", 0), "",
			instant(`palermo_job_next_run_timestamp_seconds - time()`, "")), 8, 7),
		l.place(tablePanel("Last run duration", "Duration of each job's last run: fetch, parse, validate, store.", fieldConfig("s", 2), "",
			instant(`palermo_job_last_run_duration_seconds`, "")), 8, 7),
		l.place(tablePanel("Runs and failures", "Runs, failures and skipped runs (previous run still going) since the data directory was created.", fieldConfig("none", 0), "",
			instant(`label_replace(palermo_job_runs_total, "count", "runs", "", "") or label_replace(palermo_job_failures_total, "count", "failures", "", "") or label_replace(palermo_job_skipped_total, "count", "skipped", "", "")`, "")), 8, 7),
		l.place(tablePanel("Rows per table", "Rows in the current snapshots of each canonical table, over all sources.", fieldConfig("none", 0), "",
			instant(`palermo_table_rows`, "")), 8, 7),
		l.place(tablePanel("Rows quarantined", "Rows of each job's last run that failed validation and were left out of its snapshot; their positioned errors are in quarantine.txt beside it.", fieldConfig("none", 0), "",
			instant(`palermo_job_rows_quarantined`, "")), 8, 7),
		l.place(tablePanel("Data freshness per source", "Time since the bytes behind each source's snapshot were retrieved from the publisher. Embedded snapshots carry the date they were copied into palermo.", fieldConfig("s", 0), "",
			instant(`time() - palermo_source_retrieved_timestamp_seconds`, "")), 12, 7),
		l.place(tablePanel("Schedule interval", "Time between two scheduled runs of each job.", fieldConfig("s", 0), "",
			instant(`palermo_job_schedule_interval_seconds`, "")), 12, 7),
	)
	return d
}

// PanelQuery is a panel's title and its query expressions, with the
// variables its panels use, for tests that run them against Prometheus.
type PanelQuery struct {
	Title string
	Exprs []string
}

// PanelQueries lists every panel that queries, with its expressions.
func PanelQueries(d *Dashboard) []PanelQuery {
	var out []PanelQuery
	var walk func([]*Panel)
	walk = func(ps []*Panel) {
		for _, p := range ps {
			if len(p.Targets) > 0 {
				q := PanelQuery{Title: p.Title}
				for _, t := range p.Targets {
					q.Exprs = append(q.Exprs, t.Expr)
				}
				out = append(out, q)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

package report

import "html/template"

const layout = `{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="{{.Root}}assets/report.css"></head><body data-root="{{.Root}}">
<header class="top"><a class="home" href="{{.Root}}index.html">palermo report</a>
<span class="tag">Is anti-trafficking enforcement victim-centred? Public data, computed {{.Computed}}.</span></header>
<main>{{end}}
{{define "foot"}}</main>
<footer><p><a href="{{.Root}}index.html">All jurisdictions and indicators</a> ·
<a href="{{.Root}}operations/index.html">Enforcement operations</a> ·
<a href="{{.Root}}csv/indicators.csv">indicators.csv</a> (every row, with its status and reason) ·
<a href="https://github.com/palermo-project/palermo/blob/main/docs/indicators.md">definitions</a> ·
charts drawn with <a href="{{.Root}}assets/vendor/SOURCES.md">Observable Plot, d3 and Natural Earth / US Census maps</a>.</p>
<p>Only aggregates are published. {{.Privacy}} Values a publisher withheld stay withheld.
Every number carries its source and the date palermo retrieved it.</p></footer>
<script src="{{.Root}}assets/vendor/d3.min.js"></script>
<script src="{{.Root}}assets/vendor/plot.umd.min.js"></script>
<script src="{{.Root}}assets/vendor/topojson-client.min.js"></script>
<script src="{{.Root}}assets/palermo.js"></script>
{{range .Scripts}}<script src="{{$.Root}}{{.}}"></script>
{{end}}{{end}}
{{define "sources"}}<div class="sources"><b>Sources</b><ul>{{range .}}<li>{{.Label}}{{with .Kind}} ({{.}}){{end}}: {{range $i, $u := .URLs}}{{if $i}}, {{end}}<a href="{{$u}}">{{$u}}</a>{{end}}{{if .MoreURLs}} and {{.MoreURLs}} more pages{{end}}; retrieved {{.Retrieved}}{{with .Terms}}; terms: {{.}}{{end}}.</li>{{end}}</ul></div>{{end}}
{{define "about"}}<p class="dir">{{.Direction}} Unit: {{.Ind.Unit}}{{with .Ind.ShortUnit}} ({{.}}){{end}}.</p>
<p>{{.Ind.DescriptionShort}}</p>
<div class="caveats"><b>Caveats</b><ul>{{range .Ind.DescriptionKey}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{define "legend"}}<p class="key"><span class="k-pub">●</span> published · <span class="k-unstable">○</span> unstable (few cases or low coverage) ·
<span class="k-held">×</span> withheld (drawn on the axis, no value) · a bar across a dot: a period longer than a year</p>{{end}}
`

func parse(name, body string) *template.Template {
	t := template.Must(template.New(name).Funcs(funcs).Parse(layout))
	return template.Must(t.Parse(body))
}

var funcs = template.FuncMap{}

var indexTmpl = parse("index", `{{template "head" .}}
<h1>Is anti-trafficking enforcement victim-centred?</h1>
<p class="lead">palermo reads public enforcement data and shows which way a jurisdiction leans: towards protecting
victims (prosecution, protection, prevention) or towards detaining, deporting and disempowering them. Each indicator has a
direction; there is no composite score.</p>
<h2>Jurisdictions</h2>
{{range .Groups}}<h3>{{.Title}}</h3>
<ul class="jurisdictions">{{range .Entries}}<li><a href="{{.Code}}/index.html">{{.Name}}</a> <span class="code">{{.Code}}</span></li>{{end}}</ul>
{{end}}
<h2 id="indicators">Indicators</h2>
<p>Each indicator's page charts several jurisdictions together and ranks and maps them for one period.</p>
<table><thead><tr><th scope="col">indicator</th><th scope="col">reads</th><th scope="col">jurisdictions with values</th></tr></thead><tbody>
{{range .Indicators}}<tr><td><a href="indicators/{{.ID}}/index.html">{{.Title}}</a></td><td>{{.Scale}}</td><td>{{.Jurisdictions}}</td></tr>
{{end}}</tbody></table>
<h2>Operations</h2>
<p><a href="operations/index.html">{{.Operations}} enforcement operations</a>, each with the counts its own release gave.</p>
{{template "foot" .}}
<script>palermo.staticPage();</script>
</body></html>
`)

var jurisdictionTmpl = parse("jurisdiction", `{{template "head" .}}
<nav class="crumbs"><a href="../index.html">All jurisdictions</a> › {{.Name}} <span class="code">{{.Code}}</span></nav>
<h1>{{.Name}}</h1>
<p class="note">Each indicator has a <b>direction</b>: <i>up</i> means a higher value is more victim-centred, <i>down</i> a lower one,
and <i>neutral</i> marks context where both extremes are bad. Series colours tell jurisdictions apart and never mean good or bad.
Values are placed where their period falls in time: calendar years, fiscal years (October to September) and longer ranges.</p>
<div class="picker" data-for="compare"><label>Compare with <input type="text" list="jurisdiction-list" placeholder="a country or state" aria-label="add a jurisdiction to every chart"></label>
<button type="button">Add</button> <span class="chips" aria-live="polite"></span></div>
<datalist id="jurisdiction-list"></datalist>
<h2>Scorecard</h2>
<table class="scorecard"><thead><tr><th scope="col">indicator</th><th scope="col">latest value</th><th scope="col">trend</th><th scope="col">direction</th><th scope="col">data coverage</th></tr></thead><tbody>
{{range .Sections}}<tr><td><a href="#{{.Ind.ID}}">{{.Ind.Title}}</a></td><td>{{.Latest}}</td><td>{{.Trend}}</td><td>{{.Ind.Direction}}</td><td>{{.Coverage}}</td></tr>
{{end}}</tbody></table>
{{if .Operations}}<p><a href="../operations/index.html">{{.Operations}} enforcement operations</a> of {{.Name}} are listed one by one.</p>{{end}}
{{range .Sections}}
<section id="{{.Ind.ID}}" class="indicator">
<h2>{{.Ind.Title}}</h2>
<p class="question">{{.Ind.Question}}</p>
<figure class="chart" data-indicator="{{.Ind.ID}}" data-published="{{.Published}}" data-withheld="{{.Withheld}}">
<figcaption><span class="scale">{{.Scale}}</span> · <a href="../indicators/{{.Ind.ID}}/index.html">all jurisdictions, ranking and map</a></figcaption>
<div class="plot" role="img" aria-label="{{.Ind.Title}} over time; the data table below gives every value"></div>
{{template "legend"}}
<p class="downloads"><a class="csv" href="../csv/{{.Ind.ID}}.csv" download>Download the chart's rows (CSV)</a> · <a href="../csv/{{.Ind.ID}}.csv">every jurisdiction</a></p>
</figure>
<p class="coverage"><b>Coverage:</b> {{.Coverage}}.</p>
{{if .WithheldLines}}<div class="withheld"><b>Withheld, not zero:</b><ul>{{range .WithheldLines}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{template "about" .}}
{{template "sources" .Sources}}
<details class="datatable"><summary>Data table</summary>
<table><thead><tr><th scope="col">period</th><th scope="col">value</th><th scope="col">numerator</th><th scope="col">denominator</th><th scope="col">status</th><th scope="col">reason</th><th scope="col">source</th><th scope="col">source kind</th><th scope="col">coverage</th></tr></thead><tbody>
{{range .Rows}}<tr class="{{.Status}}"><td>{{.Period}}</td><td>{{.Value}}</td><td>{{.Numerator}}</td><td>{{.Denominator}}</td><td>{{.Status}}</td><td>{{.Reason}}</td><td>{{if .URL}}<a href="{{.URL}}">{{.Source}}</a>{{else}}{{.Source}}{{end}}</td><td>{{.Kind}}</td><td>{{.Coverage}}</td></tr>
{{end}}</tbody></table></details>
</section>
{{end}}
{{if .Missing}}<p class="missing"><b>Without data for {{.Name}}:</b> {{range $i, $m := .Missing}}{{if $i}}; {{end}}{{$m}}{{end}}.</p>{{end}}
{{template "foot" .}}
<script>palermo.jurisdictionPage({{.Code}});</script>
</body></html>
`)

var indicatorTmpl = parse("indicator", `{{template "head" .}}
<nav class="crumbs"><a href="../../index.html#indicators">All indicators</a> › {{.Ind.Title}}</nav>
<h1>{{.Ind.Title}}</h1>
<p class="question">{{.Ind.Question}}</p>
<p class="coverage">{{.Published}} published values in {{.Jurisdictions}} jurisdictions; {{.Withheld}} withheld.</p>
<div class="picker" data-for="chart"><label>Jurisdictions <input type="text" list="jurisdiction-list" placeholder="a country or state" aria-label="add a jurisdiction to the chart"></label>
<button type="button">Add</button> <span class="chips" aria-live="polite"></span></div>
<datalist id="jurisdiction-list"></datalist>
<figure class="chart" id="compare" data-indicator="{{.Ind.ID}}">
<figcaption><span class="scale">{{.Scale}}</span></figcaption>
<div class="plot" role="img" aria-label="{{.Ind.Title}} over time for the chosen jurisdictions; the data table below gives every value"></div>
{{template "legend"}}
<p class="downloads"><a class="csv" href="../../csv/{{.Ind.ID}}.csv" download>Download the chart's rows (CSV)</a> · <a href="../../csv/{{.Ind.ID}}.csv">every jurisdiction</a></p>
</figure>
<details class="datatable" id="compare-table"><summary>Data table</summary><table><thead><tr><th scope="col">jurisdiction</th><th scope="col">period</th><th scope="col">value</th><th scope="col">numerator</th><th scope="col">denominator</th><th scope="col">status</th><th scope="col">reason</th><th scope="col">source</th><th scope="col">source kind</th></tr></thead><tbody></tbody></table></details>
<h2 id="ranking-map">Ranking and map</h2>
<p class="controls"><label>Period <select id="period"></select></label> <label>Source <select id="source"></select></label></p>
<p class="rank-note"></p>
<div class="maps"><figure class="map" id="map-world" hidden><figcaption>Countries</figcaption><div class="plot" role="img" aria-label="map of countries; the ranking table gives every value"></div></figure>
<figure class="map" id="map-us" hidden><figcaption>US states (the map omits territories)</figcaption><div class="plot" role="img" aria-label="map of US states; the ranking table gives every value"></div></figure></div>
<table id="ranking"><thead><tr><th scope="col">rank</th><th scope="col">jurisdiction</th><th scope="col">value</th><th scope="col">numerator</th><th scope="col">denominator</th><th scope="col">status</th><th scope="col">source</th></tr></thead><tbody></tbody></table>
<h2>Definition</h2>
{{template "about" .}}
{{template "sources" .Sources}}
{{template "foot" .}}
<script>palermo.indicatorPage({{.Ind.ID}}, {{.Default}});</script>
</body></html>
`)

var operationsTmpl = parse("operations", `{{template "head" .}}
<nav class="crumbs"><a href="../index.html">palermo report</a> › Enforcement operations</nav>
<h1>Enforcement operations, one by one</h1>
<p class="note">Each operation's counts as its own release gave them, worded as the release worded them. A count the release did not
give is empty, not zero. These are official figures published as released; they are not derived from records.</p>
<p class="downloads"><a href="../csv/operations.csv" download>Download the operations (CSV)</a></p>
<table class="operations"><thead><tr><th scope="col">operation</th><th scope="col">jurisdiction</th><th scope="col">period</th><th scope="col">victims identified</th><th scope="col">arrests</th><th scope="col">of traffickers</th><th scope="col">victims counted</th><th scope="col">arrests counted</th><th scope="col">source kind</th></tr></thead><tbody>
{{range .Rows}}<tr><td>{{if .URL}}<a href="{{.URL}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}</td><td>{{.Jurisdiction}}</td><td>{{.Period}}</td><td>{{.Victims}}{{with .VictimsFlag}} <span class="flag">({{.}})</span>{{end}}</td><td>{{.Arrests}}</td><td>{{.Traffickers}}</td><td>{{.VictimsDefinition}}</td><td>{{.ArrestsDefinition}}</td><td>{{.Kind}}</td></tr>
{{end}}</tbody></table>
{{template "foot" .}}
<script>palermo.staticPage();</script>
</body></html>
`)

package report

import "html/template"

const style = `<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 62rem; color: #1d1d1f; line-height: 1.45; }
h1 { margin-bottom: .2rem; } .sub { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; font-size: .92rem; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
section { margin: 2.5rem 0; page-break-inside: avoid; }
section h2 { margin-bottom: .2rem; } .question { font-style: italic; margin-top: 0; }
img { width: 100%; max-width: 48rem; border: 1px solid #eee; }
.dir { font-weight: 600; } .sources { font-size: .85rem; color: #333; } .caveats { font-size: .9rem; }
.note { background: #f7f7f2; border-left: 4px solid #b8b08a; padding: .6rem 1rem; font-size: .9rem; }
</style>`

var pageTmpl = template.Must(template.New("page").Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>palermo report: {{.Jurisdiction}}{{with .Name}} ({{.}}){{end}}</title>` + style + `</head><body>
<h1>Is anti-trafficking enforcement victim-centred? {{.Jurisdiction}}{{with .Name}}: {{.}}{{end}}</h1>
<p class="sub">palermo report, computed {{.Computed}} from public data. Every number below carries its source and the date palermo retrieved it.</p>
<p class="note">Each indicator has a <b>direction</b>: <i>up</i> means a higher value is more victim-centred, <i>down</i> a lower one,
and <i>neutral</i> marks context where both extremes are bad. There is no composite score: the indicators measure different
things and are read one by one, with their caveats. Only aggregates are published; small counts of victims derived from records
are suppressed, and values a publisher withheld stay withheld.</p>
<h2>Scorecard</h2>
<table>
<tr><th>indicator</th><th>latest value</th><th>trend</th><th>direction</th><th>data coverage</th></tr>
{{range .Sections}}<tr>
<td><a href="#{{.Indicator.ID}}">{{.Indicator.Title}}</a></td>
<td>{{value .Indicator .Latest.Value}} ({{.Latest.Period}}{{if eq (printf "%s" .Latest.Status) "unstable"}}, unstable{{end}}{{with .Latest.Coverage}}; reporting agencies cover {{percent .}} of the population{{end}})</td>
<td>{{.Trend}}</td>
<td>{{.Indicator.Direction}}</td>
<td>{{.Coverage}}</td>
</tr>{{end}}
</table>
{{range .Sections}}
<section id="{{.Indicator.ID}}">
<h2>{{.Indicator.Title}}</h2>
<p class="question">{{.Indicator.Question}}</p>
<img src="{{.Chart}}" alt="{{.Indicator.Title}} over time">
<p class="dir">{{.Direction}} Unit: {{.Indicator.Unit}}{{with .Indicator.ShortUnit}} ({{.}}){{end}}.</p>
<p>{{.Indicator.DescriptionShort}}</p>
<div class="caveats"><b>Caveats</b><ul>{{range .Indicator.DescriptionKey}}<li>{{.}}</li>{{end}}</ul></div>
<div class="sources"><b>Sources</b><ul>{{range .Sources}}<li>{{.Label}}{{with .Kind}} ({{.}}){{end}}: {{range $i, $u := .URLs}}{{if $i}}, {{end}}<a href="{{$u}}">{{$u}}</a>{{end}}{{if .MoreURLs}} and {{.MoreURLs}} more pages{{end}}; retrieved {{.Retrieved}}{{with .Terms}}; terms: {{.}}{{end}}.</li>{{end}}</ul></div>
</section>
{{end}}
<p class="sources">Definitions: <a href="https://github.com/palermo-project/palermo/blob/main/docs/indicators.md">docs/indicators.md</a>.
Rows withheld for privacy or without data are listed with their reason in indicators.csv.</p>
</body></html>
`))

var indexTmpl = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>palermo reports</title>` + style + `</head><body>
<h1>palermo reports</h1>
<p class="sub">Is anti-trafficking enforcement victim-centred? One page per jurisdiction, computed {{.Computed}}.</p>
<ul>{{range .Entries}}<li><a href="{{.Code}}/index.html">{{.Code}}</a>{{with .Name}}: {{.}}{{end}}</li>{{end}}</ul>
</body></html>
`))

package metrics

import (
	"fmt"
	"io"
	"strings"

	"github.com/palermo-project/palermo/sources"
)

// WriteDocs writes docs/indicators.md from the catalogue, so the
// documentation advocates cite cannot drift from what palermo computes.
func WriteDocs(w io.Writer, cat []*Indicator) error {
	var b strings.Builder
	b.WriteString("# Indicators\n\n")
	b.WriteString("<!-- Generated from metrics/catalogue.go by `go test ./metrics -update`; do not edit. -->\n\n")
	b.WriteString("palermo's indicator catalogue: what each indicator asks, how it is computed, which way is more\n")
	b.WriteString("victim-centred, its caveats and its sources. **Direction** `up`: a higher value is more\n")
	b.WriteString("victim-centred; `down`: a lower one; `neutral`: context, where both extremes are bad, never\n")
	b.WriteString("coloured as good or bad. Every published value carries its status (`ok`, `unstable`,\n")
	b.WriteString("`suppressed`, `no_data`), its source URL and its retrieval date in `indicators.csv`.\n\n")
	b.WriteString("Each indicator names the principles of victim-centred enforcement it measures:\n\n")
	b.WriteString("| principle | |\n| --- | --- |\n")
	for _, p := range Principles {
		fmt.Fprintf(&b, "| %s | %s |\n", p.ID, p.Text)
	}
	b.WriteString("\n| indicator | unit | direction | computed from |\n| --- | --- | --- | --- |\n")
	for _, ind := range cat {
		from := strings.Join(ind.Sources, ", ")
		if !ind.HasData() {
			from = "lacks data: " + ind.MissingData
		}
		kind := ""
		switch {
		case ind.Context:
			kind = " (context)"
		case ind.ComponentOf != "":
			kind = " (component of `" + ind.ComponentOf + "`)"
		}
		fmt.Fprintf(&b, "| [`%s`](#%s)%s | %s | %s | %s |\n", ind.ID, ind.ID, kind, ind.Unit, ind.Direction, from)
	}
	for _, ind := range cat {
		fmt.Fprintf(&b, "\n## %s\n\n**%s** %s\n\n%s\n\n", ind.ID, ind.Title+".", ind.Question, ind.DescriptionShort)
		fmt.Fprintf(&b, "- **Numerator:** %s\n", ind.Numerator)
		if ind.Denominator != "" {
			fmt.Fprintf(&b, "- **Denominator:** %s\n", ind.Denominator)
		}
		fmt.Fprintf(&b, "- **Unit:** %s (`%s`)\n", ind.Unit, ind.ShortUnit)
		dir := string(ind.Direction)
		if ind.DirectionNote != "" {
			dir += " (" + ind.DirectionNote + ")"
		}
		fmt.Fprintf(&b, "- **Direction:** %s\n", dir)
		fmt.Fprintf(&b, "- **Principles:** %s\n", strings.Join(ind.Principles, ", "))
		if ind.NormativeAnchor != "" {
			fmt.Fprintf(&b, "- **Normative anchor:** %s\n", ind.NormativeAnchor)
		}
		fmt.Fprintf(&b, "- **Privacy class:** %s\n", ind.PrivacyClass)
		fmt.Fprintf(&b, "- **Metric:** `%s{jurisdiction,period,source}`\n", ind.Metric())
		if ind.HasData() {
			var names []string
			for _, s := range ind.Sources {
				if spec, ok := sources.Lookup(s); ok {
					names = append(names, fmt.Sprintf("`%s` (%s, <%s>)", s, spec.Origin.AttributionShort, spec.Origin.URLMain))
				}
			}
			fmt.Fprintf(&b, "- **Sources:** %s\n", strings.Join(names, "; "))
		} else {
			fmt.Fprintf(&b, "- **Not computed yet:** lacks %s\n", ind.MissingData)
		}
		b.WriteString("\nCaveats:\n\n")
		for _, c := range ind.DescriptionKey {
			fmt.Fprintf(&b, "- %s\n", c)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

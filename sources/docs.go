package sources

import (
	"fmt"
	"io"
	"strings"
)

// WriteDocs writes docs/sources.md from the registered specs, so the
// documentation of the sources cannot drift from the code.
func WriteDocs(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Sources\n\n")
	b.WriteString("<!-- Generated from the source specs in sources/*.go by `go test ./sources -update`; do not edit. -->\n\n")
	b.WriteString("Each source is one file in `sources/` declaring what the dataset is, who publishes it under which\n")
	b.WriteString("terms, how often palermo checks it, which canonical tables it fills and how it is parsed. Configure\n")
	b.WriteString("a source in `configs/palermo.yaml` with `location: embedded` (the snapshot shipped in the binary,\n")
	b.WriteString("where the terms allow one), an `http(s)` URL, or a local path.\n\n")
	b.WriteString("| source | tables | default schedule (UTC) | embedded snapshot | summary |\n| --- | --- | --- | --- | --- |\n")
	for _, s := range Specs() {
		emb := "none: configure a URL or path"
		if s.Embedded != nil {
			emb = fmt.Sprintf("`%s` (retrieved %s)", s.Embedded.File, s.Embedded.RetrievedAt.Format("2006-01-02"))
		}
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | `%s` | %s | %s |\n", s.Name, s.Name, strings.Join(s.Tables, ", "), s.DefaultSchedule, emb, s.Summary)
	}
	for _, s := range Specs() {
		o := s.Origin
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", s.Name, o.Description)
		fmt.Fprintf(&b, "- **Publisher:** %s\n", o.Producer)
		fmt.Fprintf(&b, "- **Title:** %s\n", o.Title)
		fmt.Fprintf(&b, "- **Canonical URL:** <%s>\n", o.URLMain)
		if o.URLDownload != "" {
			fmt.Fprintf(&b, "- **Download:** <%s>\n", o.URLDownload)
		}
		if o.DatePublished != "" {
			fmt.Fprintf(&b, "- **Published:** %s\n", o.DatePublished)
		}
		fmt.Fprintf(&b, "- **Terms:** %s (<%s>)\n", o.License.Name, o.License.URL)
		fmt.Fprintf(&b, "- **Cite as:** %s\n", o.CitationFull)
		fmt.Fprintf(&b, "- **Fills:** %s\n", strings.Join(s.Tables, ", "))
		fmt.Fprintf(&b, "- **Default schedule:** `%s` (UTC)\n", s.DefaultSchedule)
		if s.EditionInLabel {
			b.WriteString("- **Editions:** later editions restate earlier years; the edition is part of the published source label.\n")
		}
		if s.Name == "operations" {
			b.WriteString("\n### The operations CSV template\n\n")
			b.WriteString("`configs/operations_template.csv` holds the header. One row per operation:\n\n")
			b.WriteString("| column | content |\n| --- | --- |\n")
			for _, c := range OperationsTemplateColumns {
				fmt.Fprintf(&b, "| `%s` | %s |\n", c, operationsColumnDocs[c])
			}
			b.WriteString("\nAn empty count means *not reported* (it becomes `no_data` downstream); `0` means *reported as\n")
			b.WriteString("zero*. The two are never confused: \"identified no victims\" is the fact the sting indicators need.\n")
			b.WriteString("Columns other than these are refused, and so are columns that carry personal identifiers (names,\n")
			b.WriteString("birth dates, addresses, phone numbers). Check a file with `palermo validate --source operations FILE`.\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var operationsColumnDocs = map[string]string{
	"operation_id":                 "a unique id for the operation, e.g. `mn-bca-2024-03`",
	"agency":                       "the lead agency",
	"jurisdiction":                 "ISO 3166-1 alpha-3 (`USA`) or `US-XX` for a state (`US-MN`)",
	"start_date":                   "first day, `YYYY-MM-DD` (required; its year is the period)",
	"end_date":                     "last day, `YYYY-MM-DD`, not before `start_date`",
	"operation_type":               "`" + strings.Join(OperationTypes, "`, `") + "`",
	"arrests_total":                "every arrest of any kind",
	"arrests_traffickers":          "alleged traffickers arrested",
	"arrests_buyers":               "people arrested for buying sex",
	"arrests_sellers":              "people arrested for selling sex",
	"victims_identified_adult":     "adult victims identified",
	"victims_identified_minor":     "minor victims identified",
	"victims_referred_to_services": "victims referred to services",
	"victims_arrested":             "identified victims who were arrested",
	"continued_presence_requests":  "Continued Presence requests made for victims",
	"source_url":                   "the public page the numbers come from (http or https)",
}

package metrics

import (
	"strings"

	"github.com/palermo-project/palermo/sources"
)

// PageKinds is the set of kinds of page a value rests on: the publisher's
// own (primary), a reproduction (secondary), or both.
type PageKinds uint8

const (
	PagePrimary PageKinds = 1 << iota
	PageSecondary
)

// pageKind reads a page kind as the tables store it.
func pageKind(kind string) PageKinds {
	switch kind {
	case sources.KindPrimary:
		return PagePrimary
	case sources.KindSecondary:
		return PageSecondary
	}
	return 0
}

// String is the source_kind column: primary, secondary or
// primary;secondary.
func (k PageKinds) String() string {
	switch k {
	case PagePrimary:
		return sources.KindPrimary
	case PageSecondary:
		return sources.KindSecondary
	case PagePrimary | PageSecondary:
		return sources.KindPrimary + ";" + sources.KindSecondary
	}
	return ""
}

// urlKinds caches the kind of the last page seen, since consecutive
// operations of a log mostly cite the same page.
type urlKinds struct {
	url  string
	kind PageKinds
}

func (c *urlKinds) of(url string) PageKinds {
	if url != c.url || c.kind == 0 {
		c.url, c.kind = strings.Clone(url), pageKind(sources.PageKind(url)) // url may point into a batch
	}
	return c.kind
}

// arrestDefinitions caches whether the last arrest definition seen counts
// suspects "identified or arrested" rather than arrests only.
type arrestDefinitions struct {
	def  string
	seen bool
	is   bool
}

func (c *arrestDefinitions) identifiedOrArrested(def string) bool {
	if !c.seen || def != c.def {
		c.def, c.seen = strings.Clone(def), true
		c.is = strings.Contains(strings.ToLower(def), "identified or arrested")
	}
	return c.is
}

// SourcePages is what the rows of one source rest on: the kinds of the
// pages cited, and the terms of each site, in the order first cited.
type SourcePages struct {
	Kinds PageKinds
	Sites []SiteTerms
}

// SiteTerms are the terms of the pages of one site.
type SiteTerms struct {
	Host  string
	Kind  string // primary or secondary
	Terms sources.License
}

// PagesBySource gathers, for every source of a snapshot, the pages its
// rows cite: a source whose rows cite a blog carries that blog's terms,
// not the publisher's.
func PagesBySource(snap *Snapshot) map[string]*SourcePages {
	out := map[string]*SourcePages{}
	seen := map[string]bool{}
	for i := range snap.Rows {
		r := &snap.Rows[i]
		sp := out[r.SourceName]
		if sp == nil {
			sp = &SourcePages{}
			out[r.SourceName] = sp
		}
		sp.Kinds |= r.SourceKind
		for _, u := range strings.Fields(r.SourceURL) {
			host := sources.PageHost(u)
			if seen[r.SourceName+" "+host] {
				continue
			}
			seen[r.SourceName+" "+host] = true
			sp.Sites = append(sp.Sites, SiteTerms{Host: host, Kind: sources.PageKind(u), Terms: sources.PageTerms(u)})
		}
	}
	return out
}

// TermsText names the terms of a source's pages in one line, site by site,
// falling back to the terms its publisher declares when no row cites a
// page.
func (sp *SourcePages) TermsText(fallback sources.License) string {
	if sp == nil || len(sp.Sites) == 0 {
		return fallback.Name
	}
	var parts []string
	for _, s := range sp.Sites {
		if s.Kind == sources.KindSecondary {
			parts = append(parts, s.Host+": its own terms (a third party's page reproducing the figures; not a government work)")
		} else {
			parts = append(parts, s.Host+": "+s.Terms.Name)
		}
	}
	return strings.Join(parts, "; ")
}

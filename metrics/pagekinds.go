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

// lastOf caches what derive makes of the last string it was asked about:
// consecutive operations of a log mostly share their page and their
// definitions, so a column is classified once per run of equal values.
type lastOf[T any] struct {
	key    string
	seen   bool
	value  T
	derive func(string) T
}

func (c *lastOf[T]) of(key string) T {
	if !c.seen || key != c.key {
		c.key, c.seen, c.value = strings.Clone(key), true, c.derive(key) // key may point into a batch
	}
	return c.value
}

// pageKindOf is the kind of a page as the operations tables cite it.
func pageKindOf(url string) PageKinds { return pageKind(sources.PageKind(url)) }

// countsIdentifiedOrArrested says whether an arrest definition counts
// suspects "identified or arrested" rather than arrests only.
func countsIdentifiedOrArrested(def string) bool {
	return strings.Contains(strings.ToLower(def), "identified or arrested")
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

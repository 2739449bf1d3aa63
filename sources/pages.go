package sources

import "strings"

// Page kinds: where a number was read. A primary page is the publisher's
// own page or file (the agency that counted); a secondary page reproduces
// it (a news story, a blog, a law firm's summary, a compilation).
const (
	KindPrimary   = "primary"
	KindSecondary = "secondary"
)

// publisherSites are the hosts whose pages are a publisher's own: US
// government and UN sites, and the sites of the non-governmental
// publishers of a dataset palermo reads. A page on any other host is a
// reproduction. A subdomain counts as its parent (archives.fbi.gov).
var publisherSites = []struct {
	suffix string
	terms  License
}{
	{".gov", usGovernmentWork},
	{".mil", usGovernmentWork},
	{"dataunodc.un.org", License{Name: "UNODC data portal terms of use", URL: "https://dataunodc.un.org/termsofuse"}},
	{"unodc.org", License{Name: "UNODC terms of use", URL: "https://www.unodc.org/unodc/en/terms-of-use.html"}},
	{"un.org", License{Name: "United Nations terms of use", URL: "https://www.un.org/en/about-us/terms-of-use"}},
	{"ctdatacollaborative.org", License{Name: "CTDC terms of use (no re-identification; read before redistributing)", URL: "https://www.ctdatacollaborative.org/terms-use"}},
	{"traffickinginstitute.org", License{Name: "Human Trafficking Institute: all rights reserved; figures quoted with attribution", URL: "https://traffickinginstitute.org/federal-human-trafficking-report/"}},
}

var usGovernmentWork = License{Name: "Public domain (U.S. Government work, 17 U.S.C. 105)", URL: "https://www.usa.gov/government-copyright"}

// PageHost returns the lower-case host of an http(s) URL without a port or
// the trailing dot of a fully qualified name, or "" for anything else. It
// allocates nothing for a URL already in lower case.
func PageHost(url string) string {
	var rest string
	switch {
	case len(url) >= 8 && strings.EqualFold(url[:8], "https://"):
		rest = url[8:]
	case len(url) >= 7 && strings.EqualFold(url[:7], "http://"):
		rest = url[7:]
	default:
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		rest = rest[:i]
	}
	rest = strings.TrimSuffix(rest, ".")
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(rest)
		}
	}
	return rest
}

// site returns the publisher site a URL is on, or -1 for a reproduction.
func site(url string) int {
	host := PageHost(url)
	for i, s := range publisherSites {
		if strings.HasPrefix(s.suffix, ".") {
			if strings.HasSuffix(host, s.suffix) {
				return i
			}
		} else if host == s.suffix || strings.HasSuffix(host, "."+s.suffix) {
			return i
		}
	}
	return -1
}

// PageKind says whether a page is a publisher's own (primary) or a
// reproduction (secondary), from its host.
func PageKind(url string) string {
	if site(url) >= 0 {
		return KindPrimary
	}
	return KindSecondary
}

// PageTerms returns the terms of the page a number was read from: those
// of the publisher for its own pages, and for any other page the terms
// its own site states, which palermo cannot vouch for (a blog or a law
// firm's page is not a government work, whatever figures it reproduces).
func PageTerms(url string) License {
	if i := site(url); i >= 0 {
		return publisherSites[i].terms
	}
	host := PageHost(url)
	if host == "" {
		host = url
	}
	return License{Name: "the terms of " + host + " (a third party's page reproducing the figures; not a government work)", URL: url}
}

func isHTTPURL(s string) bool {
	return (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) && strings.IndexByte(s, ' ') < 0 && strings.IndexByte(s, '\t') < 0
}

// cdeURL is the FBI Crime Data Explorer, where NIBRS bundles and the UCR
// files are published.
const cdeURL = "https://cde.ucr.cjis.gov/"

package sources

import "testing"

func TestPageKindAndTerms(t *testing.T) {
	for _, c := range []struct {
		url, host, kind, terms string
	}{
		{"https://www.state.gov/j/tip/rls/tiprpt/2006/65986.htm", "www.state.gov", KindPrimary, "Public domain (U.S. Government work, 17 U.S.C. 105)"},
		{"http://m.state.gov/md105380.htm", "m.state.gov", KindPrimary, "Public domain (U.S. Government work, 17 U.S.C. 105)"},
		{"https://archives.fbi.gov/archives/news/pressrel", "archives.fbi.gov", KindPrimary, "Public domain (U.S. Government work, 17 U.S.C. 105)"},
		{"https://ojp.gov./library/publications/x", "ojp.gov", KindPrimary, "Public domain (U.S. Government work, 17 U.S.C. 105)"},
		{"HTTPS://WWW.CBP.GOV:443/trade", "www.cbp.gov", KindPrimary, "Public domain (U.S. Government work, 17 U.S.C. 105)"},
		{"https://dataunodc.un.org/sites/dataunodc.un.org/files/data_glotip.xlsx", "dataunodc.un.org", KindPrimary, "UNODC data portal terms of use"},
		{"https://www.ctdatacollaborative.org/global-dataset", "www.ctdatacollaborative.org", KindPrimary, "CTDC terms of use (no re-identification; read before redistributing)"},
		// Reproductions: a blog, an NGO's copy, a law firm, a TV station,
		// and hosts that only look governmental.
		{"https://frockman232.blogspot.com/2010/06/x.html", "frockman232.blogspot.com", KindSecondary, "the terms of frockman232.blogspot.com (a third party's page reproducing the figures; not a government work)"},
		{"https://greenlightoperation.org/?p=5924", "greenlightoperation.org", KindSecondary, ""},
		{"https://www.cmtradelaw.com/2021/01/x", "www.cmtradelaw.com", KindSecondary, ""},
		{"https://www.wsaw.com/2023/08/01/x/", "www.wsaw.com", KindSecondary, ""},
		{"https://state.gov.example.com/x", "state.gov.example.com", KindSecondary, ""},
		{"https://notun.org/x", "notun.org", KindSecondary, ""},
		{"https://user:pw@state.gov@evil.com/x", "evil.com", KindSecondary, ""},
		{"ftp://state.gov/x", "", KindSecondary, ""},
	} {
		if got := PageHost(c.url); got != c.host {
			t.Errorf("PageHost(%q) = %q, want %q", c.url, got, c.host)
		}
		if got := PageKind(c.url); got != c.kind {
			t.Errorf("PageKind(%q) = %q, want %q", c.url, got, c.kind)
		}
		if c.terms != "" {
			if got := PageTerms(c.url).Name; got != c.terms {
				t.Errorf("PageTerms(%q) = %q, want %q", c.url, got, c.terms)
			}
		}
	}
}

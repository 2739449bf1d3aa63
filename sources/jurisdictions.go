package sources

import (
	"fmt"
	"strings"

	"github.com/palermo-project/palermo/internal/iso3166"
)

// usSubdivisions are the ISO 3166-2:US codes (states, the District of
// Columbia and the outlying areas) with their names. Generated from Debian's
// iso-codes 4.15.0 (iso_3166-2.json).
var usSubdivisions = map[string]string{
	"US-AK": "Alaska",
	"US-AL": "Alabama",
	"US-AR": "Arkansas",
	"US-AS": "American Samoa",
	"US-AZ": "Arizona",
	"US-CA": "California",
	"US-CO": "Colorado",
	"US-CT": "Connecticut",
	"US-DC": "District of Columbia",
	"US-DE": "Delaware",
	"US-FL": "Florida",
	"US-GA": "Georgia",
	"US-GU": "Guam",
	"US-HI": "Hawaii",
	"US-IA": "Iowa",
	"US-ID": "Idaho",
	"US-IL": "Illinois",
	"US-IN": "Indiana",
	"US-KS": "Kansas",
	"US-KY": "Kentucky",
	"US-LA": "Louisiana",
	"US-MA": "Massachusetts",
	"US-MD": "Maryland",
	"US-ME": "Maine",
	"US-MI": "Michigan",
	"US-MN": "Minnesota",
	"US-MO": "Missouri",
	"US-MP": "Northern Mariana Islands",
	"US-MS": "Mississippi",
	"US-MT": "Montana",
	"US-NC": "North Carolina",
	"US-ND": "North Dakota",
	"US-NE": "Nebraska",
	"US-NH": "New Hampshire",
	"US-NJ": "New Jersey",
	"US-NM": "New Mexico",
	"US-NV": "Nevada",
	"US-NY": "New York",
	"US-OH": "Ohio",
	"US-OK": "Oklahoma",
	"US-OR": "Oregon",
	"US-PA": "Pennsylvania",
	"US-PR": "Puerto Rico",
	"US-RI": "Rhode Island",
	"US-SC": "South Carolina",
	"US-SD": "South Dakota",
	"US-TN": "Tennessee",
	"US-TX": "Texas",
	"US-UM": "United States Minor Outlying Islands",
	"US-UT": "Utah",
	"US-VA": "Virginia",
	"US-VI": "Virgin Islands, U.S.",
	"US-VT": "Vermont",
	"US-WA": "Washington",
	"US-WI": "Wisconsin",
	"US-WV": "West Virginia",
	"US-WY": "Wyoming",
}

// fbiStateAliases are the state abbreviations the FBI uses where ISO 3166-2
// differs: Nebraska is NB in the FBI's NIBRS and UCR files (an abbreviation
// older than the postal NE), and Guam's ORIs begin GM.
var fbiStateAliases = map[string]string{"NB": "NE", "GM": "GU"}

// USState returns the ISO 3166-2 code (US-NE) of a US state, district or
// outlying area given by its two-letter abbreviation as a US publisher
// writes it (NE, or the FBI's NB), or an error naming the abbreviation.
func USState(abbr string) (string, error) {
	a := strings.ToUpper(strings.TrimSpace(abbr))
	if iso, ok := fbiStateAliases[a]; ok {
		a = iso
	}
	code := "US-" + a
	if _, ok := usSubdivisions[code]; !ok {
		return "", fmt.Errorf("state %q is not a US state, district or outlying area (ISO 3166-2:US)", abbr)
	}
	return code, nil
}

// StateName names a US-XX code, or returns "" for a code that is not one.
func StateName(code string) string { return usSubdivisions[code] }

// alpha3Codes holds every ISO 3166-1 alpha-3 code palermo knows.
var alpha3Codes = func() map[string]bool {
	m := make(map[string]bool, len(iso3166.Alpha2))
	for _, a3 := range iso3166.Alpha2 {
		m[a3] = true
	}
	return m
}()

// ValidJurisdiction says whether a code is one palermo publishes under: an
// ISO 3166-1 alpha-3 country code, an ISO 3166-2:US code, WLD for the world,
// or one of the State Department's TIP regions.
func ValidJurisdiction(code string) bool {
	switch {
	case code == "WLD":
		return true
	case strings.HasPrefix(code, "US-"):
		_, ok := usSubdivisions[code]
		return ok
	case strings.HasPrefix(code, "TIP-"):
		for _, r := range tipRegions {
			if r.code == code {
				return true
			}
		}
		return false
	}
	return alpha3Codes[code]
}

// tipRegions maps the report's region names (which changed between editions)
// onto palermo's jurisdiction codes: WLD for the world, and the State
// Department's regional bureau codes for its regions.
var tipRegions = map[string]struct{ code, name string }{
	"Global":                 {"WLD", "World"},
	"Africa":                 {"TIP-AF", "Africa"},
	"East Asia and Pacific":  {"TIP-EAP", "East Asia and Pacific"},
	"Europe":                 {"TIP-EUR", "Europe and Eurasia"},
	"Europe and Eurasia":     {"TIP-EUR", "Europe and Eurasia"},
	"Near East":              {"TIP-NEA", "Near East"},
	"South Asia":             {"TIP-SCA", "South and Central Asia"},
	"South and Central Asia": {"TIP-SCA", "South and Central Asia"},
	"Western Hemisphere":     {"TIP-WHA", "Western Hemisphere"},
}

// stateByName finds a state, or DC, by its name as the FBI tables print it
// in capitals (the compilation writes DC as WASHINGTON DC).
var stateByName = func() map[string]string {
	m := map[string]string{"WASHINGTON DC": "US-DC", "U.S. VIRGIN ISLANDS": "US-VI"}
	for code, name := range usSubdivisions {
		m[strings.ToUpper(name)] = code
	}
	return m
}()

// Package identifiers recognises the columns of a data file that carry
// personal identifiers, which palermo refuses in every source: it publishes
// aggregates only, and a file with names, birth dates, addresses, phone
// numbers, e-mail addresses or identity numbers is not an aggregate.
package identifiers

import (
	"strings"
	"unicode"
)

// Headers are compared after normalisation (case, spaces,
// hyphens, dots and camelCase all become lower-case words joined by "_"),
// so "Phone Number", "DateOfBirth" and "victim-name" are recognised as
// "phone_number", "date_of_birth" and "victim_name".

// identifierNames are whole normalised headers that are identifiers.
var identifierNames = map[string]bool{
	"name": true, "surname": true, "dob": true, "birthdate": true, "birthday": true, "ssn": true,
	"address": true, "email": true, "e_mail": true, "phone": true, "telephone": true, "mobile": true,
	"social_security_number": true, "passport": true, "passport_number": true, "national_id": true,
	"id_number": true, "tax_id": true, "ip_address": true, "geolocation": true, "latitude": true, "longitude": true,
}

// identifierWords mark an identifier wherever they stand in a header.
var identifierWords = []string{"phone", "email", "birth", "address", "ssn", "passport", "surname", "firstname", "lastname", "fullname"}

// personWords, before "name", make it a person's name (victim_name,
// first_name); other names (agency_name, state_name) are not identifiers.
var personWords = map[string]bool{"first": true, "last": true, "middle": true, "given": true, "family": true, "full": true,
	"maiden": true, "victim": true, "suspect": true, "offender": true, "arrestee": true, "person": true, "client": true,
	"contact": true, "user": true, "survivor": true, "trafficker": true, "buyer": true, "seller": true, "defendant": true, "nick": true}

// Normalise turns a column header into lower-case words joined by "_".
func Normalise(h string) string {
	var b strings.Builder
	prevLower := false
	sep := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
			b.WriteByte('_')
		}
	}
	for _, r := range strings.TrimSpace(h) {
		switch {
		case unicode.IsUpper(r):
			if prevLower {
				sep()
			}
			b.WriteRune(unicode.ToLower(r))
			prevLower = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		default:
			sep()
			prevLower = false
		}
	}
	return strings.Trim(b.String(), "_")
}

// IsIdentifier reports whether a header names a column of personal
// identifiers.
func IsIdentifier(header string) bool {
	n := Normalise(header)
	if identifierNames[n] {
		return true
	}
	words := strings.Split(n, "_")
	joined := strings.Join(words, "")
	for _, w := range identifierWords {
		if strings.Contains(joined, w) {
			return true
		}
	}
	for i, w := range words {
		if w == "name" && i > 0 && personWords[words[i-1]] {
			return true
		}
		if (w == "dob" || w == "ssn") && len(words) > 1 {
			return true
		}
	}
	return false
}

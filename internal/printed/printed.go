// Package printed reads numbers as publishers print them in tables meant
// for people: 5,468 with thousands separators, or 12.0 where a spreadsheet
// or pandas wrote a whole number as a float.
package printed

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// count is a whole number with its thousands separators every three digits
// from the right, or none, and an optional ".0".
var count = regexp.MustCompile(`^(\d{1,3}(?:,\d{3})+|\d+)(?:\.0)?$`)

// ErrMisplaced is the error of a count whose thousands separators are not
// every three digits from the right.
var ErrMisplaced = errors.New("misplaced thousands separators")

// Count reads a non-negative whole number written 5,468, 5468 or 5468.0.
// Misplaced separators (54,68), signs, other decimals and junk are errors.
func Count(s string) (int64, error) {
	m := count.FindStringSubmatch(s)
	if m == nil {
		return 0, &notCount{s}
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(m[1], ",", ""), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, err)
	}
	return n, nil
}

// notCount is the error of a text that is not a count; it is ErrMisplaced
// when the text is digits and commas with the commas misplaced.
type notCount struct{ s string }

func (e *notCount) Error() string {
	return fmt.Sprintf("%q is not a whole number (digits, thousands separators, an optional .0)", e.s)
}

func (e *notCount) Is(target error) bool {
	return target == ErrMisplaced && strings.Contains(e.s, ",") && strings.Trim(e.s, "0123456789,") == ""
}

// Package diag holds the positioned errors every parser of palermo reports:
// a problem at FILE:LINE:COL, and a bounded list of them for one parse.
package diag

import (
	"errors"
	"fmt"
	"strings"
)

// PosError is a problem found at a position in an input file. Its text is
// "FILE:LINE:COL: message", the form compilers use, so editors and CI logs
// can jump to it. For spreadsheets LINE is the sheet row and COL the column
// number, and Cell names the cell as a spreadsheet shows it.
type PosError struct {
	File string
	Line int
	Col  int
	Cell string // e.g. "data_glotip_1!L12"; empty for text formats
	Msg  string
}

func (e *PosError) Error() string {
	if e.Cell != "" {
		return fmt.Sprintf("%s:%d:%d: %s (cell %s)", e.File, e.Line, e.Col, e.Msg, e.Cell)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// MaxErrors bounds how many positioned errors one parse collects before it
// stops, so a file of the wrong kind gives a readable report, not a flood.
const MaxErrors = 50

// ErrorList collects the positioned errors of one parse.
type ErrorList []*PosError

// Keep appends errs while the list holds fewer than MaxErrors: a file
// with a million bad rows reports the first fifty.
func (l *ErrorList) Keep(errs ...*PosError) {
	for _, e := range errs {
		if len(*l) >= MaxErrors {
			return
		}
		*l = append(*l, e)
	}
}

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns nil for an empty list, so callers can write `return list.Err()`.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Positions flattens an error into its positioned parts: the members of an
// ErrorList, a single PosError, or nothing when the error carries no position.
func Positions(err error) []*PosError {
	var list ErrorList
	if errors.As(err, &list) {
		return list
	}
	var pe *PosError
	if errors.As(err, &pe) {
		return []*PosError{pe}
	}
	return nil
}

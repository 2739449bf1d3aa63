package diag

import (
	"errors"
	"fmt"
	"testing"
)

// TestErrorListKeep: a list keeps the first MaxErrors problems, in order,
// however they are added.
func TestErrorListKeep(t *testing.T) {
	var l ErrorList
	for i := 1; i <= 30; i++ {
		l.Keep(&PosError{Line: i})
	}
	more := make([]*PosError, 40)
	for i := range more {
		more[i] = &PosError{Line: 31 + i}
	}
	l.Keep(more...)
	if len(l) != MaxErrors || l[0].Line != 1 || l[MaxErrors-1].Line != MaxErrors {
		t.Fatalf("kept %d, first line %d, last line %d", len(l), l[0].Line, l[len(l)-1].Line)
	}
}

// TestPositions: an error carries its positions through wrapping, whether
// it is one PosError or a list; an error without a position has none.
func TestPositions(t *testing.T) {
	one := &PosError{File: "f.csv", Line: 3, Col: 7, Msg: "bad"}
	if got := one.Error(); got != "f.csv:3:7: bad" {
		t.Errorf("Error() = %q", got)
	}
	cell := &PosError{File: "w.xlsx", Line: 12, Col: 12, Cell: "sheet!L12", Msg: "bad"}
	if got := cell.Error(); got != "w.xlsx:12:12: bad (cell sheet!L12)" {
		t.Errorf("Error() = %q", got)
	}
	list := ErrorList{one, cell}
	for err, want := range map[error]int{
		fmt.Errorf("parse: %w", one): 1, fmt.Errorf("parse: %w", list): 2, errors.New("plain"): 0,
	} {
		if got := len(Positions(err)); got != want {
			t.Errorf("Positions(%v) has %d, want %d", err, got, want)
		}
	}
	if (ErrorList{}).Err() != nil || list.Err() == nil {
		t.Error("Err() of an empty list must be nil, of a full one not")
	}
}

package printed

import (
	"errors"
	"testing"
)

func TestCount(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"12", 12, true}, {"12.0", 12, true}, {"5,468", 5468, true}, {"1,234,567", 1234567, true},
		{"54,68", 0, false}, {"1,2345", 0, false}, {",123", 0, false}, {"-3", 0, false}, {"12.5", 0, false},
		{"", 0, false}, {"1 234", 0, false}, {"99999999999999999999", 0, false},
	} {
		got, err := Count(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("Count(%q) = %d, %v; want %d, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestMisplaced(t *testing.T) {
	for s, want := range map[string]bool{"54,68": true, "1,2345": true, ",123": true, "12a": false, "-3": false, "1.5": false} {
		_, err := Count(s)
		if got := errors.Is(err, ErrMisplaced); got != want {
			t.Errorf("Count(%q): errors.Is(err, ErrMisplaced) = %v, want %v", s, got, want)
		}
	}
}

package closest

import "testing"

func TestMatch(t *testing.T) {
	known := []string{"Minnesota", "Missouri", "US-MN", "prosecutions_per_detected_victim"}
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"minesota", 0, true},
		{"MINNESOTA", 0, true},
		{"us-mm", 2, true},
		{"prosecution_per_detected_victims", 3, true},
		{"atlantis", -1, false},
	} {
		i, ok := Match(c.in, known)
		if ok != c.ok || ok && i != c.want {
			t.Errorf("Match(%q) = %d, %v; want %d, %v", c.in, i, ok, c.want, c.ok)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance = %d, want 3", d)
	}
}

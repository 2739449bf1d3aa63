// Package closest finds what a user probably meant: the known name nearest
// to a mistyped one, for "did you mean ...?" messages.
package closest

import "strings"

// Match returns the index in known of the name closest to s, ignoring
// case, and whether it is close enough to suggest: within a third of the
// length of s, and at least three edits.
func Match(s string, known []string) (int, bool) {
	best, bestD := -1, 1<<30
	low := strings.ToLower(s)
	for i, k := range known {
		if d := Distance(low, strings.ToLower(k)); d < bestD {
			best, bestD = i, d
		}
	}
	return best, best >= 0 && bestD <= max(3, len(s)/3)
}

// Distance is the Levenshtein distance of two strings, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

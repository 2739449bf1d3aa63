package sources

import (
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
)

type arrowBatch = arrow.RecordBatch

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func ptr[T any](v T) *T { return &v }

// lessPairs orders by the first pair whose two strings differ; it is the
// less function of a sort over several keys.
func lessPairs(pairs [][2]string) bool {
	for _, p := range pairs {
		if p[0] != p[1] {
			return p[0] < p[1]
		}
	}
	return false
}

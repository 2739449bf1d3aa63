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

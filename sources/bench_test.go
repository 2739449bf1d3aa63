package sources

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkParse measures each embedded snapshot's parse (MB/s of the raw
// file, allocations). The embedded default's full refresh is dominated by
// the UNODC workbook (26 MB of worksheet XML).
func BenchmarkParse(b *testing.B) {
	for _, spec := range Specs() {
		if spec.Embedded == nil {
			continue
		}
		data, err := os.ReadFile("snapshots/" + spec.Embedded.File)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(spec.Name, func(b *testing.B) { benchParse(b, spec, data) })
	}
}

func benchParse(b *testing.B, spec *Spec, data []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		out, err := spec.Parse(context.Background(), Input{Name: "x", File: bytes.NewReader(data), Mem: memory.NewGoAllocator()})
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

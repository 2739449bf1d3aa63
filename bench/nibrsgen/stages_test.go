package nibrsgen

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/internal/csvx"
	"github.com/palermo-project/palermo/sources"
)

// The stages of an fbi_nibrs parse, on the real Minnesota 2018 bundle
// scaled ten times, each timed alone so that their sum can be read against
// the whole: inflating the four tables palermo reads, inflating and
// scanning their records on all cores, and the whole parse (joins and
// counts included). By hand:
//
//	go test ./bench/nibrsgen -run '^$' -bench . -benchtime 5x

var tablesRead = []string{"MN/NIBRS_ARRESTEE.csv", "MN/NIBRS_OFFENSE.csv", "MN/NIBRS_VICTIM_OFFENSE.csv", "MN/NIBRS_VICTIM.csv"}

func scaledBundle(b *testing.B, copies int) (*zip.Reader, []byte) {
	b.Helper()
	real, err := os.ReadFile(mn2018)
	if err != nil {
		b.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(real), int64(len(real)))
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	if err := Scale(&out, zr, copies); err != nil {
		b.Fatal(err)
	}
	data := out.Bytes()
	scaled, err := bounded.OpenZip(bytes.NewReader(data), int64(len(data))) // the deflate decoder palermo reads ZIPs with
	if err != nil {
		b.Fatal(err)
	}
	return scaled, data
}

func entry(b *testing.B, zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	b.Fatalf("no %s", name)
	return nil
}

// tableBytes is what the four tables inflate to, for MB/s.
func tableBytes(b *testing.B, zr *zip.Reader) int64 {
	var n int64
	for _, t := range tablesRead {
		n += int64(entry(b, zr, t).UncompressedSize64)
	}
	return n
}

func BenchmarkInflate(b *testing.B) {
	zr, _ := scaledBundle(b, 10)
	b.SetBytes(tableBytes(b, zr))
	for b.Loop() {
		eachTable(b, zr, func(_ string, r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		})
	}
}

// eachTable hands fn each table palermo reads, inflating.
func eachTable(b *testing.B, zr *zip.Reader, fn func(name string, r io.Reader) error) {
	for _, t := range tablesRead {
		rc, err := entry(b, zr, t).Open()
		if err != nil {
			b.Fatal(err)
		}
		err = fn(t, rc)
		rc.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInflateAndScan(b *testing.B) {
	zr, _ := scaledBundle(b, 10)
	b.SetBytes(tableBytes(b, zr))
	for b.Loop() {
		eachTable(b, zr, func(name string, r io.Reader) error {
			return csvx.Stream(context.Background(), name, r, []string{"DATA_YEAR"}, csvx.StreamOptions{Subset: true},
				func(f *csvx.File, _ []byte) (int, error) {
					n := 0
					for f.Next() {
						n++
					}
					return n, f.Fatal
				}, func(int) error { return nil })
		})
	}
}

func BenchmarkParse(b *testing.B) {
	zr, data := scaledBundle(b, 10)
	b.SetBytes(tableBytes(b, zr))
	spec, _ := sources.Lookup("fbi_nibrs")
	for b.Loop() {
		out, err := spec.Parse(context.Background(), sources.Input{Name: "bundle.zip", File: bytes.NewReader(data), Mem: memory.NewGoAllocator()})
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

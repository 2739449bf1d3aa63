// Command nibrsgen writes a NIBRS state bundle scaled copies times from a
// real one (see package nibrsgen), for benchmarks:
//
//	go run ./bench/nibrsgen/cmd -copies 200 -out mn-200.zip
package main

import (
	"archive/zip"
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/palermo-project/palermo/bench/nibrsgen"
)

func main() {
	in := flag.String("in", "sources/testdata/fbi_nibrs/nibrs_MN_2018.zip", "the real bundle to scale")
	out := flag.String("out", "", "the ZIP to write")
	copies := flag.Int("copies", 20, "how many times the incidents are written")
	flag.Parse()
	if err := run(*in, *out, *copies); err != nil {
		fmt.Fprintln(os.Stderr, "nibrsgen:", err)
		os.Exit(1)
	}
}

func run(in, out string, copies int) error {
	if out == "" || copies < 1 {
		return fmt.Errorf("-out is required and -copies at least 1")
	}
	zr, err := zip.OpenReader(in)
	if err != nil {
		return err
	}
	defer zr.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := nibrsgen.Scale(bw, &zr.Reader, copies); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

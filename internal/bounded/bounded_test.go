package bounded

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStrictReader: an input that ends exactly at the limit is whole; one
// byte more is an error naming what grew, never a silent cut.
func TestStrictReader(t *testing.T) {
	if b, err := io.ReadAll(NewStrictReader(strings.NewReader("12345"), 5, "the body")); err != nil || string(b) != "12345" {
		t.Fatalf("at the limit: %q, %v", b, err)
	}
	_, err := io.ReadAll(NewStrictReader(strings.NewReader("123456"), 5, "the body"))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "the body") {
		t.Fatalf("past the limit: %v", err)
	}
}

// TestZipEntryInflation: an entry that inflates far beyond its compressed
// size fails once it passes the ratio, whatever the total limit.
func TestZipEntryInflation(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("zeros.csv")
	w.Write(bytes.Repeat([]byte("0"), 64<<20))
	zw.Close()
	zr, err := OpenZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ReadZipEntry(zr.File[0], 1<<40)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "zeros.csv inflates past its limit") {
		t.Fatalf("err = %v", err)
	}
}

// TestOpenFile: a file within the limit is opened in place; a larger one
// is refused before it is read.
func TestOpenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.csv")
	os.WriteFile(path, []byte("a,b\n1,2\n"), 0o644)
	f, closeFile, err := OpenFile(path, 100)
	if err != nil || f.Size() != 8 {
		t.Fatalf("open: %v", err)
	}
	closeFile()
	if _, _, err := OpenFile(path, 4); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
}

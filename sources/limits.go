package sources

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"

	"github.com/palermo-project/palermo/internal/diag"
)

// Limits that keep memory and time bounded by the input, whatever a hostile
// or broken file declares: compressed parts may not inflate beyond a ratio
// real data never reaches (publishers' CSV and XML inflate 5 to 15 times),
// and no single token of a text format may grow without end.
const (
	// MaxInflateRatio bounds how many bytes one compressed byte of a ZIP
	// entry or a gzip body may inflate to, beyond inflateAllowance.
	MaxInflateRatio = 100
	// inflateAllowance lets small parts inflate freely (a run of
	// identical bytes compresses a thousandfold).
	inflateAllowance = 1 << 20
	// xmlMaxToken bounds one tag or text of an XML part: a spreadsheet
	// cell holds at most 32,767 characters.
	xmlMaxToken = 1 << 20
)

// limitError says which part of an input grew past its limit.
func limitError(what string, limit int64) error {
	return fmt.Errorf("%s: %w (%d bytes)", what, ErrTooLarge, limit)
}

// strictLimitReader reads at most n bytes of r and then fails, where
// io.LimitReader would end silently and hand the parser a cut input.
type strictLimitReader struct {
	r    io.Reader
	n    int64
	what string
	max  int64
}

func newStrictLimitReader(r io.Reader, max int64, what string) *strictLimitReader {
	return &strictLimitReader{r: r, n: max, what: what, max: max}
}

func (l *strictLimitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// At the limit: an input that ends exactly here is whole.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, limitError(l.what, l.max)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// inflateLimit is what a compressed part of size compressed may inflate to,
// at most max.
func inflateLimit(compressed, max int64) int64 {
	if compressed < 0 {
		compressed = 0
	}
	limit := compressed*MaxInflateRatio + inflateAllowance
	if limit > max || limit < 0 {
		limit = max
	}
	return limit
}

// openZipEntry opens an entry of a ZIP archive for reading, failing once it
// inflates past MaxInflateRatio times its compressed size or max bytes.
func openZipEntry(f *zip.File, max int64) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	limit := inflateLimit(int64(f.CompressedSize64), max)
	return struct {
		io.Reader
		io.Closer
	}{newStrictLimitReader(rc, limit, f.Name+" inflates past its limit"), rc}, nil
}

// readZipEntry reads a whole entry, within openZipEntry's limits, into a
// buffer sized once from the size the archive declares (never above the
// limit), so that reading it does not cost twice its size in copies.
func readZipEntry(f *zip.File, max int64) ([]byte, error) {
	rc, err := openZipEntry(f, max)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	size := min(int64(f.UncompressedSize64), inflateLimit(int64(f.CompressedSize64), max))
	return readLimitedSized(rc, max, size)
}

// eachZipEntry calls fn with the name (FILE:ENTRY) and the bytes of every
// entry of a ZIP that keep accepts, each read within the inflation limits;
// a ZIP without such an entry is an error saying what it lacks (what: the
// kind of file expected, e.g. "UCR master files").
func eachZipEntry(file string, data []byte, what string, keep func(entry string) bool, fn func(name string, data []byte) error) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &diag.PosError{File: file, Line: 1, Col: 1, Msg: "not a ZIP of " + what + ": " + err.Error()}
	}
	n := 0
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || !keep(zf.Name) {
			continue
		}
		name := file + ":" + zf.Name
		b, err := readZipEntry(zf, DefaultMaxBytes)
		if err != nil {
			return &diag.PosError{File: name, Line: 1, Col: 1, Msg: err.Error()}
		}
		if err := fn(name, b); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return &diag.PosError{File: file, Line: 1, Col: 1, Msg: "the ZIP holds no " + what}
	}
	return nil
}

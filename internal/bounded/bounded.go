// Package bounded reads inputs within limits that keep memory and time
// bounded by the input, whatever a hostile or broken file declares: files
// and bodies up to a maximum size, ZIP entries and compressed bodies that
// may not inflate beyond a ratio real data never reaches.
package bounded

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/flate"

	"github.com/palermo-project/palermo/internal/diag"
)

// Limits that keep memory and time bounded by the input, whatever a hostile
// or broken file declares: compressed parts may not inflate beyond a ratio
// real data never reaches (publishers' CSV and XML inflate 5 to 15 times),
// and no single token of a text format may grow without end.
const (
	// MaxInflateRatio bounds how many bytes one compressed byte of a ZIP
	// entry or a gzip body may inflate to, beyond InflateAllowance.
	MaxInflateRatio = 100
	// InflateAllowance lets small parts inflate freely (a run of
	// identical bytes compresses a thousandfold).
	InflateAllowance = 1 << 20
	// MaxXMLToken bounds one tag or text of an XML part: a spreadsheet
	// cell holds at most 32,767 characters.
	MaxXMLToken = 1 << 20
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

func NewStrictReader(r io.Reader, max int64, what string) *strictLimitReader {
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
	limit := compressed*MaxInflateRatio + InflateAllowance
	if limit > max || limit < 0 {
		limit = max
	}
	return limit
}

// OpenZipEntry opens an entry of a ZIP archive for reading, failing once it
// inflates past MaxInflateRatio times its compressed size or max bytes.
func OpenZipEntry(f *zip.File, max int64) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	limit := inflateLimit(int64(f.CompressedSize64), max)
	return struct {
		io.Reader
		io.Closer
	}{NewStrictReader(rc, limit, f.Name+" inflates past its limit"), rc}, nil
}

// ReadZipEntry reads a whole entry, within openZipEntry's limits, into a
// buffer sized once from the size the archive declares (never above the
// limit), so that reading it does not cost twice its size in copies.
func ReadZipEntry(f *zip.File, max int64) ([]byte, error) {
	rc, err := OpenZipEntry(f, max)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	size := min(int64(f.UncompressedSize64), inflateLimit(int64(f.CompressedSize64), max))
	return ReadSized(rc, max, size)
}

// EachZipEntry calls fn with the name (FILE:ENTRY) and the bytes of every
// entry of a ZIP that keep accepts, each read within the inflation limits;
// a ZIP without such an entry is an error saying what it lacks (what: the
// kind of file expected, e.g. "UCR master files").
func EachZipEntry(file string, r io.ReaderAt, size int64, what string, keep func(entry string) bool, fn func(name string, data []byte) error) error {
	zr, err := OpenZip(r, size)
	if err != nil {
		return &diag.PosError{File: file, Line: 1, Col: 1, Msg: "not a ZIP of " + what + ": " + err.Error()}
	}
	n := 0
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() || !keep(zf.Name) {
			continue
		}
		name := file + ":" + zf.Name
		b, err := ReadZipEntry(zf, DefaultMaxBytes)
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

// DefaultMaxBytes bounds what one fetch may read (the largest shipped
// snapshot is 2.3 MB; NIBRS state bundles reach a few hundred MB).
const DefaultMaxBytes = 512 << 20

// OpenZip reads the directory of a ZIP archive held in r. Its entries
// inflate with klauspost/compress's flate decoder, which reads the deflate
// streams of publishers' archives about a fifth faster than the standard
// library's; entries are still held to OpenZipEntry's limits.
func OpenZip(r io.ReaderAt, size int64) (*zip.Reader, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return flate.NewReader(r) })
	return zr, nil
}

// Sized is an input read in place: random access and a size
// (*os.File seen through io.NewSectionReader, *bytes.Reader).
type Sized interface {
	io.ReaderAt
	Size() int64
}

// OpenFile opens a local file to be read in place, refusing one larger
// than max bytes (DefaultMaxBytes when max is 0) before reading it. What
// is not a regular file (a pipe) is read into memory within the same
// limit. close releases the file.
func OpenFile(path string, max int64) (f Sized, close func() error, err error) {
	if max <= 0 {
		max = DefaultMaxBytes
	}
	fh, err := os.Open(filepath.Clean(path))
	if err != nil {
		return nil, nil, err
	}
	st, err := fh.Stat()
	if err != nil || !st.Mode().IsRegular() {
		data, err := ReadSized(fh, max, -1)
		fh.Close()
		if err != nil {
			return nil, nil, err
		}
		return bytes.NewReader(data), func() error { return nil }, nil
	}
	if st.Size() > max {
		fh.Close()
		return nil, nil, fmt.Errorf("%w: the file has %d bytes, the limit is %d (max_bytes)", ErrTooLarge, st.Size(), max)
	}
	return io.NewSectionReader(fh, 0, st.Size()), fh.Close, nil
}

// ErrTooLarge is returned when a body or file exceeds the fetcher's limit.
var ErrTooLarge = errors.New("larger than the configured maximum size")

// ReadSized reads at most max bytes of r; size, when known (a file's
// size, a Content-Length), sizes the buffer once, so that reading a large
// body does not cost two or three times its size in copies.
func ReadSized(r io.Reader, max, size int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxBytes
	}
	if size < 0 || size > max {
		size = min(max, 64<<10)
	}
	buf := make([]byte, 0, size+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		room := buf[len(buf):min(cap(buf), int(max)+1)]
		n, err := r.Read(room)
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return nil, fmt.Errorf("%w (%d bytes; max_bytes raises it)", ErrTooLarge, max)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

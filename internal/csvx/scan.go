package csvx

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"io"
	"math/bits"
	"unsafe"

	"github.com/palermo-project/palermo/internal/diag"
)

// A fast path for large CSV files: the file is cut into chunks at record
// boundaries (chunker), and each chunk is parsed on its own (scanner),
// so that several cores parse at once. Fields are views into the chunk, not
// copies. The rules are encoding/csv's (RFC 4180 with "" for a quote, \r\n
// read as \n, empty lines skipped, no lazy quotes) and so are the positions
// of fields and errors (1-based line, 1-based byte column), which a test
// checks against encoding/csv on the same inputs.

// chunk is a run of whole records of a file.
type chunk struct {
	seq  int    // order in the file
	data []byte // starts at a record boundary
	line int    // physical line of data[0]
	eof  bool   // data runs to the end of the file
	cut  bool   // data ends inside a record longer than the chunker's limit
}

// chunker reads a CSV file and cuts it into chunks of about size bytes
// that end at record boundaries: a newline outside quotes. Quote parity is
// exact for valid CSV; in a malformed file the chunk holding the first
// error still starts at a true boundary, so its parser reports that error
// where encoding/csv would.
type chunker struct {
	r     io.Reader
	size  int
	limit int    // the longest record; a chunk ends inside a longer one (cut)
	carry []byte // the start of the next chunk, read already
	line  int
	seq   int
	eof   bool
	free  chan []byte // buffers given back by the parsers, reused
}

func newChunker(r io.Reader, size, limit, buffers int) *chunker {
	return &chunker{r: r, size: size, limit: limit, line: 1, free: make(chan []byte, buffers)}
}

// recycle gives a chunk's buffer back once nothing refers into it.
func (c *chunker) recycle(b []byte) {
	select {
	case c.free <- b[:0]:
	default:
	}
}

// buffer returns an empty buffer of at least n bytes; new buffers have room
// for a chunk and a long carried record, so that most are reused.
func (c *chunker) buffer(n int) []byte {
	select {
	case b := <-c.free:
		if cap(b) >= n {
			return b[:0]
		}
	default:
	}
	return make([]byte, 0, max(n, c.size+c.size/2))
}

// next returns the next chunk, or io.EOF after the last.
func (c *chunker) next() (chunk, error) {
	if c.eof && len(c.carry) == 0 {
		return chunk{}, io.EOF
	}
	want := c.size
	for {
		buf := c.buffer(max(want, len(c.carry)+c.size))
		buf = append(buf, c.carry...)
		for !c.eof && len(buf) < cap(buf) {
			n, err := c.r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err == io.EOF {
				c.eof = true
			} else if err != nil {
				return chunk{}, err
			}
		}
		if c.eof && len(buf) == 0 {
			c.carry = nil
			return chunk{}, io.EOF
		}
		ch := chunk{seq: c.seq, line: c.line, eof: c.eof}
		end := len(buf) // at the end of the file, the rest is the last chunk
		if !c.eof {
			if end = lastRecordEnd(buf); end == 0 {
				if len(buf) < c.limit {
					// One record longer than the buffer: read more.
					c.carry = append(c.carry[:0], buf...)
					c.recycle(buf)
					want = 2 * len(buf)
					continue
				}
				end, ch.cut = len(buf), true
			}
		}
		ch.data = buf[:end]
		c.carry = append(c.carry[:0], buf[end:]...)
		c.line += bytes.Count(ch.data, []byte{'\n'})
		c.seq++
		return ch, nil
	}
}

// lastRecordEnd returns the offset just past the last newline of buf that
// lies outside quotes (buf starts outside quotes), or 0.
func lastRecordEnd(buf []byte) int {
	end := len(buf)
	quotes := bytes.Count(buf, []byte{'"'})
	for {
		nl := bytes.LastIndexByte(buf[:end], '\n')
		if nl < 0 {
			return 0
		}
		quotes -= bytes.Count(buf[nl:end], []byte{'"'})
		if quotes%2 == 0 {
			return nl + 1
		}
		end = nl
	}
}

// scanner parses the records of one chunk.
type scanner struct {
	name string
	buf  []byte
	p    int // offset of the next unread byte
	line int // physical line at buf[p]
	ls   int // offset of that line's start
	eof  bool
	cut  bool

	fields  []string   // the current record; views into buf (or copies when unescaped)
	pos     []fieldPos // where each field starts
	recLine int
	err     error // a *diag.PosError; parsing stops at the first
}

type fieldPos struct{ line, col int }

func newScanner(name string, ch chunk) *scanner {
	return &scanner{name: name, buf: ch.data, line: ch.line, eof: ch.eof, cut: ch.cut}
}

// view returns b as a string without copying: valid while the chunk is.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (s *scanner) fail(line, col int, err error) bool {
	s.err = &diag.PosError{File: s.name, Line: line, Col: col, Msg: err.Error()}
	return false
}

// next reads the next record into fields; false at the end of the chunk or
// at a syntax error (err).
func (s *scanner) next() bool {
	s.fields, s.pos = s.fields[:0], s.pos[:0]
	if s.err != nil {
		return false
	}
	// Skip empty lines.
	for {
		rest := s.buf[s.p:]
		switch {
		case len(rest) == 0:
			return false
		case rest[0] == '\n':
			s.newline(s.p + 1)
			continue
		case rest[0] == '\r' && (len(rest) == 1 && s.eof || len(rest) > 1 && rest[1] == '\n'):
			if len(rest) == 1 {
				s.p++
				return false
			}
			s.newline(s.p + 2)
			continue
		}
		break
	}
	s.recLine = s.line
	for {
		if s.p < len(s.buf) && s.buf[s.p] == '"' {
			if !s.quoted() {
				return false
			}
		} else if !s.unquoted() {
			return false
		}
		// After a field: a comma goes on, a line end or the end of the
		// chunk ends the record.
		if s.p >= len(s.buf) {
			return true
		}
		switch s.buf[s.p] {
		case ',':
			s.p++
			if s.p >= len(s.buf) {
				// A trailing comma before the end of the data: one more, empty field.
				s.fields = append(s.fields, "")
				s.pos = append(s.pos, fieldPos{s.line, s.p - s.ls + 1})
				return true
			}
			continue
		case '\n':
			s.newline(s.p + 1)
			return true
		}
		return true // \r\n, consumed by the field
	}
}

func (s *scanner) newline(next int) {
	s.p, s.ls = next, next
	s.line++
}

// csvSpecial marks the bytes that end an unquoted field or make it an
// error.
var csvSpecial = [256]bool{',': true, '\n': true, '"': true}

// nextSpecial returns the offset of the first csvSpecial byte of buf at or
// after i, or len(buf). Eight bytes at a time: in each word, a byte equal
// to c becomes zero after the XOR, and (x - 0x01..) &^ x & 0x80.. marks
// the zero bytes; a false mark can only follow a true one, so the lowest
// mark is exact.
func nextSpecial(buf []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	const commas, newlines, quotes = ',' * ones, '\n' * ones, '"' * ones
	for ; i+8 <= len(buf); i += 8 {
		w := binary.LittleEndian.Uint64(buf[i:])
		a, b, c := w^commas, w^newlines, w^quotes
		if m := ((a-ones)&^a | (b-ones)&^b | (c-ones)&^c) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(buf) && !csvSpecial[buf[i]] {
		i++
	}
	return i
}

// unquoted reads a field up to the next comma or line end.
func (s *scanner) unquoted() bool {
	start := s.p
	col := start - s.ls + 1
	i := nextSpecial(s.buf, start)
	if i < len(s.buf) && s.buf[i] == '"' {
		return s.fail(s.line, i-s.ls+1, csv.ErrBareQuote)
	}
	end := i
	if i < len(s.buf) && s.buf[i] == '\n' && end > start && s.buf[end-1] == '\r' {
		end-- // \r\n is a line end
	} else if i == len(s.buf) && s.eof && end > start && s.buf[end-1] == '\r' {
		end-- // a trailing \r before the end of the file is dropped
	}
	if i == len(s.buf) && s.cut {
		return s.fail(s.line, col, errRecordTooLong)
	}
	s.fields = append(s.fields, view(s.buf[start:end]))
	s.pos = append(s.pos, fieldPos{s.line, col})
	s.p = i
	return true
}

var errRecordTooLong = errors.New("record too long: a quoted field may not have been closed")

// quoted reads a field that starts with a quote; it may span lines.
func (s *scanner) quoted() bool {
	fp := fieldPos{s.line, s.p - s.ls + 1}
	i := s.p + 1
	start := i
	var copied []byte // the field unescaped, once it differs from the bytes
	plain := true
	for {
		j := bytes.IndexByte(s.buf[i:], '"')
		if j < 0 {
			// No closing quote in the chunk: encoding/csv reports the end
			// of the last line read.
			if s.cut {
				return s.fail(fp.line, fp.col, errRecordTooLong)
			}
			s.countLines(i, len(s.buf))
			return s.unterminated()
		}
		q := i + j
		// Lines inside the field: \r\n reads as \n.
		seg := s.buf[i:q]
		if nl := bytes.IndexByte(seg, '\n'); nl >= 0 {
			s.countLines(i, q)
			if bytes.Contains(seg, []byte("\r\n")) {
				if plain {
					copied, plain = append(copied, s.buf[start:i]...), false
				}
				copied = append(copied, bytes.ReplaceAll(seg, []byte("\r\n"), []byte("\n"))...)
				seg = nil
			}
		}
		if !plain && seg != nil {
			copied = append(copied, seg...)
		}
		i = q + 1
		if i < len(s.buf) && s.buf[i] == '"' {
			// "" is one quote.
			if plain {
				copied, plain = append(copied, s.buf[start:q]...), false
			}
			copied = append(copied, '"')
			i++
			continue
		}
		var value string
		if plain {
			value = view(s.buf[start:q])
		} else {
			value = string(copied)
		}
		switch {
		case i >= len(s.buf) || s.buf[i] == ',' || s.buf[i] == '\n':
		case s.buf[i] == '\r' && (i+1 < len(s.buf) && s.buf[i+1] == '\n' || i+1 == len(s.buf) && s.eof):
			i++ // \r\n after the closing quote
		default:
			return s.fail(s.line, q-s.ls+1, csv.ErrQuote)
		}
		s.fields = append(s.fields, value)
		s.pos = append(s.pos, fp)
		s.p = i
		return true
	}
}

// unterminated reports a quoted field still open at the end of the file
// where encoding/csv does: just past the last non-empty line it read, as
// it read it (\r\n as \n, a final \r dropped).
func (s *scanner) unterminated() bool {
	end := len(s.buf)
	n := end - s.ls // the line after the last newline
	if n > 0 && s.buf[end-1] == '\r' {
		n--
	}
	if n > 0 {
		return s.fail(s.line, n+1, csv.ErrQuote)
	}
	// That line is empty: the last one read ends with the last newline.
	start := bytes.LastIndexByte(s.buf[:s.ls-1], '\n') + 1
	n = s.ls - start
	if n >= 2 && s.buf[s.ls-2] == '\r' {
		n--
	}
	return s.fail(s.line-1, n+1, csv.ErrQuote)
}

// countLines moves the line count over the newlines in buf[from:to].
func (s *scanner) countLines(from, to int) {
	for {
		nl := bytes.IndexByte(s.buf[from:to], '\n')
		if nl < 0 {
			return
		}
		from += nl + 1
		s.line++
		s.ls = from
	}
}

// FieldPos returns the line and column where field i of the current
// record starts, as encoding/csv's Reader.FieldPos does.
func (s *scanner) FieldPos(i int) (int, int) {
	if i < 0 || i >= len(s.pos) {
		return s.recLine, 1
	}
	return s.pos[i].line, s.pos[i].col
}

// Package csvx reads the CSV files of publishers and of palermo's templates
// with every problem reported at its line and column: a reader of a whole
// file against a declared header (File), refusing columns of personal
// identifiers, and a chunked scanner that parses a large file on all cores
// in bounded memory (Stream). So that a row of a large file costs no
// allocation, Count and Date return pointers to values that live until the
// next record is read (keep the value, not the pointer, past the row), and
// under Stream the strings Get returns are views into the chunk being
// parsed, valid until parse returns (strings.Clone what outlives it).
package csvx

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/palermo-project/palermo/internal/diag"
	"github.com/palermo-project/palermo/internal/identifiers"
)

// File reads a CSV with a fixed, declared header and reports every
// problem with its line and column (encoding/csv's FieldPos).
type File struct {
	name   string
	r      *csv.Reader     // nil when records come from a scanner
	sc     *scanner        // the records of one chunk (Stream); nil over a csv.Reader
	pos    fieldPositioner // where the fields of the current record start
	col    map[string]int
	Rec    []string
	header []string

	// counts and dates hold the values count and date return pointers to,
	// reused row after row: a parsed row's values live until the next row
	// is read.
	counts  [32]int64
	nCounts int
	dates   [4]arrow.Date32
	nDates  int

	Errs          diag.ErrorList // the first diag.MaxErrors row-level problems
	Rows, BadRows int64          // rows read, and rows with a problem (quarantined)
	bad           bool           // the current row has a problem
	Fatal         error          // a problem that stops the parse
}

// fieldPositioner gives the line and column where field i of the current
// record starts: encoding/csv's Reader and scanner.
type fieldPositioner interface{ FieldPos(i int) (line, col int) }

// Col is a column resolved once from the header, for the hot loops of
// large files.
type Col struct {
	Name string
	i    int
}

func (f *File) Ref(name string) Col { return Col{name, f.col[name]} }

// Open checks the header of r against want (the exact set of columns,
// in any order) and returns a reader positioned on the first data row.
func Open(name string, r io.Reader, want []string) (*File, error) {
	return Read(name, r, want, false)
}

// OpenSubset is Open for publishers' tables with more columns than
// palermo reads: want must be present, others are ignored.
func OpenSubset(name string, r io.Reader, want []string) (*File, error) {
	return Read(name, r, want, true)
}

// OpenPlaces is Open for a table of places (a Census file's NAME is a
// state's): the named columns hold the names of places, not of people, and
// are exempt from the refusal of personal identifiers.
func OpenPlaces(name string, r io.Reader, want []string, places ...string) (*File, error) {
	return Read(name, r, want, false, places...)
}

// Read checks the header of r against want (extraAllowed: other columns
// may be present and are ignored; places: columns of place names, exempt
// from the refusal of personal identifiers).
func Read(name string, in io.Reader, want []string, extraAllowed bool, places ...string) (*File, error) {
	br := BOMless(in, 1<<20)
	r := csv.NewReader(br)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, ReadError(name, err, "cannot read the header")
	}
	f, err := newFile(name, append([]string(nil), header...), r, want, extraAllowed, places...) // the reader reuses its record
	if err != nil {
		return nil, err
	}
	f.r = r
	return f, nil
}

// newFile checks a header (pos gives its columns) against want.
func newFile(name string, header []string, pos fieldPositioner, want []string, extraAllowed bool, places ...string) (*File, error) {
	f := &File{name: name, pos: pos, col: map[string]int{}, header: header}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if identifiers.IsIdentifier(h) && !slices.Contains(places, h) {
			_, c := pos.FieldPos(i)
			return nil, &diag.PosError{File: name, Line: 1, Col: c,
				Msg: fmt.Sprintf("column %q carries personal identifiers; palermo accepts aggregates only and refuses this input", h)}
		}
		if _, dup := f.col[h]; dup {
			if extraAllowed && !slices.Contains(want, h) {
				continue // publishers' stray duplicate columns (NIBRS_month's DATA_YEAR) that palermo does not read
			}
			_, c := pos.FieldPos(i)
			return nil, &diag.PosError{File: name, Line: 1, Col: c, Msg: fmt.Sprintf("column %q appears twice", h)}
		}
		f.col[h] = i
	}
	var missing, extra []string
	wantSet := map[string]bool{}
	for _, w := range want {
		wantSet[w] = true
		if _, ok := f.col[w]; !ok {
			missing = append(missing, w)
		}
	}
	for _, h := range header {
		if !extraAllowed && !wantSet[strings.TrimSpace(h)] {
			extra = append(extra, h)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		msg := "unexpected header"
		if len(missing) > 0 {
			msg += fmt.Sprintf("; missing columns: %s", strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			msg += fmt.Sprintf("; unknown columns: %s", strings.Join(extra, ", "))
		}
		msg += fmt.Sprintf("; expected: %s; found: %s", strings.Join(want, ","), strings.Join(header, ","))
		return nil, &diag.PosError{File: name, Line: 1, Col: 1, Msg: msg}
	}
	return f, nil
}

func ReadError(name string, err error, what string) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &diag.PosError{File: name, Line: pe.Line, Col: pe.Column, Msg: pe.Err.Error()}
	}
	if err == io.EOF {
		return &diag.PosError{File: name, Line: 1, Col: 1, Msg: what + ": the file is empty"}
	}
	return &diag.PosError{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf("%s: %v", what, err)}
}

// Next advances to the Next record. It returns false at the end of the file
// or when the file cannot be read further (the error is fatal).
func (f *File) Next() bool {
	if f.sc != nil {
		return f.nextScanned()
	}
	for f.Fatal == nil {
		rec, err := f.r.Read()
		if err == io.EOF {
			return false
		}
		f.StartRow()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
				f.FailRow(FieldCountError(f.name, pe.StartLine, len(rec), len(f.header)))
				continue
			}
			f.Fatal = ReadError(f.name, err, "cannot read")
			return false
		}
		f.Rec = rec
		return true
	}
	return false
}

// nextScanned is Next over the records of one chunk.
func (f *File) nextScanned() bool {
	for f.Fatal == nil && f.sc.next() {
		f.StartRow()
		if len(f.sc.fields) != len(f.header) {
			f.FailRow(FieldCountError(f.name, f.sc.recLine, len(f.sc.fields), len(f.header)))
			continue
		}
		f.Rec = f.sc.fields
		return true
	}
	if f.sc.err != nil && f.Fatal == nil {
		f.Fatal = f.sc.err
	}
	return false
}

// StartRow resets the per-row state before a record is checked.
func (f *File) StartRow() {
	f.bad = false
	f.nCounts, f.nDates = 0, 0
	f.Rows++
}

// FieldCountError reports a row with another number of fields than the
// header, at the row's first line.
func FieldCountError(file string, line, fields, header int) *diag.PosError {
	return &diag.PosError{File: file, Line: line, Col: 1, Msg: fmt.Sprintf("row has %d fields, the header has %d", fields, header)}
}

// FailRow records a problem with the current row as a whole.
func (f *File) FailRow(e *diag.PosError) {
	if !f.bad {
		f.bad = true
		f.BadRows++
	}
	f.Record(e)
}

// Record keeps a row-level problem, up to diag.MaxErrors of them.
func (f *File) Record(e *diag.PosError) { f.Errs.Keep(e) }

// RowOK reports whether the current row passed every check so far.
func (f *File) RowOK() bool { return !f.bad }

// Line returns the line of the current record.
func (f *File) Line() int {
	l, _ := f.pos.FieldPos(0)
	return l
}

// Get returns the trimmed value of a column of the current record.
func (f *File) Get(col string) string { return f.GetAt(f.Ref(col)) }

func (f *File) GetAt(c Col) string {
	v := trimSpace(f.Rec[c.i])
	if i := controlByte(v); i >= 0 {
		f.FailAt(c, "%s holds the control character %U at byte %d of the field: text fields hold no NUL or other control characters", c.Name, rune(v[i]), i+1)
		return ""
	}
	return v
}

// controlByte returns the index of the first control character of s (a
// byte below 0x20 other than tab, newline and carriage return, or DEL), or
// -1. Eight bytes are looked at a time: most fields have none.
func controlByte(s string) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// A byte below 0x20 or of 0x7f sets its high bit in one of these.
		if ((x-0x20*lo)&^x|(x^0x7f*lo)-lo&^(x^0x7f*lo))&hi != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return i
		}
	}
	return -1
}

// trimSpace is strings.TrimSpace with a fast way out for the common field
// that starts and ends with a printable ASCII byte.
func trimSpace(s string) string {
	if s == "" || s[0] > ' ' && s[0] < 0x7f && s[len(s)-1] > ' ' && s[len(s)-1] < 0x7f {
		return s
	}
	return strings.TrimSpace(s)
}

// Fail records a problem with a column of the current record.
func (f *File) Fail(col, format string, args ...any) { f.FailAt(f.Ref(col), format, args...) }

func (f *File) FailAt(col Col, format string, args ...any) {
	l, c := f.pos.FieldPos(col.i)
	f.FailRow(&diag.PosError{File: f.name, Line: l, Col: c, Msg: fmt.Sprintf(format, args...)})
}

// Required returns a non-empty value or records an error.
func (f *File) Required(col string) string { return f.RequiredAt(f.Ref(col)) }

func (f *File) RequiredAt(col Col) string {
	v := f.GetAt(col)
	if v == "" {
		f.FailAt(col, "%s is required", col.Name)
	}
	return v
}

// Count parses a non-negative whole number; empty means not reported (nil).
// The value pointed to is valid until the next row is read.
func (f *File) Count(col string) *int64 { return f.CountAt(f.Ref(col)) }

func (f *File) CountAt(col Col) *int64 {
	v := f.GetAt(col)
	if v == "" {
		return nil
	}
	n, ok := smallCount(v)
	if !ok {
		var err error
		if n, err = strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
			f.FailAt(col, "%s: %q is not a non-negative whole number (leave it empty when not reported)", col.Name, v)
			return nil
		}
	}
	return f.KeepCount(n)
}

// smallCount reads up to 18 decimal digits, the common case, faster than
// strconv; anything else (signs, overflow, junk) is left to strconv.
func smallCount(v string) (int64, bool) {
	if len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int64(c)
	}
	return n, true
}

// KeepCount returns a pointer to n valid until the next row is read.
func (f *File) KeepCount(n int64) *int64 { return keep(f.counts[:], &f.nCounts, n) }

// keep stores v in the next of the slots reused row after row (used of
// them taken) and returns a pointer to it; past the last slot, v gets a
// new one.
func keep[T any](slots []T, used *int, v T) *T {
	if *used == len(slots) {
		p := new(T) // not &v, which would move v to the heap on every call
		*p = v
		return p
	}
	p := &slots[*used]
	*used++
	*p = v
	return p
}

// Year parses a four-digit Year within the range palermo's data can cover.
func (f *File) Year(col string) int {
	v := f.Get(col)
	n, err := strconv.Atoi(v)
	if err != nil || n < 1990 || n > 2100 {
		f.Fail(col, "%s: %q is not a year between 1990 and 2100", col, v)
		return 0
	}
	return n
}

// Date parses YYYY-MM-DD into an Arrow Date, recording an error at col.
func (f *File) Date(col, s string) *arrow.Date32 { return f.DateAt(f.Ref(col), s) }

// DateAt parses s as YYYY-MM-DD; the value pointed to is valid until the
// next row is read.
func (f *File) DateAt(col Col, s string) *arrow.Date32 {
	d, ok := parseISODate(s)
	if !ok {
		f.FailAt(col, "%s: %q is not a date (YYYY-MM-DD)", col.Name, s)
		return nil
	}
	return keep(f.dates[:], &f.nDates, d)
}

// parseISODate reads a calendar date written YYYY-MM-DD, accepting what
// time.Parse(time.DateOnly, s) accepts, without its cost.
func parseISODate(s string) (arrow.Date32, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := decimal(s[:4])
	m, ok2 := decimal(s[5:7])
	d, ok3 := decimal(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return 0, false
	}
	return arrow.Date32(daysFromCivil(y, m, d)), true
}

// decimal reads a run of decimal digits (at most a few: no overflow check).
func decimal(b string) (int, bool) {
	n := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// ReadCodes reads a code table: a map from the idCol of each row to what
// name makes of its codeCol. name returns false to leave a row out; a row
// it records a problem for (Fail) makes the table fail, for code tables
// must be clean.
func ReadCodes(file string, r io.Reader, idCol, codeCol string, name func(f *File, code string) (string, bool)) (map[string]string, error) {
	f, err := OpenSubset(file, r, []string{idCol, codeCol})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for f.Next() {
		if v, ok := name(f, f.Get(codeCol)); ok && f.RowOK() {
			out[f.Get(idCol)] = v
		}
	}
	if f.Fatal != nil {
		return nil, f.Fatal
	}
	return out, f.Errs.Err()
}

// years holds the strings of the years palermo's data can fall in, so
// that a row of a large file does not allocate one.
var years = func() []string {
	y := make([]string, 2101)
	for i := 1900; i < len(y); i++ {
		y[i] = strconv.Itoa(i)
	}
	return y
}()

// YearString is strconv.Itoa(y), without an allocation for the years
// palermo's data can fall in.
func YearString(y int) string {
	if y >= 0 && y < len(years) && years[y] != "" {
		return years[y]
	}
	return strconv.Itoa(y)
}

// BOMless buffers r (size bytes) past a UTF-8 byte-order mark at its
// start, which is not part of the first column's name.
func BOMless(r io.Reader, size int) *bufio.Reader {
	br := bufio.NewReaderSize(r, size)
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
	return br
}

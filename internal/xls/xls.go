// Package xls reads the first worksheet of a Microsoft Excel 97-2003
// workbook (.xls: BIFF8 records in an OLE2 compound file), as the FBI
// published its tables until 2017: text (shared, inline or a formula's),
// numbers (IEEE, RK, MULRK and cached formula results). Formatting, charts
// and other sheets are skipped. Every length and offset of the file is
// checked against the file before it is used: a damaged or hostile
// workbook is an error, never a panic or an allocation the file does not
// justify.
package xls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Cell is one non-empty cell of a worksheet.
type Cell struct {
	Col   int    // 1-based column number
	Ref   string // e.g. "L12"
	Value string // text as stored; numbers as Go formats them, whole ones without a fraction
}

// Sheet is the first worksheet of a workbook, read whole (the workbooks
// this package reads are small: it refuses a workbook stream over
// maxStream bytes).
type Sheet struct {
	Name string
	rows map[int][]Cell
}

// maxStream bounds the workbook stream; a worksheet holds at most
// maxColumns columns.
const (
	maxStream  = 64 << 20
	maxColumns = 256
	endOfChain = 0xFFFFFFFE
	freeSect   = 0xFFFFFFFF
)

var errNotXLS = errors.New("not an Excel 97-2003 workbook (no OLE2 signature)")

// Open reads the first worksheet of the workbook r holds.
func Open(r io.ReaderAt, size int64) (*Sheet, error) {
	wb, err := workbookStream(r, size)
	if err != nil {
		return nil, err
	}
	return parseBIFF(wb)
}

// Rows hands fn the sheet's rows in order, each with its non-empty cells
// in column order; returning an error stops the walk.
func (s *Sheet) Rows(fn func(row int, cells []Cell) error) error {
	rows := make([]int, 0, len(s.rows))
	for r := range s.rows {
		rows = append(rows, r)
	}
	sort.Ints(rows)
	for _, r := range rows {
		cells := s.rows[r]
		sort.Slice(cells, func(i, j int) bool { return cells[i].Col < cells[j].Col })
		if err := fn(r, cells); err != nil {
			return err
		}
	}
	return nil
}

// compound is an OLE2 compound file: its sectors and allocation table.
type compound struct {
	r          io.ReaderAt
	size       int64
	sector     int64 // bytes per sector
	fat        []uint32
	miniFAT    []uint32
	miniStream []byte
	cutoff     int64
}

func workbookStream(r io.ReaderAt, size int64) ([]byte, error) {
	var h [512]byte
	if _, err := r.ReadAt(h[:], 0); err != nil || string(h[:8]) != "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" {
		return nil, errNotXLS
	}
	le := binary.LittleEndian
	shift := le.Uint16(h[0x1E:])
	if shift != 9 && shift != 12 {
		return nil, fmt.Errorf("compound file: sector size 2^%d is neither 512 nor 4096 bytes", shift)
	}
	c := &compound{r: r, size: size, sector: 1 << shift, cutoff: int64(le.Uint32(h[0x38:]))}
	nSectors := (size - 512) / c.sector
	// The allocation table's sectors: 109 in the header, the rest in a
	// chain of DIFAT sectors.
	var fatSectors []uint32
	for i := 0; i < 109; i++ {
		if s := le.Uint32(h[0x4C+4*i:]); s < freeSect-1 {
			fatSectors = append(fatSectors, s)
		}
	}
	difat, nDifat := le.Uint32(h[0x44:]), le.Uint32(h[0x48:])
	for i := uint32(0); i < nDifat && difat < endOfChain; i++ {
		if int64(len(fatSectors)) > nSectors || int64(i) > nSectors {
			return nil, errors.New("compound file: more allocation sectors than the file has")
		}
		b, err := c.read(difat)
		if err != nil {
			return nil, err
		}
		per := len(b)/4 - 1
		for j := 0; j < per; j++ {
			if s := le.Uint32(b[4*j:]); s < freeSect-1 {
				fatSectors = append(fatSectors, s)
			}
		}
		difat = le.Uint32(b[4*per:])
	}
	if int64(len(fatSectors)) > nSectors {
		return nil, errors.New("compound file: more allocation sectors than the file has")
	}
	for _, s := range fatSectors {
		b, err := c.read(s)
		if err != nil {
			return nil, err
		}
		for j := 0; j+4 <= len(b); j += 4 {
			c.fat = append(c.fat, le.Uint32(b[j:]))
		}
	}
	dir, err := c.chain(le.Uint32(h[0x30:]), -1)
	if err != nil {
		return nil, fmt.Errorf("compound file directory: %w", err)
	}
	var root, book []byte
	for off := 0; off+128 <= len(dir); off += 128 {
		e := dir[off : off+128]
		n := int(le.Uint16(e[64:]))
		if n < 2 || n > 64 {
			continue
		}
		u := make([]uint16, n/2-1)
		for i := range u {
			u[i] = le.Uint16(e[2*i:])
		}
		name := string(utf16.Decode(u))
		switch {
		case e[66] == 5:
			root = e
		case e[66] == 2 && (name == "Workbook" || name == "Book") && book == nil:
			book = e
		}
	}
	if book == nil {
		return nil, errors.New("compound file: no Workbook stream (not an Excel workbook, or a version before Excel 97)")
	}
	start, length := le.Uint32(book[116:]), int64(le.Uint32(book[120:]))
	if length > maxStream || length > size {
		return nil, fmt.Errorf("workbook stream of %d bytes: larger than the file or than %d bytes", length, maxStream)
	}
	if length >= c.cutoff {
		return c.chain(start, length)
	}
	// A small stream lives in the mini stream, whose sectors are 64 bytes.
	if root == nil {
		return nil, errors.New("compound file: no root entry for the mini stream")
	}
	if c.miniStream, err = c.chain(le.Uint32(root[116:]), int64(le.Uint32(root[120:]))); err != nil {
		return nil, fmt.Errorf("mini stream: %w", err)
	}
	mf, err := c.chain(le.Uint32(h[0x3C:]), -1)
	if err != nil {
		return nil, fmt.Errorf("mini allocation table: %w", err)
	}
	for j := 0; j+4 <= len(mf); j += 4 {
		c.miniFAT = append(c.miniFAT, le.Uint32(mf[j:]))
	}
	return c.miniChain(start, length)
}

// read reads one sector.
func (c *compound) read(s uint32) ([]byte, error) {
	off := 512 + int64(s)*c.sector
	if off+c.sector > c.size {
		return nil, fmt.Errorf("compound file: sector %d lies past the end of the file", s)
	}
	b := make([]byte, c.sector)
	if _, err := c.r.ReadAt(b, off); err != nil {
		return nil, err
	}
	return b, nil
}

// chain reads the sectors of a chain from start, length bytes of them (all
// when length is -1); a chain that loops or leaves the table is an error.
func (c *compound) chain(start uint32, length int64) ([]byte, error) {
	var out []byte
	for s, steps := start, 0; s != endOfChain; steps++ {
		if int(s) >= len(c.fat) || steps > len(c.fat) {
			return nil, errors.New("compound file: a sector chain leaves the allocation table or loops")
		}
		b, err := c.read(s)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
		if length >= 0 && int64(len(out)) >= length {
			return out[:length], nil
		}
		s = c.fat[s]
	}
	if length >= 0 && int64(len(out)) < length {
		return nil, errors.New("compound file: a stream is shorter than its directory entry says")
	}
	return out, nil
}

func (c *compound) miniChain(start uint32, length int64) ([]byte, error) {
	var out []byte
	for s, steps := start, 0; int64(len(out)) < length; steps++ {
		if int(s) >= len(c.miniFAT) || steps > len(c.miniFAT) {
			return nil, errors.New("compound file: a mini sector chain leaves its table or loops")
		}
		off := int64(s) * 64
		if off+64 > int64(len(c.miniStream)) {
			return nil, errors.New("compound file: a mini sector lies past the mini stream")
		}
		out = append(out, c.miniStream[off:off+64]...)
		s = c.miniFAT[s]
	}
	return out[:length], nil
}

// BIFF8 record types read here.
const (
	recBOF        = 0x0809
	recEOF        = 0x000A
	recBoundSheet = 0x0085
	recSST        = 0x00FC
	recContinue   = 0x003C
	recLabelSST   = 0x00FD
	recLabel      = 0x0204
	recNumber     = 0x0203
	recRK         = 0x027E
	recMulRK      = 0x00BD
	recFormula    = 0x0006
	recString     = 0x0207
)

type record struct {
	typ  uint16
	data []byte
	next int // offset of the following record
}

func readRecord(wb []byte, off int) (record, error) {
	if off+4 > len(wb) {
		return record{}, fmt.Errorf("workbook stream: a record header at byte %d is cut short", off)
	}
	typ, n := binary.LittleEndian.Uint16(wb[off:]), int(binary.LittleEndian.Uint16(wb[off+2:]))
	if off+4+n > len(wb) {
		return record{}, fmt.Errorf("workbook stream: record 0x%04X at byte %d runs past the stream", typ, off)
	}
	return record{typ, wb[off+4 : off+4+n], off + 4 + n}, nil
}

func parseBIFF(wb []byte) (*Sheet, error) {
	le := binary.LittleEndian
	first, err := readRecord(wb, 0)
	if err != nil || first.typ != recBOF || len(first.data) < 4 || le.Uint16(first.data) != 0x0600 {
		return nil, errors.New("workbook stream: not BIFF8 (Excel 97-2003); older Excel formats are not read")
	}
	var sst []string
	sheetAt, sheetName := -1, ""
	for off := first.next; off < len(wb); {
		rec, err := readRecord(wb, off)
		if err != nil {
			return nil, err
		}
		switch rec.typ {
		case recBoundSheet:
			if len(rec.data) >= 8 && rec.data[5] == 0 && sheetAt < 0 { // the first worksheet
				sheetAt = int(le.Uint32(rec.data))
				sheetName, _, _ = biffString(rec.data[6:], true)
			}
		case recSST:
			parts := [][]byte{rec.data}
			for {
				nxt, err := readRecord(wb, rec.next)
				if err != nil || nxt.typ != recContinue {
					break
				}
				parts = append(parts, nxt.data)
				rec = nxt
			}
			if sst, err = readSST(parts); err != nil {
				return nil, err
			}
		}
		off = rec.next
		if rec.typ == recEOF {
			break
		}
	}
	if sheetAt < 0 || sheetAt >= len(wb) {
		return nil, errors.New("workbook: no worksheet")
	}
	s := &Sheet{Name: sheetName, rows: map[int][]Cell{}}
	add := func(row, col int, v string) error {
		if col >= maxColumns {
			return fmt.Errorf("worksheet: column %d beyond the %d a BIFF8 sheet has", col+1, maxColumns)
		}
		s.rows[row+1] = append(s.rows[row+1], Cell{Col: col + 1, Ref: colName(col+1) + strconv.Itoa(row+1), Value: v})
		return nil
	}
	pendingRow, pendingCol := -1, -1 // a formula whose text result follows in a STRING record
	for off := sheetAt; off < len(wb); {
		rec, err := readRecord(wb, off)
		if err != nil {
			return nil, err
		}
		off = rec.next
		d := rec.data
		if rec.typ != recBOF && rec.typ != recEOF && rec.typ != recString && rec.typ != recMulRK && len(d) < 6 {
			continue // not a cell
		}
		switch rec.typ {
		case recEOF:
			return s, nil
		case recLabelSST:
			if len(d) < 10 {
				return nil, fmt.Errorf("worksheet: a shared-string cell of %d bytes", len(d))
			}
			i := le.Uint32(d[6:])
			if int(i) >= len(sst) {
				return nil, fmt.Errorf("worksheet: cell %s%d names shared string %d of %d", colName(int(le.Uint16(d[2:]))+1), le.Uint16(d)+1, i, len(sst))
			}
			err = add(int(le.Uint16(d)), int(le.Uint16(d[2:])), sst[i])
		case recLabel:
			v, _, ok := biffString(d[6:], false)
			if !ok {
				return nil, errors.New("worksheet: a text cell is cut short")
			}
			err = add(int(le.Uint16(d)), int(le.Uint16(d[2:])), v)
		case recNumber:
			if len(d) < 14 {
				return nil, errors.New("worksheet: a number cell is cut short")
			}
			err = add(int(le.Uint16(d)), int(le.Uint16(d[2:])), number(math.Float64frombits(le.Uint64(d[6:]))))
		case recRK:
			if len(d) < 10 {
				return nil, errors.New("worksheet: an RK cell is cut short")
			}
			err = add(int(le.Uint16(d)), int(le.Uint16(d[2:])), number(rk(le.Uint32(d[6:]))))
		case recMulRK:
			if len(d) < 6 || (len(d)-6)%6 != 0 {
				return nil, errors.New("worksheet: a MULRK record of the wrong length")
			}
			row, col := int(le.Uint16(d)), int(le.Uint16(d[2:]))
			for i := 4; i+6 <= len(d)-2 && err == nil; i += 6 {
				err = add(row, col, number(rk(le.Uint32(d[i+2:]))))
				col++
			}
		case recFormula:
			if len(d) < 14 {
				return nil, errors.New("worksheet: a formula cell is cut short")
			}
			row, col := int(le.Uint16(d)), int(le.Uint16(d[2:]))
			res := d[6:14]
			if le.Uint16(res[6:]) != 0xFFFF {
				err = add(row, col, number(math.Float64frombits(le.Uint64(res))))
			} else if res[0] == 0 {
				pendingRow, pendingCol = row, col // a text result: the STRING record follows
			}
		case recString:
			if pendingRow >= 0 {
				v, _, ok := biffString(d, false)
				if !ok {
					return nil, errors.New("worksheet: a formula's text result is cut short")
				}
				err = add(pendingRow, pendingCol, v)
				pendingRow = -1
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, errors.New("worksheet: no end-of-sheet record (the file is cut short)")
}

// number formats a cell's number: whole numbers without a fraction.
func number(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// rk decodes an RK number: a 30-bit integer or the high bits of a float,
// optionally divided by 100.
func rk(v uint32) float64 {
	var f float64
	if v&2 != 0 {
		f = float64(int32(v) >> 2)
	} else {
		f = math.Float64frombits(uint64(v&^3) << 32)
	}
	if v&1 != 0 {
		f /= 100
	}
	return f
}

// biffString reads a BIFF8 unicode string: a character count (one byte
// when short, as in a sheet name, else two), flags, and the characters,
// 8 or 16 bits each. It returns the string and the bytes it took.
func biffString(b []byte, short bool) (string, int, bool) {
	n, p := 0, 0
	if short {
		if len(b) < 1 {
			return "", 0, false
		}
		n, p = int(b[0]), 1
	} else {
		if len(b) < 2 {
			return "", 0, false
		}
		n, p = int(binary.LittleEndian.Uint16(b)), 2
	}
	if len(b) < p+1 {
		return "", 0, false
	}
	flags := b[p]
	p++
	rich, ext := 0, 0
	if flags&0x08 != 0 {
		if len(b) < p+2 {
			return "", 0, false
		}
		rich = int(binary.LittleEndian.Uint16(b[p:]))
		p += 2
	}
	if flags&0x04 != 0 {
		if len(b) < p+4 {
			return "", 0, false
		}
		ext = int(binary.LittleEndian.Uint32(b[p:]))
		p += 4
	}
	s, used, ok := chars(b[p:], n, flags&1 != 0)
	if !ok {
		return "", 0, false
	}
	p += used + 4*rich + ext
	return s, p, p <= len(b)
}

func chars(b []byte, n int, wide bool) (string, int, bool) {
	if wide {
		if len(b) < 2*n {
			return "", 0, false
		}
		u := make([]uint16, n)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		return string(utf16.Decode(u)), 2 * n, true
	}
	if len(b) < n {
		return "", 0, false
	}
	r := make([]rune, n)
	for i := range r {
		r[i] = rune(b[i]) // Latin-1
	}
	return string(r), n, true
}

// readSST reads the shared strings of an SST record and its CONTINUE
// records. A string's characters may go on in the next record, which then
// starts with a new flags byte saying whether they are 8 or 16 bits.
func readSST(parts [][]byte) ([]string, error) {
	if len(parts[0]) < 8 {
		return nil, errors.New("shared strings: the SST record is cut short")
	}
	unique := int(binary.LittleEndian.Uint32(parts[0][4:]))
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	if unique > total { // each string takes at least three bytes
		return nil, fmt.Errorf("shared strings: %d strings declared in %d bytes", unique, total)
	}
	r := &sstReader{parts: parts, off: 8}
	out := make([]string, 0, unique)
	for i := 0; i < unique; i++ {
		s, err := r.string()
		if err != nil {
			return nil, fmt.Errorf("shared string %d of %d: %w", i+1, unique, err)
		}
		out = append(out, s)
	}
	return out, nil
}

type sstReader struct {
	parts [][]byte
	part  int
	off   int
}

var errSSTShort = errors.New("the shared strings are cut short")

func (r *sstReader) avail() int {
	for r.part < len(r.parts) && r.off >= len(r.parts[r.part]) {
		r.part++
		r.off = 0
	}
	if r.part >= len(r.parts) {
		return 0
	}
	return len(r.parts[r.part]) - r.off
}

func (r *sstReader) bytes(n int) ([]byte, error) {
	var out []byte
	for n > 0 {
		a := r.avail()
		if a == 0 {
			return nil, errSSTShort
		}
		k := min(a, n)
		out = append(out, r.parts[r.part][r.off:r.off+k]...)
		r.off += k
		n -= k
	}
	return out, nil
}

func (r *sstReader) string() (string, error) {
	h, err := r.bytes(3)
	if err != nil {
		return "", err
	}
	n, flags := int(binary.LittleEndian.Uint16(h)), h[2]
	rich, ext := 0, 0
	if flags&0x08 != 0 {
		b, err := r.bytes(2)
		if err != nil {
			return "", err
		}
		rich = int(binary.LittleEndian.Uint16(b))
	}
	if flags&0x04 != 0 {
		b, err := r.bytes(4)
		if err != nil {
			return "", err
		}
		ext = int(binary.LittleEndian.Uint32(b))
	}
	wide := flags&1 != 0
	var sb strings.Builder
	cur := r.part
	for n > 0 {
		if r.avail() == 0 {
			return "", errSSTShort
		}
		if r.part != cur { // the characters go on in a CONTINUE record, after a flags byte of its own
			cur = r.part
			wide = r.parts[r.part][r.off]&1 != 0
			r.off++
			continue
		}
		size := 1
		if wide {
			size = 2
		}
		k := min(n, r.avail()/size)
		if k == 0 {
			return "", errSSTShort
		}
		b, _ := r.bytes(k * size)
		s, _, _ := chars(b, k, wide)
		sb.WriteString(s)
		n -= k
	}
	if _, err := r.bytes(4*rich + ext); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// colName is the letters of a column number: 1 A, 27 AA.
func colName(col int) string {
	s := ""
	for col > 0 {
		col--
		s = string(rune('A'+col%26)) + s
		col /= 26
	}
	return s
}

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

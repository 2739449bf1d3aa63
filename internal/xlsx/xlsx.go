// Package xlsx is a small streaming reader for the parts of Office Open XML
// spreadsheets that publishers' data files use: shared strings, inline
// strings, numbers and cached formula results. It reads every <row> of the
// first sheet and ignores the declared <dimension>, which publishers' tools
// often get wrong. Every part is read within bounded's inflation limits,
// and errors name the sheet cell.
package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/internal/diag"
)

// Limits on what decompression may produce, against zip bombs (each part
// also inflates at most MaxInflateRatio times its compressed size).
const (
	xlsxMaxSheetBytes   = 1 << 30
	xlsxMaxStringsBytes = 32 << 20
	xlsxMaxStrings      = 1 << 20 // shared strings a workbook may hold
	xlsxMaxPartBytes    = 16 << 20
	xlsxMaxColumns      = 16384 // the most a worksheet row can have
)

type Cell struct {
	Col   int    // 1-based column number
	Ref   string // e.g. "L12"
	Value string
}

type Sheet struct {
	Name string
	file string // path inside the zip
	zr   *zip.Reader
	sst  []string
}

// Open opens the first worksheet of a workbook held in data.
func Open(name string, r io.ReaderAt, size int64) (*Sheet, error) {
	zr, err := bounded.OpenZip(r, size)
	if err != nil {
		return nil, &diag.PosError{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf("not an XLSX workbook: %v", err)}
	}
	sheetName, target, err := firstSheet(zr)
	if err != nil {
		return nil, &diag.PosError{File: name, Line: 1, Col: 1, Msg: err.Error()}
	}
	sst, err := sharedStrings(zr)
	if err != nil {
		return nil, &diag.PosError{File: name, Line: 1, Col: 1, Msg: err.Error()}
	}
	return &Sheet{Name: sheetName, file: target, zr: zr, sst: sst}, nil
}

// openZipFile opens a part of the workbook, failing once it inflates past
// max bytes or MaxInflateRatio times its compressed size.
func openZipFile(zr *zip.Reader, name string, max int64) (io.ReadCloser, error) {
	for _, f := range zr.File {
		if f.Name == name {
			return bounded.OpenZipEntry(f, max)
		}
	}
	return nil, fmt.Errorf("workbook part %s is missing", name)
}

func firstSheet(zr *zip.Reader) (name, target string, err error) {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := decodePart(zr, "xl/workbook.xml", &wb); err != nil {
		return "", "", err
	}
	if len(wb.Sheets) == 0 {
		return "", "", errors.New("the workbook has no sheets")
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return "", "", err
	}
	for _, r := range rels.Rels {
		if r.ID == wb.Sheets[0].RID {
			t := r.Target
			if strings.HasPrefix(t, "/") {
				t = strings.TrimPrefix(t, "/")
			} else {
				t = path.Join("xl", t)
			}
			return wb.Sheets[0].Name, t, nil
		}
	}
	return "", "", fmt.Errorf("sheet %q has no relationship target", wb.Sheets[0].Name)
}

func decodePart(zr *zip.Reader, name string, v any) error {
	rc, err := openZipFile(zr, name, xlsxMaxPartBytes)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// sharedStrings reads the string table; a workbook may lack one. Text
// inside phonetic runs (<rPh>) is not part of a string.
func sharedStrings(zr *zip.Reader) ([]string, error) {
	rc, err := openZipFile(zr, "xl/sharedStrings.xml", xlsxMaxStringsBytes)
	if err != nil {
		return nil, nil
	}
	defer rc.Close()
	x := newXMLScanner(rc)
	var (
		out     []string
		cur     []byte
		inT     bool
		skipRPh int
		closed  bool // </sst> seen
	)
	for {
		err := x.next()
		if err == io.EOF {
			if !closed {
				return nil, errors.New("xl/sharedStrings.xml ends without </sst>: the file is cut short")
			}
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("xl/sharedStrings.xml: %w", err)
		}
		switch x.kind {
		case xmlStart:
			switch string(x.name) {
			case "sst":
				closed = closed || x.self
			case "si":
				cur = cur[:0]
				if x.self {
					out = append(out, "")
				}
			case "t":
				inT = skipRPh == 0 && !x.self
			case "rPh":
				if !x.self {
					skipRPh++
				}
			}
		case xmlEnd:
			switch string(x.name) {
			case "sst":
				closed = true
			case "si":
				if len(out) >= xlsxMaxStrings {
					return nil, fmt.Errorf("xl/sharedStrings.xml: more than %d shared strings", xlsxMaxStrings)
				}
				out = append(out, string(cur))
			case "t":
				inT = false
			case "rPh":
				skipRPh--
			}
		case xmlText:
			if inT {
				if len(cur)+len(x.text) > bounded.MaxXMLToken {
					return nil, fmt.Errorf("xl/sharedStrings.xml: a shared string longer than %d bytes", bounded.MaxXMLToken)
				}
				cur = append(cur, x.text...)
			}
		}
	}
}

// Rows streams the sheet's rows to fn in file order. fn gets the row number
// and its non-empty cells; returning an error stops the walk.
func (s *Sheet) Rows(fn func(row int, cells []Cell) error) error {
	rc, err := openZipFile(s.zr, s.file, xlsxMaxSheetBytes)
	if err != nil {
		return err
	}
	defer rc.Close()
	x := newXMLScanner(rc)
	var (
		row            int
		cells          []Cell
		cell           *Cell
		cellType       string
		inV, inT, inIs bool
		text           []byte
		closed         bool // </sheetData> seen
	)
	for {
		err := x.next()
		if err == io.EOF {
			if !closed {
				// A part cut short inflates and tokenises cleanly up to
				// the cut: only the missing end tag tells.
				return fmt.Errorf("%s: the worksheet ends after row %d without </sheetData>: the file is cut short", s.file, row)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: malformed XML after row %d: %w", s.file, row, err)
		}
		switch x.kind {
		case xmlStart:
			switch string(x.name) {
			case "row":
				row++
				r, err := x.attr("r")
				if err != nil {
					return fmt.Errorf("%s: malformed XML after row %d: %w", s.file, row-1, err)
				}
				if r != "" {
					n, err := strconv.Atoi(r)
					if err != nil || n < row {
						return fmt.Errorf("%s: row number %q out of order after row %d", s.file, r, row-1)
					}
					row = n
				}
				cells = cells[:0]
				if x.self {
					if err := fn(row, cells); err != nil {
						return err
					}
				}
			case "c":
				if len(cells) >= xlsxMaxColumns {
					return fmt.Errorf("%s: row %d has more than %d cells", s.file, row, xlsxMaxColumns)
				}
				ref, err := x.attr("r")
				if err != nil {
					return fmt.Errorf("%s: malformed XML in row %d: %w", s.file, row, err)
				}
				col := len(cells) + 1
				if ref != "" {
					c, r, err := splitRef(ref)
					if err != nil || r != row {
						return fmt.Errorf("%s: bad cell reference %q in row %d", s.file, ref, row)
					}
					col = c
				} else {
					ref = ColName(col) + strconv.Itoa(row)
				}
				cells = append(cells, Cell{Col: col, Ref: ref})
				if x.self {
					cell = nil // an empty cell
					continue
				}
				cell = &cells[len(cells)-1]
				if cellType, err = x.attr("t"); err != nil {
					return fmt.Errorf("%s: malformed XML in row %d: %w", s.file, row, err)
				}
				text = text[:0]
			case "v":
				inV = !x.self
			case "is":
				inIs = !x.self
			case "t":
				inT = inIs && !x.self
			}
		case xmlEnd:
			switch string(x.name) {
			case "sheetData":
				closed = true
			case "v":
				inV = false
			case "is":
				inIs = false
			case "t":
				inT = false
			case "c":
				if cell != nil {
					v := string(text)
					if cellType == "s" {
						i, err := strconv.Atoi(strings.TrimSpace(v))
						if err != nil || i < 0 || i >= len(s.sst) {
							return fmt.Errorf("%s: cell %s points at shared string %q, which does not exist", s.file, cell.Ref, v)
						}
						v = s.sst[i]
					}
					cell.Value = v
				}
				cell = nil
			case "row":
				if err := fn(row, cells); err != nil {
					return err
				}
			}
		case xmlText:
			if cell != nil && (inV || inT) {
				text = append(text, x.text...)
			}
		}
	}
}

// splitRef turns "L12" into column 12 and row 12.
func splitRef(ref string) (col, row int, err error) {
	i := 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		i++
		if col > 16384 {
			return 0, 0, fmt.Errorf("column out of range in %q", ref)
		}
	}
	if i == 0 || i == len(ref) {
		return 0, 0, fmt.Errorf("bad cell reference %q", ref)
	}
	row, err = strconv.Atoi(ref[i:])
	if err != nil || row < 1 {
		return 0, 0, fmt.Errorf("bad cell reference %q", ref)
	}
	return col, row, nil
}

func ColName(col int) string {
	var b []byte
	for col > 0 {
		col--
		b = append([]byte{byte('A' + col%26)}, b...)
		col /= 26
	}
	return string(b)
}

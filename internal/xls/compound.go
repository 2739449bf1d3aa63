package xls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
)

// The OLE2 compound file (a FAT file system in one file) that holds an
// .xls workbook's streams.

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

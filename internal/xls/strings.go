package xls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// BIFF8 strings: in records, and in the shared-string table split over
// CONTINUE records.

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

package xls

import (
	"bytes"
	"os"
	"strconv"
	"testing"
)

const offences2016 = "testdata/table-1_Human_Trafficking_Offenses_and_Clearances_by_State_2016.xls"

// TestFBITable reads a real FBI workbook: its sheet name, titles and the
// column sums the tables add up to (commercial sex acts 1,007 offences,
// involuntary servitude 189, in all 1,196, of which 654 cleared and 49
// cleared under 18).
func TestFBITable(t *testing.T) {
	data, err := os.ReadFile(offences2016)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "16tbl01" {
		t.Errorf("sheet %q", s.Name)
	}
	sums := map[int]int{}
	var title string
	states := 0
	s.Rows(func(row int, cells []Cell) error {
		if row == 3 {
			title = cells[0].Value
		}
		if row < 6 {
			return nil
		}
		states++
		for _, c := range cells[1:] {
			n, err := strconv.Atoi(c.Value)
			if err != nil {
				t.Errorf("%s: %q", c.Ref, c.Value)
			}
			sums[c.Col] += n
		}
		return nil
	})
	if title != "Offenses and Clearances by State, 2016" || states != 36 {
		t.Errorf("title %q, %d state rows", title, states)
	}
	for col, want := range map[int]int{2: 1007, 5: 189, 8: 1196, 9: 654, 10: 49} {
		if sums[col] != want {
			t.Errorf("column %s sums to %d, want %d", colName(col), sums[col], want)
		}
	}
}

// TestDamagedWorkbooks: a cut, truncated or non-OLE2 file is an error, never
// a panic.
func TestDamagedWorkbooks(t *testing.T) {
	data, err := os.ReadFile(offences2016)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"empty": nil, "text": []byte("State,Offenses\nAlaska,11\n"), "header only": data[:512],
		"half": data[:len(data)/2], "last sector lost": data[:len(data)-512],
	} {
		if _, err := Open(bytes.NewReader(b), int64(len(b))); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzOpen: no input makes the reader panic or loop.
func FuzzOpen(f *testing.F) {
	data, err := os.ReadFile(offences2016)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:4096])
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Open(bytes.NewReader(b), int64(len(b)))
		if err == nil {
			s.Rows(func(int, []Cell) error { return nil })
		}
	})
}

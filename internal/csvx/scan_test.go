package csvx

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/palermo-project/palermo/internal/diag"
)

// scanned is what a CSV reader made of an input: records, where each field
// starts, and the error that stopped it.
type scanned struct {
	Records [][]string
	Pos     [][]fieldPos
	Err     string // "line:col: message"
}

// referenceScan reads data with encoding/csv, as palermo's other sources do.
func referenceScan(data []byte) scanned {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	var out scanned
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				out.Err = fmt.Sprintf("%d:%d: %v", pe.Line, pe.Column, pe.Err)
			} else {
				out.Err = err.Error()
			}
			return out
		}
		var pos []fieldPos
		for i := range rec {
			l, c := r.FieldPos(i)
			pos = append(pos, fieldPos{l, c})
		}
		out.Records = append(out.Records, rec)
		out.Pos = append(out.Pos, pos)
	}
}

// chunkedScan reads data with the chunker and scanner, in chunks of about
// size bytes.
func chunkedScan(data []byte, size int) scanned {
	ch := newChunker(bytes.NewReader(data), size, 1<<20, 2)
	var out scanned
	for {
		c, err := ch.next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			out.Err = err.Error()
			return out
		}
		s := newScanner("f", c)
		for s.next() {
			out.Records = append(out.Records, append([]string(nil), s.fields...))
			out.Pos = append(out.Pos, append([]fieldPos(nil), s.pos...))
		}
		if s.err != nil {
			var pe *diag.PosError
			errors.As(s.err, &pe)
			out.Err = fmt.Sprintf("%d:%d: %s", pe.Line, pe.Col, pe.Msg)
			return out
		}
	}
}

func checkSameAsEncodingCSV(t *testing.T, data []byte) {
	t.Helper()
	want := referenceScan(data)
	for _, size := range []int{1, 3, 16, 1 << 16} {
		if got := chunkedScan(data, size); !reflect.DeepEqual(got, want) {
			t.Fatalf("input %q, chunks of %d bytes:\n got  %+v\n want %+v", data, size, got, want)
		}
	}
}

// TestCSVScannerMatchesEncodingCSV: on hand-picked and on random inputs made
// of the characters that matter to CSV, the chunked scanner gives the same
// records, field positions and first error (line and column) as
// encoding/csv, whatever the chunk size.
func TestCSVScannerMatchesEncodingCSV(t *testing.T) {
	for _, in := range []string{
		"", "\n", "\r\n", "a", "a\n", "a\r", "a\r\n", "a,b\nc,d\n", "a,b,\n", "a,b,",
		"\n\na,b\n\n\nc\n", "\"x\"", "\"x\",\"y\"\n", "\"a,b\",c\n", "\"a\"\"b\",c\n",
		"\"multi\nline\",x\n", "\"multi\r\nline\",x\r\n", "\"open", "\"open\n", "\"open\r\n", "a,\"open\nmore\n",
		"ab\"c\n", "\"a\"b\n", "\"a\"\rb\n", "\"a\"\r", "\"a\"\r\n", "x\r\ry\n", "\r", "\r\r\n", "a\n\r\n\r\nb",
		"op-1,\"Sheriff's Office, County A\",US-MN,2024-01-02,,sting,3,,,,0,0,,,,https://example.org/a\n",
	} {
		checkSameAsEncodingCSV(t, []byte(in))
	}
	rng := rand.New(rand.NewPCG(7, 7))
	alphabet := []byte("ab,\"\n\r ")
	for n := 0; n < 20000; n++ {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		checkSameAsEncodingCSV(t, b)
	}
}

// FuzzCSVScanner: the differential check of TestCSVScannerMatchesEncodingCSV
// on inputs the fuzzer finds.
func FuzzCSVScanner(f *testing.F) {
	for _, s := range []string{"a,b\n", "\"a\nb\",c\r\n", "\"x\"\"y\"", "a\"b", "\"open"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkSameAsEncodingCSV(t, data) })
}

// TestParseISODate: the hand-written date parser accepts and converts
// exactly what time.Parse(time.DateOnly, ...) does.
func TestParseISODate(t *testing.T) {
	check := func(s string) {
		d, ok := parseISODate(s)
		tm, err := time.Parse(time.DateOnly, s)
		if ok != (err == nil) || ok && d != arrow.Date32FromTime(tm) {
			t.Fatalf("%q: got %v %v, time.Parse %v %v", s, d, ok, tm, err)
		}
	}
	for day := time.Date(1899, 12, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2101; day = day.AddDate(0, 0, 1) {
		check(day.Format(time.DateOnly))
	}
	for _, s := range []string{"", "2023-02-29", "2024-02-29", "2100-02-29", "2000-02-29", "2023-13-01", "2023-00-10",
		"2023-01-00", "2023-04-31", "2023-1-01", "2023/01/01", "20230101", "2023-01-1x", "+023-01-01", "0000-01-01", "9999-12-31"} {
		check(s)
	}
}

// TestSmallCount: the fast path for counts reads exactly the strings of
// digits strconv reads, and declines everything else.
func TestSmallCount(t *testing.T) {
	for _, s := range []string{"0", "7", "0042", "123456789012345678", "1234567890123456789", "+5", "-1", "1e3", "12a", " 1", "٣"} {
		n, ok := smallCount(s)
		want, err := strconv.ParseInt(s, 10, 64)
		digits := len(s) <= 18 && strings.Trim(s, "0123456789") == ""
		if ok != digits || ok && (err != nil || n != want) {
			t.Fatalf("%q: %d %v, strconv %d %v", s, n, ok, want, err)
		}
	}
}

// TestNextSpecial: the word-at-a-time search finds the first comma, line
// feed or quote as a byte-by-byte loop does, bytes that confuse the zero
// byte trick (0x00, 0x01, 0x80, 0xff, the specials' neighbours) included.
func TestNextSpecial(t *testing.T) {
	alphabet := []byte{'a', 0, 1, 0x7f, 0x80, 0xff, ',', '\n', '"', ',' + 1, '\n' + 1, '"' + 1, ',' - 1, '\r'}
	rng := rand.New(rand.NewPCG(7, 7))
	for range 20000 {
		buf := make([]byte, rng.IntN(40))
		for i := range buf {
			if rng.IntN(4) == 0 {
				buf[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				buf[i] = alphabet[rng.IntN(6)]
			}
		}
		for from := 0; from <= len(buf); from++ {
			want := from
			for want < len(buf) && !csvSpecial[buf[want]] {
				want++
			}
			if got := nextSpecial(buf, from); got != want {
				t.Fatalf("nextSpecial(%q, %d) = %d, want %d", buf, from, got, want)
			}
		}
	}
}

// TestTrimSpace: the fast path of trimSpace trims as strings.TrimSpace
// does, Unicode spaces and control bytes at either end included.
func TestTrimSpace(t *testing.T) {
	alphabet := []string{"a", "7", " ", "\t", "\r", "\x7f", "\x00", "\u00a0", "\u0085", "\u2003", "é", "\xff"}
	var inputs []string
	for _, a := range alphabet {
		for _, b := range alphabet {
			for _, c := range alphabet {
				inputs = append(inputs, a, a+b, a+b+c, a+"mid"+c)
			}
		}
	}
	for _, s := range append(inputs, "", "US-MN", " US-MN", "US-MN\u00a0") {
		if got, want := trimSpace(s), strings.TrimSpace(s); got != want {
			t.Errorf("trimSpace(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestControlByte(t *testing.T) {
	for s, want := range map[string]int{"": -1, "Minneapolis PD": -1, "tab\there": -1, "line\nbreak\r\n": -1,
		"\x00": 0, "abc\x00": 3, "abcdefgh\x01": 8, "abcdefghijklmno\x1f": 15, "a\x7f": 1, "ünïcödé text, long enough": -1,
		"abcdefgh\tijklmnop\x00": 17} {
		if got := controlByte(s); got != want {
			t.Errorf("controlByte(%q) = %d, want %d", s, got, want)
		}
	}
	// Every byte at every position of a 16-byte field.
	for pos := range 16 {
		for c := range 256 {
			b := []byte("abcdefghijklmnop")
			b[pos] = byte(c)
			want := -1
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
				want = pos
			}
			if got := controlByte(string(b)); got != want {
				t.Fatalf("byte %#x at %d: got %d, want %d", c, pos, got, want)
			}
		}
	}
}

// BenchmarkScan: records only (chunking and the scanner, one goroutine),
// over a file shaped like an operations file.
//
//	go test ./internal/csvx -run '^$' -bench Scan
func BenchmarkScan(b *testing.B) {
	data := benchFile(100_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ch := newChunker(bytes.NewReader(data), 512<<10, 16<<20, 2)
		for {
			c, err := ch.next()
			if err != nil {
				break
			}
			s := newScanner("ops.csv", c)
			for s.next() {
			}
			ch.recycle(c.data)
		}
	}
}

// benchFile is a CSV of rows rows shaped like an operations file: ids,
// names, dates, counts and a URL.
func benchFile(rows int) []byte {
	var buf bytes.Buffer
	buf.WriteString("operation_id,agency,jurisdiction,start_date,end_date,operation_type,arrests_total,arrests_traffickers,victims_identified_adult,victims_identified_minor,source_url\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&buf, "op-%d,\"Agency %d, field office\",US-MN,2023-%02d-01,2023-%02d-28,sting,%d,%d,%d,%d,https://www.example.gov/release/%d\n",
			i, i%97, i%12+1, i%12+1, i%50, i%7, i%11, i%3, i)
	}
	return buf.Bytes()
}

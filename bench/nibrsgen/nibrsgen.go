// Package nibrsgen scales a real NIBRS state bundle for benchmarks: each
// table of incidents and what hangs off them (offences, victims,
// arrestees, offenders, property and their links) is written copies times,
// the ids of each copy offset so that every join still holds within the
// copy and never across copies; code tables, agencies and months are
// written once. Counts derived from the scaled bundle are copies times
// those of the original. Never use its output as data.
package nibrsgen

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/klauspost/compress/flate"
)

// entityIDs are the columns that identify a record of a scaled table, or
// point to one: offset per copy.
var entityIDs = map[string]bool{
	"INCIDENT_ID": true, "OFFENSE_ID": true, "VICTIM_ID": true, "ARRESTEE_ID": true, "OFFENDER_ID": true, "PROPERTY_ID": true,
	"NIBRS_WEAPON_ID": true, "NIBRS_VICTIM_OFFENDER_ID": true, "NIBRS_ARRESTEE_WEAPON_ID": true,
	"NIBRS_PROP_DESC_ID": true, "NIBRS_SUSPECTED_DRUG_ID": true,
}

// Offset is what each copy adds to the ids of the one before: above any id
// of a real bundle.
const Offset = 1_000_000_000

// Scale writes the bundle in src (a ZIP of CSV tables) to w with every
// scaled table written copies times.
func Scale(w io.Writer, src *zip.Reader, copies int) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, 5)
	})
	for _, f := range src.File {
		if f.FileInfo().IsDir() {
			continue
		}
		data, err := readAll(f)
		if err != nil {
			return err
		}
		out, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(out, 1<<20)
		if err := scaleTable(bw, f.Name, data, copies); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	return zw.Close()
}

func readAll(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// scaleTable writes one table: once, or copies times with its id columns
// offset, keeping every other byte of each row as it was.
func scaleTable(w *bufio.Writer, name string, data []byte, copies int) error {
	header, rest, _ := bytes.Cut(data, []byte("\n"))
	cols := splitFields(string(bytes.TrimSuffix(header, []byte("\r"))))
	var ids []int
	for i, c := range cols {
		if entityIDs[strings.Trim(c, `"`)] {
			ids = append(ids, i)
		}
	}
	w.Write(header)
	w.WriteByte('\n')
	if len(ids) == 0 || strings.HasSuffix(strings.ToUpper(name), "NIBRS_MONTH.CSV") {
		_, err := w.Write(rest)
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(rest), "\n"), "\n")
	rows := make([][]string, len(lines))
	for i, l := range lines {
		if strings.Count(l, `"`)%2 != 0 {
			return fmt.Errorf("%s line %d: a quoted field spans lines, which the generator does not handle", name, i+2)
		}
		rows[i] = splitFields(l)
	}
	for k := 0; k < copies; k++ {
		for i, fields := range rows {
			for j, f := range fields {
				if j > 0 {
					w.WriteByte(',')
				}
				if k > 0 && slices.Contains(ids, j) && f != "" {
					n, err := strconv.ParseInt(f, 10, 64)
					if err != nil {
						return fmt.Errorf("%s line %d: %s %q is not a number", name, i+2, cols[j], f)
					}
					f = strconv.FormatInt(n+int64(k)*Offset, 10)
				}
				w.WriteString(f)
			}
			w.WriteByte('\n')
		}
	}
	return nil
}

// splitFields splits a CSV line at the commas outside quotes, keeping each
// field's text as it is (quotes included).
func splitFields(line string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, line[start:i])
				start = i + 1
			}
		}
	}
	return append(out, line[start:])
}

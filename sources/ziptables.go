package sources

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/internal/csvx"
	"github.com/palermo-project/palermo/internal/diag"
)

// Publishers ship relational tables as CSV files in a ZIP (the FBI's NIBRS
// bundles: one folder of tables per state and year). streamZipCSV reads one
// such table where it lies, as a stream: never whole in memory, whatever
// its size.

// zipTableLimit bounds what one streamed table may inflate to (a national
// year's NIBRS victim table is several GB), besides the inflation ratio
// every ZIP entry is held to.
const zipTableLimit = 1 << 40

// chunkStats are the rows one chunk of a table had, and the problems of
// those left out.
type chunkStats struct {
	Rows, BadRows int64
	Errs          diag.ErrorList
}

// streamZipCSV reads the CSV table of a ZIP entry chunk by chunk on all
// cores; its header must have cols (other columns are ignored). chunk reads
// the records of one chunk (c.Next...) into what they add up to; collect
// receives that, with the chunk's rows and problems, one chunk at a time in
// file order. Errors name FILE:ENTRY:LINE:COL.
func streamZipCSV[R any](ctx context.Context, file string, f *zip.File, cols []string, chunk func(c *csvx.File) R, collect func(R, chunkStats)) error {
	name := file + ":" + f.Name
	rc, err := bounded.OpenZipEntry(f, zipTableLimit)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rc.Close()
	type result struct {
		r  R
		st chunkStats
	}
	err = csvx.Stream(ctx, name, rc, cols, csvx.StreamOptions{Subset: true}, func(c *csvx.File, _ []byte) (result, error) {
		r := chunk(c)
		if c.Fatal != nil {
			return result{}, c.Fatal
		}
		return result{r, chunkStats{c.Rows, c.BadRows, c.Errs}}, nil
	}, func(res result) error {
		collect(res.r, res.st)
		return nil
	})
	if err != nil && len(diag.Positions(err)) == 0 {
		return fmt.Errorf("%s: %w", name, err)
	}
	return err
}

// readZipCodes reads a code table of a ZIP (a small table, read whole) into
// a map from idCol to what name makes of codeCol (see csvx.ReadCodes); its
// rows must all be clean.
func readZipCodes(file string, f *zip.File, idCol, codeCol string, name func(c *csvx.File, code string) (string, bool)) (map[string]string, error) {
	data, err := bounded.ReadZipEntry(f, bounded.DefaultMaxBytes)
	if err != nil {
		return nil, err
	}
	return csvx.ReadCodes(file+":"+f.Name, bytes.NewReader(data), idCol, codeCol, name)
}

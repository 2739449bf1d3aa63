package sources

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// WriteTableCSV writes a canonical table as CSV, nulls as empty cells. It is
// how canonical tables are reviewed (golden files) and handed to people who
// do not read Parquet.
func WriteTableCSV(w io.Writer, rec arrow.RecordBatch) error {
	cw := csv.NewWriter(w)
	var header []string
	for _, f := range rec.Schema().Fields() {
		header = append(header, f.Name)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	row := make([]string, rec.NumCols())
	for i := 0; i < int(rec.NumRows()); i++ {
		for j, col := range rec.Columns() {
			if col.IsNull(i) {
				row[j] = ""
				continue
			}
			switch a := col.(type) {
			case *array.String:
				row[j] = a.Value(i)
			case *array.Int64:
				row[j] = strconv.FormatInt(a.Value(i), 10)
			case *array.Float64:
				row[j] = strconv.FormatFloat(a.Value(i), 'g', -1, 64)
			case *array.Date32:
				row[j] = a.Value(i).FormattedString()
			default:
				return fmt.Errorf("column %s: type %s has no CSV form", rec.Schema().Field(j).Name, col.DataType())
			}
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

package sources

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/internal/diag"
	"github.com/palermo-project/palermo/internal/xls"
	"github.com/palermo-project/palermo/internal/xlsx"
)

// fbi_ht_tables: the FBI's annual Human Trafficking tables by state,
// published with Crime in the United States (2014 as .xlsx, 2016 and 2017
// as Excel 97-2003 .xls): offences and clearances, arrests by age and sex,
// by race and by ethnicity, and the agencies participating. One ZIP holds
// the workbooks; each is recognised by its title, and its year is the
// title's.

// htTablePages are the FBI's pages of each year's tables.
var htTablePages = map[string]string{
	"2014": "https://ucr.fbi.gov/crime-in-the-u.s/2014/crime-in-the-u.s.-2014/additional-reports/human-trafficking-report/human-trafficking.pdf",
	"2016": "https://ucr.fbi.gov/crime-in-the-u.s/2016/crime-in-the-u.s.-2016/additional-publications/human-trafficking",
	"2017": "https://ucr.fbi.gov/crime-in-the-u.s/2017/crime-in-the-u.s.-2017/additional-data-collections/human-trafficking",
}

func init() {
	Register(&Spec{
		Name:    "fbi_ht_tables",
		Summary: "FBI Human Trafficking tables by state, 2014, 2016 and 2017: offences and clearances (and under 18), arrests by age and sex, by race, by ethnicity, agencies participating",
		Origin: Origin{
			Producer:         "Federal Bureau of Investigation, Criminal Justice Information Services Division, Uniform Crime Reporting Program",
			Title:            "Human Trafficking tables by state (Crime in the United States), 2014, 2016 and 2017",
			Description:      "The FBI's published tables of human-trafficking offences, clearances and arrests reported by the agencies able to report them, by state. Not national estimates; coverage varies by year; no national total row (palermo adds the listed jurisdictions up for USA).",
			CitationFull:     "Federal Bureau of Investigation, Uniform Crime Reporting Program, Human Trafficking, 2014, 2016 and 2017 (tables by state); workbooks as kept in DataScienceSean/human_trafficking- on GitHub, commit 4d8b7755.",
			AttributionShort: "FBI UCR Human Trafficking tables",
			URLMain:          "https://ucr.fbi.gov/crime-in-the-u.s/2017/crime-in-the-u.s.-2017/additional-data-collections/human-trafficking",
			License:          License{Name: "Public domain (U.S. Government work, 17 U.S.C. 105)", URL: "https://www.usa.gov/government-copyright"},
		},
		// A closed series: the FBI moved these tables into the Crime Data
		// Explorer; a yearly look suffices.
		DefaultSchedule: "0 6 1 4 *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "fbi_ht_tables_2014_2017.zip", RetrievedAt: snapshotDate},
		Parse:           parseHTTables,
	})
}

var htTitle = regexp.MustCompile(`^(Participation|Offenses and Clearances|by Age|by Race|by Ethnicity) by State, (\d{4})$`)

// htCell is a table cell with the position errors name.
type htCell struct {
	value string
	pos   diag.PosError
}

// htForms are the offence rows and column groups of the tables.
var htForms = map[string]string{"Commercial sex acts": "sexual_exploitation", "Involuntary servitude": "forced_labour", "Total": All}

// The column groups of the arrest tables: juvenile then adult, each with
// these columns.
var (
	htAgeColumns       = []struct{ age, sex string }{{"minor", "male"}, {"minor", "female"}, {"adult", "male"}, {"adult", "female"}}
	htRaceColumns      = []string{"white", "black", "american_indian_alaska_native", "asian", "native_hawaiian_pacific_islander", "all_reported"}
	htEthnicityColumns = []string{"hispanic", "not_hispanic", "all_reported"}
)

// htNames are the FBI tables' own spellings of some names.
var htNames = map[string]string{"U. S. VIRGIN ISLANDS": "US-VI", "MASSACHUSSETTS": "US-MA"}

type htKey struct{ jur, year, measure, sex, age, form, breakdown string }

func parseHTTables(ctx context.Context, in Input) (*Output, error) {
	cells := map[htKey]float64{}
	names := map[string]string{}
	var problems diag.ErrorList
	rows := int64(0)
	err := bounded.EachZipEntry(in.Name, in.File, in.File.Size(), "FBI Human Trafficking workbooks",
		func(e string) bool { return strings.HasSuffix(e, ".xls") || strings.HasSuffix(e, ".xlsx") },
		func(name string, data []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			grid, err := readWorkbook(name, data)
			if err != nil {
				return err
			}
			n, err := readHTTable(name, grid, cells, names, &problems)
			rows += n
			return err
		})
	if err != nil {
		return nil, err
	}
	if err := problems.Err(); err != nil {
		return nil, err // the FBI's tables are small: any bad cell fails the file
	}
	// The tables have no national row: the jurisdictions they list, added
	// up, are the USA's reporting total.
	national := map[htKey]float64{}
	for k, v := range cells {
		if k.measure != "agencies_participating" {
			k.jur = "USA"
			national[k] += v
		}
	}
	maps.Copy(cells, national)
	keys := make([]htKey, 0, len(cells))
	for k := range cells {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return lessPairs([][2]string{{a.jur, b.jur}, {a.year, b.year}, {a.measure, b.measure}, {a.form, b.form}, {a.age, b.age}, {a.sex, b.sex}, {a.breakdown, b.breakdown}})
	})
	ob := NewObservationsBuilder(in.Mem)
	defer ob.Release()
	for _, k := range keys {
		v := cells[k]
		name, notes := StateName(k.jur), "as the FBI's table prints it"
		if k.jur == "USA" {
			name, notes = "United States", "summed by palermo over the jurisdictions the FBI's table lists (agencies able to report only)"
		}
		if f := names[k.jur+" "+k.year]; f != "" {
			notes += "; " + f
		}
		url := htTablePages[k.year]
		ob.Append(Observation{Source: "fbi_ht_tables", Edition: k.year, Jurisdiction: k.jur, JurisdictionName: name,
			Period: k.year, Measure: k.measure, Sex: k.sex, AgeGroup: k.age, Form: k.form, Breakdown: k.breakdown, Value: &v,
			SourceURL: url, SourceKind: PageKind(url), Notes: notes})
	}
	return &Output{Tables: map[string]arrowBatch{TableObservations: ob.NewRecordBatch()}, Provenance: in.Provenance, RowsRead: rows}, nil
}

// readWorkbook reads the first sheet of an .xlsx or .xls workbook into rows
// of cells by column.
func readWorkbook(name string, data []byte) (map[int]map[int]htCell, error) {
	grid := map[int]map[int]htCell{}
	put := func(row, col int, ref, v string) {
		if strings.TrimSpace(v) == "" {
			return
		}
		if grid[row] == nil {
			grid[row] = map[int]htCell{}
		}
		grid[row][col] = htCell{strings.TrimSpace(v), diag.PosError{File: name, Line: row, Col: col, Cell: ref}}
	}
	if strings.HasSuffix(name, ".xlsx") {
		sh, err := xlsx.Open(name, bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, err
		}
		return grid, sh.Rows(func(row int, cells []xlsx.Cell) error {
			for _, c := range cells {
				put(row, c.Col, sh.Name+"!"+c.Ref, c.Value)
			}
			return nil
		})
	}
	sh, err := xls.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, &diag.PosError{File: name, Line: 1, Col: 1, Msg: err.Error()}
	}
	return grid, sh.Rows(func(row int, cells []xls.Cell) error {
		for _, c := range cells {
			put(row, c.Col, sh.Name+"!"+c.Ref, c.Value)
		}
		return nil
	})
}

// readHTTable reads one table into cells; it returns the data rows read.
func readHTTable(name string, grid map[int]map[int]htCell, cells map[htKey]float64, notes map[string]string, problems *diag.ErrorList) (int64, error) {
	m := htTitle.FindStringSubmatch(grid[3][1].value)
	if m == nil {
		return 0, &diag.PosError{File: name, Line: 3, Col: 1, Msg: fmt.Sprintf("title %q is none of the FBI's Human Trafficking tables by state", grid[3][1].value)}
	}
	kind, year := m[1], m[2]
	bad := func(c htCell, format string, args ...any) {
		e := c.pos
		e.Msg = fmt.Sprintf(format, args...)
		problems.Keep(&e)
	}
	count := func(c htCell, ok bool, what string) (float64, bool) {
		if !ok {
			return 0, false
		}
		v := strings.TrimSuffix(c.value, "*") // "2*": a footnote marker
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad(c, "%s: %q is not a count", what, c.value)
			return 0, false
		}
		return float64(n), true
	}
	rowNums := make([]int, 0, len(grid))
	for r := range grid {
		if r > 5 || (kind == "Participation" && r > 4) {
			rowNums = append(rowNums, r)
		}
	}
	sort.Ints(rowNums)
	state := ""
	var rows int64
	for _, r := range rowNums {
		row := grid[r]
		if c, ok := row[1]; ok {
			if strings.HasPrefix(c.value, "*") || strings.HasPrefix(strings.ToLower(c.value), "note") {
				continue // a footnote under the table
			}
			label := strings.TrimSpace(strings.TrimRight(c.value, "*"))
			st, ok := stateByName[strings.ToUpper(label)]
			if !ok {
				st, ok = htNames[strings.ToUpper(label)]
			}
			if !ok {
				bad(c, "%q is not a US state, DC or territory", c.value)
				continue
			}
			state = st
			if strings.HasSuffix(c.value, "*") {
				notes[st+" "+year] = "the FBI marks it: data submitted through the Bureau of Indian Affairs"
			}
		}
		if state == "" {
			bad(row[2], "a row before the first state")
			continue
		}
		rows++
		switch kind {
		case "Participation":
			c, ok := row[2]
			if v, ok := count(c, ok, "Number of participating agencies"); ok {
				cells[htKey{state, year, "agencies_participating", All, All, All, ""}] = v
			}
		case "Offenses and Clearances":
			for g, form := range []string{"sexual_exploitation", "forced_labour", All} {
				for i, measure := range []string{"offences_actual", "offences_cleared", "offences_cleared_under_18"} {
					c, ok := row[2+3*g+i]
					if v, ok := count(c, ok, measure); ok {
						cells[htKey{state, year, measure, All, All, form, ""}] = v
					}
				}
			}
		default: // arrest tables: a row per offence, the state on the first
			off, ok := row[2]
			form := htForms[off.value]
			if !ok || form == "" || form == All {
				bad(off, "offence %q is neither Commercial sex acts nor Involuntary servitude", off.value)
				continue
			}
			switch kind {
			case "by Age":
				for i, c := range htAgeColumns {
					cell, ok := row[3+i]
					if v, ok := count(cell, ok, c.age+" "+c.sex); ok {
						cells[htKey{state, year, "arrests", c.sex, c.age, form, ""}] += v
						cells[htKey{state, year, "arrests", All, c.age, form, ""}] += v
					}
				}
			case "by Race", "by Ethnicity":
				cols, dim := htRaceColumns, "race="
				if kind == "by Ethnicity" {
					cols, dim = htEthnicityColumns, "ethnicity="
				}
				for a, age := range []string{"minor", "adult"} {
					for i, group := range cols {
						cell, ok := row[3+a*len(cols)+i]
						if v, ok := count(cell, ok, age+" "+group); ok {
							cells[htKey{state, year, "arrests", All, age, form, dim + group}] = v
						}
					}
				}
			}
		}
	}
	if rows == 0 {
		return 0, &diag.PosError{File: name, Line: 6, Col: 1, Msg: "the table has no state rows"}
	}
	return rows, nil
}

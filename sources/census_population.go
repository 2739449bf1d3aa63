package sources

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/internal/csvx"
	"github.com/palermo-project/palermo/internal/diag"
)

// census_population: US Census Bureau population estimates by state, single
// year of age and sex, 2000-2021, three files in one ZIP: the intercensal
// 2000-2010 resident estimates and the Vintage 2019 and Vintage 2021
// civilian estimates. palermo takes the population of all ages and under
// 18 per state and year, the denominators of per-capita state indicators.

const censusURL = "https://www.census.gov/programs-surveys/popest.html"

func init() {
	Register(&Spec{
		Name:    "census_population",
		Summary: "US Census Bureau state population estimates by age and sex, 2000-2021: population of all ages and under 18 per state and year",
		Origin: Origin{
			Producer:         "U.S. Census Bureau, Population Estimates Program",
			Title:            "State population by single year of age and sex: intercensal 2000-2010, Vintage 2019 and Vintage 2021",
			Description:      "Resident population 2000-2009 (intercensal), civilian population 2010-2019 (Vintage 2019, base 2010 census) and 2020-2021 (Vintage 2021, base 2020 census). The three are series with different bases: 2010 and 2020 are breaks.",
			CitationFull:     "U.S. Census Bureau, Population Estimates Program: st-est00int-agesex, sc-est2019-agesex-civ and sc-est2021-agesex-civ.",
			AttributionShort: "U.S. Census Bureau",
			URLMain:          censusURL,
			URLDownload:      "https://www2.census.gov/programs-surveys/popest/datasets/2010-2019/state/asrh/sc-est2019-agesex-civ.csv",
			License:          usGovernmentWork,
		},
		// Census publishes a vintage a year, around June.
		DefaultSchedule: "0 6 1 7 *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "census_state_population_age_sex.zip", RetrievedAt: snapshotDate},
		Parse:           parseCensusPopulation,
	})
}

// censusLayouts are the files' headers up to the estimate columns, and
// the pattern of an estimate column's name (its year in group 1).
var censusLayouts = []struct {
	name, series string
	head         []string
	estimate     *regexp.Regexp
}{
	{"intercensal 2000-2010", "resident population, intercensal estimates 2000-2010",
		[]string{"REGION", "DIVISION", "STATE", "NAME", "SEX", "AGE"}, regexp.MustCompile(`^POPESTIMATE(200\d)$`)},
	{"vintage 2019", "civilian population, Vintage 2019 (base: 2010 census)",
		[]string{"SUMLEV", "REGION", "DIVISION", "STATE", "NAME", "SEX", "AGE"}, regexp.MustCompile(`^POPEST(20\d\d)_CIV$`)},
}

// censusAge reads AGE: 0-84 single years, 85 for 85 and over, 999 for all.
func censusAge(f *csvx.File) (int, bool) {
	n, err := strconv.Atoi(f.Get("AGE"))
	if err != nil || n < 0 || n > 85 && n != 999 {
		f.Fail("AGE", "AGE %q is neither 0-85 nor 999 (all ages)", f.Get("AGE"))
		return 0, false
	}
	return n, true
}

func parseCensusPopulation(ctx context.Context, in Input) (*Output, error) {
	type key struct{ state, year string }
	type cell struct {
		all, minor, sumAges float64
		series              string
		line                int
		file                string
	}
	cells := map[key]*cell{}
	isCSV := func(entry string) bool { return strings.HasSuffix(strings.ToLower(entry), ".csv") }
	err := bounded.EachZipEntry(in.Name, in.File, in.File.Size(), "Census CSV files", isCSV, func(name string, data []byte) error {
		header, _, _ := strings.Cut(string(data[:min(len(data), 4096)]), "\n")
		cols := strings.Split(strings.TrimRight(header, "\r"), ",")
		layout := -1
		for i, l := range censusLayouts {
			if len(cols) > len(l.head) && slices.Equal(cols[:len(l.head)], l.head) {
				layout = i
			}
		}
		if layout < 0 {
			return &diag.PosError{File: name, Line: 1, Col: 1, Msg: "header is none of the Census state age-sex layouts (st-est00int-agesex, sc-est20YY-agesex-civ)"}
		}
		l := censusLayouts[layout]
		f, err := csvx.OpenPlaces(name, bytes.NewReader(data), cols, "NAME")
		if err != nil {
			return err
		}
		// The estimate columns this file gives, with their years; a year
		// another file gives from a later base is taken from that one (2010
		// from Vintage 2019).
		type estimate struct{ col, year string }
		var estimates []estimate
		for _, c := range cols {
			if m := l.estimate.FindStringSubmatch(c); m != nil {
				estimates = append(estimates, estimate{c, m[1]})
			}
		}
		for f.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if f.Get("STATE") == "0" {
				continue // the United States row
			}
			nm := f.Get("NAME")
			state, ok := stateByName[strings.ToUpper(nm)]
			if !ok {
				f.Fail("NAME", "NAME %q is not a US state or DC", nm)
			}
			age, okAge := censusAge(f)
			sex := f.Get("SEX")
			if !f.RowOK() || !okAge || sex != "0" {
				continue // both sexes only; 1 and 2 sum to 0
			}
			for _, e := range estimates {
				col, y := e.col, e.year
				v := f.Count(col)
				if v == nil {
					f.Fail(col, "%s: the estimate is missing", col)
					continue
				}
				k := key{state, y}
				c := cells[k]
				if c == nil {
					c = &cell{series: l.series, file: name, line: f.Line()}
					cells[k] = c
				} else if c.file != name {
					f.Fail(col, "%s %s is also in %s", nm, y, c.file)
					continue
				}
				switch {
				case age == 999:
					c.all = float64(*v)
				default:
					c.sumAges += float64(*v)
					if age < 18 {
						c.minor += float64(*v)
					}
				}
			}
		}
		return f.Fatal
	})
	if err != nil {
		return nil, err
	}
	keys := make([]key, 0, len(cells))
	for k, c := range cells {
		// Plausibility: all ages is the sum of the single years.
		if c.all != c.sumAges {
			return nil, &diag.PosError{File: c.file, Line: c.line, Col: 1, Msg: fmt.Sprintf("%s %s: all ages %v is not the sum of the single years %v", k.state, k.year, c.all, c.sumAges)}
		}
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].state < keys[j].state || keys[i].state == keys[j].state && keys[i].year < keys[j].year
	})
	ob := NewObservationsBuilder(in.Mem)
	defer ob.Release()
	for _, k := range keys {
		c := cells[k]
		for _, p := range []struct {
			age string
			v   float64
		}{{All, c.all}, {"minor", c.minor}} {
			v := p.v
			ob.Append(Observation{Source: "census_population", Jurisdiction: k.state, JurisdictionName: usSubdivisions[k.state],
				Period: k.year, Measure: "population", Sex: All, AgeGroup: p.age, Form: All, Value: &v,
				SourceURL: censusURL, SourceKind: KindPrimary, Notes: c.series})
		}
	}
	return &Output{Tables: map[string]arrowBatch{TableObservations: ob.NewRecordBatch()}, Provenance: in.Provenance}, nil
}

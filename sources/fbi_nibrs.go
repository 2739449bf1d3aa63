package sources

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/internal/csvx"
	"github.com/palermo-project/palermo/internal/diag"
)

// fbi_nibrs: FBI Crime Data Explorer NIBRS state bundles (one ZIP of
// relational CSVs per state and year). palermo joins offenses, victims and
// arrestees into per-state, per-year counts: human-trafficking offences and
// their victims by age group, human-trafficking arrests and
// prostitution-family arrests (selling, promoting, purchasing) by age group.

func init() {
	Register(&Spec{
		Name:    "fbi_nibrs",
		Summary: "FBI NIBRS state bundles: human-trafficking offences and victims, human-trafficking and prostitution arrests by adult/minor and by race, per state and year",
		Origin: Origin{
			Producer:         "Federal Bureau of Investigation, Criminal Justice Information Services Division, Uniform Crime Reporting Program",
			Title:            "National Incident-Based Reporting System (NIBRS) state data bundles",
			Description:      "Incident-based crime records submitted by participating agencies, published as one ZIP of relational CSV tables per state and year. Coverage is partial and grows over the years.",
			CitationFull:     "Federal Bureau of Investigation, Crime Data Explorer, NIBRS data by state (Minnesota 2018; arrestees 2019 of 33 states).",
			AttributionShort: "FBI NIBRS (Crime Data Explorer)",
			URLMain:          cdeURL,
			License:          License{Name: "Public domain (U.S. Government work, 17 U.S.C. 105)", URL: "https://www.usa.gov/government-copyright"},
		},
		// The FBI publishes a data year once a year, in the autumn; check monthly.
		DefaultSchedule: "45 6 2 * *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "nibrs_cde.zip", RetrievedAt: snapshotDate},
		Parse:           parseNIBRS,
	})
}

// The NIBRS offence codes palermo counts; their numeric ids come from each
// bundle's NIBRS_OFFENSE_TYPE table.
var nibrsCodes = map[string]struct{ measureForm, label string }{
	"64A": {"sexual_exploitation", "human trafficking, commercial sex acts"},
	"64B": {"forced_labour", "human trafficking, involuntary servitude"},
	"40A": {"", "prostitution"},
	"40B": {"", "assisting or promoting prostitution"},
	"40C": {"", "purchasing prostitution"},
}

var nibrsArresteeFile = regexp.MustCompile(`(?i)^NIBRS_ARRESTEE(?:_([A-Z]{2}))?\.csv$`)

// nibrsBundle is the tables of one state found in the ZIP, by upper-case
// base name (NIBRS_OFFENSE.CSV).
type nibrsBundle struct {
	state string
	files map[string]*zip.File
}

func parseNIBRS(ctx context.Context, in Input) (*Output, error) {
	zr, err := bounded.OpenZip(in.File, in.File.Size())
	if err != nil {
		return nil, &diag.PosError{File: in.Name, Line: 1, Col: 1, Msg: fmt.Sprintf("not a ZIP of NIBRS tables: %v", err)}
	}
	bundles := map[string]*nibrsBundle{}
	var offenseTypes, ages, races *zip.File
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		base := path.Base(f.Name)
		upper := strings.ToUpper(base)
		switch upper {
		case "NIBRS_OFFENSE_TYPE.CSV":
			offenseTypes = f
			continue
		case "NIBRS_AGE.CSV":
			ages = f
			continue
		case "REF_RACE.CSV":
			races = f
			continue
		}
		key, state := path.Dir(f.Name), ""
		if m := nibrsArresteeFile.FindStringSubmatch(base); m != nil && m[1] != "" {
			state = strings.ToUpper(m[1])
			key, upper = key+"/"+state, "NIBRS_ARRESTEE.CSV" // one state per renamed arrestee file
		}
		b := bundles[key]
		if b == nil {
			b = &nibrsBundle{state: state, files: map[string]*zip.File{}}
			bundles[key] = b
		}
		b.files[upper] = f
	}
	if offenseTypes == nil {
		return nil, &diag.PosError{File: in.Name, Line: 1, Col: 1, Msg: "the ZIP has no NIBRS_OFFENSE_TYPE.csv: its codes decide which rows count"}
	}
	codes, err := readNIBRSOffenseTypes(in.Name, offenseTypes)
	if err != nil {
		return nil, err
	}
	var ageCodes map[string]string
	if ages != nil {
		if ageCodes, err = readNIBRSAges(in.Name, ages); err != nil {
			return nil, err
		}
	}
	counts := newNIBRSCounts()
	if races != nil {
		// The race of arrestees is counted where the ZIP has the code
		// table (a CDE bundle's REF_RACE.csv serves the other files of
		// the same schema).
		if counts.races, err = readNIBRSRaces(in.Name, races); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(bundles) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := bundles[k]
		if b.files["NIBRS_ARRESTEE.CSV"] == nil && b.files["NIBRS_OFFENSE.CSV"] == nil {
			continue // a folder of other tables
		}
		if b.state == "" {
			if b.state, err = nibrsState(in.Name, k, b); err != nil {
				return nil, err
			}
		}
		// The FBI's abbreviations are not all ISO 3166-2 (Nebraska is NB).
		iso, err := USState(b.state)
		if err != nil {
			return nil, &diag.PosError{File: in.Name, Line: 1, Col: 1, Msg: fmt.Sprintf("%s: %v", k, err)}
		}
		b.state = iso
		if f := b.files["NIBRS_ARRESTEE.CSV"]; f != nil {
			if err := b.countArrests(ctx, in.Name, f, codes, ageCodes, counts); err != nil {
				return nil, err
			}
		}
		if b.files["NIBRS_OFFENSE.CSV"] != nil {
			if err := b.countOffences(ctx, in.Name, codes, ageCodes, counts); err != nil {
				return nil, err
			}
		}
	}
	if len(counts.covered) == 0 {
		return nil, &diag.PosError{File: in.Name, Line: 1, Col: 1, Msg: "the ZIP has no NIBRS_ARRESTEE or NIBRS_OFFENSE table"}
	}
	ob := NewObservationsBuilder(in.Mem)
	defer ob.Release()
	counts.emit(ob, cdeURL)
	return &Output{Tables: map[string]arrowBatch{TableObservations: ob.NewRecordBatch()}, Provenance: in.Provenance,
		Quarantine: counts.quarantine, QuarantinedRows: counts.badRows, RowsRead: counts.rows}, nil
}

// nibrsState finds the state of a bundle: agencies.csv's STATE_ABBR, else a
// two-letter folder name (CDE bundles unpack into one).
func nibrsState(file, key string, b *nibrsBundle) (string, error) {
	if f := b.files["AGENCIES.CSV"]; f != nil {
		data, err := bounded.ReadZipEntry(f, bounded.DefaultMaxBytes)
		if err != nil {
			return "", err
		}
		name := file + ":" + f.Name
		c, err := csvx.OpenSubset(name, bytes.NewReader(data), []string{"STATE_ABBR"})
		if err != nil {
			return "", err
		}
		seen := map[string]int{}
		for c.Next() {
			if s := c.Get("STATE_ABBR"); s != "" {
				seen[s]++
			}
		}
		if len(seen) == 1 {
			for s := range seen {
				return s, nil
			}
		}
		if len(seen) > 1 {
			return "", &diag.PosError{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf("agencies of several states (%v) in one bundle", seen)}
		}
	}
	if d := path.Base(key); len(d) == 2 {
		return strings.ToUpper(d), nil
	}
	return "", &diag.PosError{File: file, Line: 1, Col: 1, Msg: fmt.Sprintf("cannot tell the state of the tables in %q: no agencies.csv and no two-letter folder", key)}
}

func readNIBRSOffenseTypes(file string, f *zip.File) (map[string]string, error) {
	found := map[string]bool{}
	ids, err := readZipCodes(file, f, "OFFENSE_TYPE_ID", "OFFENSE_CODE", func(c *csvx.File, code string) (string, bool) {
		if _, ok := nibrsCodes[code]; !ok {
			return "", false // a code palermo does not count
		}
		found[code] = true
		return code, c.Required("OFFENSE_TYPE_ID") != ""
	})
	if err != nil {
		return nil, err
	}
	for code := range nibrsCodes {
		if !found[code] {
			return nil, &diag.PosError{File: file + ":" + f.Name, Line: 1, Col: 1, Msg: fmt.Sprintf("offence code %s is not in the code table", code)}
		}
	}
	return ids, nil
}

// nibrsRaces names the CDE race codes (REF_RACE's RACE_CODE).
var nibrsRaces = map[string]string{"W": "white", "B": "black", "I": "american_indian_alaska_native", "A": "asian",
	"P": "native_hawaiian_pacific_islander", "AP": "asian_pacific_islander", "M": "multiple", "U": "unknown",
	"NS": "unknown", "C": "chinese", "J": "japanese", "O": "other"}

func readNIBRSRaces(file string, f *zip.File) (map[string]string, error) {
	return readZipCodes(file, f, "RACE_ID", "RACE_CODE", func(c *csvx.File, code string) (string, bool) {
		name, ok := nibrsRaces[code]
		if !ok {
			c.Fail("RACE_CODE", "race code %q is not one palermo knows", code)
		}
		return name, ok
	})
}

func readNIBRSAges(file string, f *zip.File) (map[string]string, error) {
	return readZipCodes(file, f, "AGE_ID", "AGE_CODE", func(_ *csvx.File, code string) (string, bool) { return code, true })
}

// nibrsAgeGroup classifies a NIBRS age: the bundle's age code table says which
// AGE_ID means "age in years" (AG), under one year (NN, NB, BB), over 98
// (99) or unknown (00, NS). Without the table, AGE_NUM alone decides.
func nibrsAgeGroup(ageCodes map[string]string, ageID, ageNum string) string {
	code := ""
	if ageCodes != nil {
		code = ageCodes[ageID]
	}
	switch code {
	case "NN", "NB", "BB":
		return "minor"
	case "99":
		return "adult"
	case "00", "NS":
		return "unknown"
	}
	if code != "" && code != "AG" {
		return "unknown"
	}
	n, err := strconv.Atoi(ageNum)
	switch {
	case err != nil || ageNum == "":
		return "unknown"
	case n < 18:
		return "minor"
	default:
		return "adult"
	}
}

type nibrsKey struct {
	state, year, measure, form, age, offence string
	race                                     string // for arrests by race (all ages); "" otherwise
}

// nibrsCounts are the counts of every bundle of the ZIP: a tally of all
// chunks, with what the parse needs besides.
type nibrsCounts struct {
	*nibrsTally
	// races maps RACE_ID to palermo's race names, when the ZIP has
	// REF_RACE.csv; arrests are then also counted by race.
	races map[string]string
	// rows that failed validation, over all tables
	quarantine    diag.ErrorList
	rows, badRows int64
}

func newNIBRSCounts() *nibrsCounts { return &nibrsCounts{nibrsTally: newNIBRSTally()} }

// fill makes a reported zero a zero: a state-year whose tables were read
// gets every cell those tables can fill, so "no minor arrested" is 0, not a
// gap. Cells of tables a bundle lacks stay absent (not reported).
func (n *nibrsCounts) fill() {
	for cv := range n.covered {
		state, year := cv[0], cv[1]
		for code, c := range nibrsCodes {
			switch {
			case cv[2] == "arrests":
				for _, age := range []string{"minor", "adult", "unknown"} {
					n.cells[nibrsKey{state, year, "arrests", All, age, code, ""}] += 0
				}
				for _, race := range n.races {
					n.cells[nibrsKey{state, year, "arrests", All, All, code, race}] += 0
				}
			case cv[2] == "offences" && c.measureForm != "":
				n.cells[nibrsKey{state, year, "offences_recorded", c.measureForm, All, code, ""}] += 0
				for _, age := range []string{"minor", "adult", "unknown"} {
					n.cells[nibrsKey{state, year, "victims_recorded", c.measureForm, age, code, ""}] += 0
				}
			}
		}
	}
}

func (n *nibrsCounts) emit(ob *ObservationsBuilder, url string) {
	n.fill()
	keys := slices.Collect(maps.Keys(n.cells))
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return lessPairs([][2]string{{a.state, b.state}, {a.year, b.year}, {a.measure, b.measure}, {a.offence, b.offence}, {a.form, b.form}, {a.age, b.age}, {a.race, b.race}})
	})
	for _, k := range keys {
		v := n.cells[k]
		breakdown := "nibrs_offense=" + k.offence
		if k.race != "" {
			breakdown += ";race=" + k.race
		}
		ob.Append(Observation{Source: "fbi_nibrs", Edition: k.year, Jurisdiction: k.state, JurisdictionName: StateName(k.state),
			Period: k.year, Measure: k.measure, Sex: All, AgeGroup: k.age, Form: k.form, Breakdown: breakdown, Value: &v,
			SourceURL: url, SourceKind: KindPrimary, Notes: "counted by palermo from NIBRS records: " + nibrsCodes[k.offence].label})
	}
}

// nibrsTally is what records add up to: those of one chunk of a table
// (read on all cores, merged in file order), or of the whole ZIP.
type nibrsTally struct {
	cells map[nibrsKey]float64
	// covered records which tables each state-year had: "arrests" (an
	// arrestee table) or "offences" (offence, victim and link tables).
	covered map[[3]string]bool
	ht      map[string]nibrsOffence          // OFFENSE_ID of 64A/64B offences
	victims map[string]map[nibrsOffence]bool // VICTIM_ID -> the HT offences it is a victim of
	found   int                              // victims of HT offences found in the victim table
}

func newNIBRSTally() *nibrsTally {
	return &nibrsTally{cells: map[nibrsKey]float64{}, covered: map[[3]string]bool{}, ht: map[string]nibrsOffence{}, victims: map[string]map[nibrsOffence]bool{}}
}

type nibrsOffence struct{ year, code string }

func (t *nibrsTally) add(k nibrsKey)                 { t.cells[k]++ }
func (t *nibrsTally) cover(state, year, what string) { t.covered[[3]string{state, year, what}] = true }

// streamTable reads one table of the bundle as a stream on all cores
// (streamZipCSV): row sees each record of a chunk with the chunk's tally,
// and the tallies go into n in file order.
func (b *nibrsBundle) streamTable(ctx context.Context, file string, f *zip.File, cols []string, n *nibrsCounts, row func(c *csvx.File, t *nibrsTally)) error {
	return streamZipCSV(ctx, file, f, cols, func(c *csvx.File) *nibrsTally {
		t := newNIBRSTally()
		for c.Next() {
			row(c, t)
		}
		return t
	}, n.merge)
}

// merge adds a chunk's tally, and its rows read and left out, to the counts.
func (n *nibrsCounts) merge(t *nibrsTally, st chunkStats) {
	for k, v := range t.cells {
		n.cells[k] += v
	}
	for k := range t.covered {
		n.covered[k] = true
	}
	for id, o := range t.ht {
		n.ht[id] = o
	}
	for v, of := range t.victims {
		if n.victims[v] == nil {
			n.victims[v] = map[nibrsOffence]bool{}
		}
		for o := range of {
			n.victims[v][o] = true
		}
	}
	n.found += t.found
	n.rows += st.Rows
	n.badRows += st.BadRows
	n.quarantine.Keep(st.Errs...)
}

// yearAndCode reads a record's data year, covers the state-year for the
// table (what), and finds the offence code palermo counts, if any.
func (b *nibrsBundle) yearAndCode(c *csvx.File, t *nibrsTally, codes map[string]string, what string) (year, code string, ok bool) {
	y := c.Year("DATA_YEAR")
	if y == 0 {
		return "", "", false
	}
	year = csvx.YearString(y)
	t.cover(b.state, year, what)
	code, ok = codes[c.Get("OFFENSE_TYPE_ID")]
	return year, code, ok
}

func (b *nibrsBundle) countArrests(ctx context.Context, file string, f *zip.File, codes, ageCodes map[string]string, n *nibrsCounts) error {
	cols := []string{"DATA_YEAR", "ARRESTEE_ID", "OFFENSE_TYPE_ID", "AGE_ID", "AGE_NUM"}
	if n.races != nil {
		cols = append(cols, "RACE_ID")
	}
	return b.streamTable(ctx, file, f, cols, n, func(c *csvx.File, t *nibrsTally) {
		y, code, ok := b.yearAndCode(c, t, codes, "arrests")
		if !ok {
			return
		}
		t.add(nibrsKey{b.state, y, "arrests", All, nibrsAgeGroup(ageCodes, c.Get("AGE_ID"), c.Get("AGE_NUM")), code, ""})
		if n.races != nil {
			race, ok := n.races[c.Get("RACE_ID")]
			if !ok {
				c.Fail("RACE_ID", "RACE_ID %q is not in REF_RACE.csv", c.Get("RACE_ID"))
				return
			}
			t.add(nibrsKey{b.state, y, "arrests", All, All, code, race})
		}
	})
}

// countOffences counts 64A/64B offence records and their distinct victims:
// the offences first, then the links to victims of those offences, then
// the victims' ages; each table is read once, as a stream.
func (b *nibrsBundle) countOffences(ctx context.Context, file string, codes, ageCodes map[string]string, n *nibrsCounts) error {
	need := func(name string) (*zip.File, error) {
		f := b.files[name]
		if f == nil {
			return nil, &diag.PosError{File: file, Line: 1, Col: 1, Msg: fmt.Sprintf("bundle %s has NIBRS_OFFENSE.csv but no %s", b.state, name)}
		}
		return f, nil
	}
	n.ht, n.victims, n.found = map[string]nibrsOffence{}, map[string]map[nibrsOffence]bool{}, 0
	err := b.streamTable(ctx, file, b.files["NIBRS_OFFENSE.CSV"], []string{"DATA_YEAR", "OFFENSE_ID", "OFFENSE_TYPE_ID"}, n, func(c *csvx.File, t *nibrsTally) {
		y, code, ok := b.yearAndCode(c, t, codes, "offences")
		if !ok || nibrsCodes[code].measureForm == "" {
			return
		}
		id := c.Required("OFFENSE_ID")
		if !c.RowOK() {
			return
		}
		t.ht[strings.Clone(id)] = nibrsOffence{y, code} // a field of a streamed chunk lives as long as the chunk
		t.add(nibrsKey{b.state, y, "offences_recorded", nibrsCodes[code].measureForm, All, code, ""})
	})
	if err != nil {
		return err
	}
	vof, err := need("NIBRS_VICTIM_OFFENSE.CSV")
	if err != nil {
		return err
	}
	ht := n.ht
	err = b.streamTable(ctx, file, vof, []string{"VICTIM_ID", "OFFENSE_ID"}, n, func(c *csvx.File, t *nibrsTally) {
		o, ok := ht[c.Get("OFFENSE_ID")]
		if !ok {
			return
		}
		v := c.Required("VICTIM_ID")
		if !c.RowOK() {
			return
		}
		if t.victims[v] == nil {
			v = strings.Clone(v) // a field of a streamed chunk lives as long as the chunk
			t.victims[v] = map[nibrsOffence]bool{}
		}
		t.victims[v][o] = true
	})
	if err != nil || len(n.victims) == 0 {
		return err
	}
	vf, err := need("NIBRS_VICTIM.CSV")
	if err != nil {
		return err
	}
	victims := n.victims
	err = b.streamTable(ctx, file, vf, []string{"VICTIM_ID", "AGE_ID", "AGE_NUM"}, n, func(c *csvx.File, t *nibrsTally) {
		of, ok := victims[c.Get("VICTIM_ID")]
		if !ok {
			return
		}
		t.found++
		age := nibrsAgeGroup(ageCodes, c.Get("AGE_ID"), c.Get("AGE_NUM"))
		for o := range of {
			t.add(nibrsKey{b.state, o.year, "victims_recorded", nibrsCodes[o.code].measureForm, age, o.code, ""})
		}
	})
	if err != nil {
		return err
	}
	// Plausibility: every victim linked to a trafficking offence exists.
	if n.found != len(victims) {
		return &diag.PosError{File: file + ":" + vf.Name, Line: 1, Col: 1,
			Msg: fmt.Sprintf("%d victims linked to human-trafficking offences are missing from the victim table", len(victims)-n.found)}
	}
	return nil
}

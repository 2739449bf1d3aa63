package sources

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/internal/diag"
)

// fbi_ucr_ht: the FBI's legacy UCR Human Trafficking master file, fixed
// width, one record per agency and year: offences reported, unfounded,
// actual, cleared and cleared involving only persons under 18, for
// commercial sex acts and involuntary servitude, month by month.

func init() {
	Register(&Spec{
		Name:    "fbi_ucr_ht",
		Summary: "FBI UCR Human Trafficking master file (fixed width): offences reported, unfounded, actual, cleared and cleared under 18, per agency, state and nation",
		Origin: Origin{
			Producer:         "Federal Bureau of Investigation, Criminal Justice Information Services Division, Uniform Crime Reporting Program",
			Title:            "Uniform Crime Reporting Program Data: Human Trafficking (master file)",
			Description:      "Summary Reporting System counts of human-trafficking offences by agency and month. Participation was small in the first years (2013: 5 agencies with data).",
			CitationFull:     "Federal Bureau of Investigation, Uniform Crime Reporting Program, Human Trafficking master file, 2015.",
			AttributionShort: "FBI UCR Human Trafficking",
			URLMain:          cdeURL,
			License:          License{Name: "Public domain (U.S. Government work, 17 U.S.C. 105)", URL: "https://www.usa.gov/government-copyright"},
		},
		DefaultSchedule: "0 8 2 * *",
		Tables:          []string{TableObservations},
		Embedded:        &Snapshot{File: "ucr_ht_master_2013_2015.zip", RetrievedAt: snapshotDate},
		Parse:           parseUCRHT,
		// An agency's yearly count ten times its previous one (and 50 more)
		// is more likely a corrupted export than a real change.
		Jump: &JumpCheck{Factor: 10, Min: 50, Breakdown: "ori="},
	})
}

// Layout of the master file (1-based columns, from the FBI's record
// description as transcribed in jacobkap/crime_data's SPSS setup file).
const (
	ucrORI        = 4  // 4-10 ORI; its first two letters are the state
	ucrYear       = 14 // 14-15 two-digit year
	ucrAgencyName = 46 // 46-69
	ucrMonthCodes = 76 // 76-87 one report code a month
	ucrCounts     = 88 // 12 months x 15 five-character counts
	ucrRecordLen  = 987
)

// Each month holds five measures, each for commercial sex acts, involuntary
// servitude and their total.
var (
	ucrMeasures = []string{"offences_reported", "offences_unfounded", "offences_actual", "offences_cleared", "offences_cleared_under_18"}
	ucrForms    = []string{"sexual_exploitation", "forced_labour", All}
)

type ucrKey struct{ jurisdiction, breakdown, year, measure, form string }

// ucrTotals is what the master files of one parse add up to.
type ucrTotals struct {
	sums             map[ucrKey]float64
	names            map[string]string // agency names by ORI
	errs             diag.ErrorList    // problems of quarantined records
	records, badRecs int64
}

// parseUCRHT reads one master file, or a ZIP of master files (one per
// year, as the FBI published them), into state, agency and national sums.
func parseUCRHT(ctx context.Context, in Input) (*Output, error) {
	t := &ucrTotals{sums: map[ucrKey]float64{}, names: map[string]string{}}
	var magic [4]byte
	n, _ := in.File.ReadAt(magic[:], 0)
	var err error
	if string(magic[:n]) == "PK\x03\x04" {
		err = bounded.EachZipEntry(in.Name, in.File, in.File.Size(), "UCR master files", func(string) bool { return true },
			func(name string, data []byte) error { return t.scan(ctx, name, data) })
	} else {
		var data []byte
		if data, err = in.Bytes(); err == nil {
			err = t.scan(ctx, in.Name, data) // fixed-width records, scanned in place
		}
	}
	if err != nil {
		return nil, err
	}
	return t.output(in)
}

// scan adds one master file's records to the totals.
func (t *ucrTotals) scan(ctx context.Context, file string, data []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 64<<10)
	var bad bool
	fail := func(line, col int, format string, args ...any) {
		if !bad {
			bad = true
			t.badRecs++
		}
		if len(t.errs) < diag.MaxErrors {
			t.errs = append(t.errs, &diag.PosError{File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
		}
	}
	sums, names := t.sums, t.names
	line := 0
	for sc.Scan() {
		line++
		bad = false
		if line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(rec) == "" {
			continue
		}
		t.records++
		if len(rec) < ucrCounts-1 {
			fail(line, len(rec)+1, "record of %d characters is shorter than the %d-character agency header", len(rec), ucrCounts-1)
			continue
		}
		if len(rec) > ucrRecordLen {
			fail(line, ucrRecordLen+1, "record of %d characters is longer than %d", len(rec), ucrRecordLen)
			continue
		}
		ori := strings.TrimSpace(rec[ucrORI-1 : ucrORI+6])
		if len(ori) != 7 || !isUpperAlpha(ori[:2]) {
			fail(line, ucrORI, "ORI %q is not a 7-character ORI starting with a state code", ori)
			continue
		}
		yy, err := strconv.Atoi(rec[ucrYear-1 : ucrYear+1])
		if err != nil {
			fail(line, ucrYear, "year %q is not two digits", rec[ucrYear-1:ucrYear+1])
			continue
		}
		year := strconv.Itoa(2000 + yy)
		codes := rec[ucrMonthCodes-1 : ucrMonthCodes+11]
		for i, c := range codes {
			if !strings.ContainsRune("XNQ ", c) {
				fail(line, ucrMonthCodes+i, "month report code %q is none of X, N, Q", c)
			}
		}
		if bad {
			continue
		}
		names[ori] = strings.TrimSpace(rec[ucrAgencyName-1 : ucrAgencyName+23])
		counts := rec[ucrCounts-1:]
		if strings.TrimSpace(counts) == "" {
			continue // the agency sent no human-trafficking data this year (the master file still lists the Canal Zone's)
		}
		state, err := USState(ori[:2])
		if err != nil {
			fail(line, ucrORI, "ORI %s: %v", ori, err)
			continue
		}
		var total [5][3]float64
		for month := 0; month < 12; month++ {
			var m [5][3]float64
			for i := 0; i < 15; i++ {
				start := month*75 + i*5
				col := ucrCounts + start
				if start >= len(counts) {
					break // trailing blanks were trimmed
				}
				field := counts[start:min(start+5, len(counts))]
				if strings.TrimSpace(field) == "" {
					continue
				}
				n, err := strconv.Atoi(strings.TrimSpace(field))
				if err != nil {
					fail(line, col, "count %q is not a whole number", field)
					continue
				}
				m[i/3][i%3] = float64(n)
			}
			for k := 0; k < 5; k++ {
				// Plausibility: the total is the sum of its two forms.
				if m[k][2] != m[k][0]+m[k][1] {
					fail(line, ucrCounts+month*75+k*15+10, "%s, month %d: total %v is not commercial sex acts %v + involuntary servitude %v",
						ucrMeasures[k], month+1, m[k][2], m[k][0], m[k][1])
				}
				for f := 0; f < 3; f++ {
					total[k][f] += m[k][f]
				}
			}
		}
		if bad {
			continue // the whole record is quarantined
		}
		for k, measure := range ucrMeasures {
			for f, form := range ucrForms {
				v := total[k][f]
				sums[ucrKey{state, "ori=" + ori, year, measure, form}] += v
				sums[ucrKey{state, "", year, measure, form}] += v
				sums[ucrKey{"USA", "", year, measure, form}] += v
			}
		}
	}
	if err := sc.Err(); err != nil {
		return &diag.PosError{File: file, Line: line + 1, Col: 1, Msg: fmt.Sprintf("cannot read: %v", err)}
	}
	if line == 0 {
		return &diag.PosError{File: file, Line: 1, Col: 1, Msg: "the file is empty"}
	}
	return nil
}

// output emits the totals as observations, in a stable order.
func (t *ucrTotals) output(in Input) (*Output, error) {
	sums, names := t.sums, t.names
	keys := make([]ucrKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return lessPairs([][2]string{{a.jurisdiction, b.jurisdiction}, {a.breakdown, b.breakdown}, {a.year, b.year}, {a.measure, b.measure}, {a.form, b.form}})
	})
	ob := NewObservationsBuilder(in.Mem)
	defer ob.Release()
	for _, k := range keys {
		v := sums[k]
		notes := "summed by palermo over the months and agencies reporting"
		if ori := strings.TrimPrefix(k.breakdown, "ori="); ori != "" {
			notes = "agency: " + names[ori]
		}
		ob.Append(Observation{
			Source: "fbi_ucr_ht", Edition: k.year, Jurisdiction: k.jurisdiction, JurisdictionName: cmp.Or(StateName(k.jurisdiction), k.jurisdiction),
			Period: k.year, Measure: k.measure, Sex: All, AgeGroup: All, Form: k.form, Breakdown: k.breakdown,
			Value: &v, SourceURL: cdeURL, SourceKind: KindPrimary, Notes: notes,
		})
	}
	return &Output{Tables: map[string]arrowBatch{TableObservations: ob.NewRecordBatch()}, Provenance: in.Provenance,
		Quarantine: t.errs, QuarantinedRows: t.badRecs, RowsRead: t.records}, nil
}

func isUpperAlpha(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return s != ""
}

// Package metrics holds palermo's indicator catalogue, computes the
// indicators over the stored Arrow tables, applies the privacy rules and
// publishes the results: a Prometheus collector, indicators.csv and
// datapackage.json.
package metrics

import (
	"slices"
	"strings"
)

// Direction says which way an indicator leans towards victim-centred
// enforcement.
type Direction string

const (
	Up      Direction = "up"      // higher is more victim-centred
	Down    Direction = "down"    // lower is more victim-centred
	Neutral Direction = "neutral" // context: both extremes are bad; never coloured good or bad
)

// Unit of an indicator's value.
type Unit string

const (
	UnitRatio   Unit = "ratio"    // a ratio of two counts (0..1 for shares)
	UnitPP      Unit = "pp"       // percentage points
	UnitCount   Unit = "count"    // a count
	UnitPer100k Unit = "per_100k" // a rate per 100,000 people
	UnitDays    Unit = "days"
	UnitScore   Unit = "score"
	UnitPercent Unit = "percent"
)

// PrivacyClass says which disclosure rules apply to an indicator's inputs.
type PrivacyClass string

const (
	// OfficialAggregate: figures a publisher already released; republished
	// as they are, with the values the publisher censored kept censored.
	OfficialAggregate PrivacyClass = "official_aggregate"
	// VictimCount: counts of people palermo derives from records by
	// joining or cross-tabulating them (victims, minors and arrestees too:
	// an arrest count of 2 may hold a 12-year-old); counts of 1 to
	// min_cell-1 are suppressed, with every value built on them, and the
	// counts shown are rounded down. The name is the contract's.
	VictimCount PrivacyClass = "victim_count"
	// NonVictim: no count of people is involved (e.g. legal scores).
	NonVictim PrivacyClass = "non_victim"
)

// Indicator is one catalogue entry, with OWID-style metadata. Adding an
// indicator means adding an entry here and a test; the exporter, the CSV and
// the dashboards read the catalogue.
type Indicator struct {
	ID               string
	Title            string
	Question         string
	DescriptionShort string
	DescriptionKey   []string // caveats, one per bullet
	Numerator        string
	Denominator      string
	Unit             Unit
	ShortUnit        string
	Direction        Direction
	DirectionNote    string // what "good" means where the direction needs words
	Principles       []string
	NormativeAnchor  string
	Sources          []string // palermo sources that feed it
	MinDenominator   float64  // below this the value is flagged unstable (0: the configured default)
	PrivacyClass     PrivacyClass
	Context          bool   // a context indicator, outside the scored 23
	ComponentOf      string // set on a published component of another indicator
	// Formula computes the indicator; nil when no palermo source provides
	// its data yet, and then MissingData names what is missing.
	Formula     Formula
	MissingData string
}

// Metric is the Prometheus family name of the indicator.
func (ind *Indicator) Metric() string {
	name := "palermo_" + ind.ID
	switch ind.Unit {
	case UnitRatio:
		if !strings.HasSuffix(name, "_ratio") {
			name += "_ratio"
		}
	case UnitDays:
		if !strings.HasSuffix(name, "_days") {
			name += "_days"
		}
	case UnitPercent:
		if !strings.HasSuffix(name, "_percent") {
			name += "_percent"
		}
	}
	return name
}

// DirectionText explains the indicator's direction in words, for panel
// descriptions and reports.
func (ind *Indicator) DirectionText() string {
	var s string
	switch ind.Direction {
	case Up:
		s = "Direction: up. A higher value is more victim-centred"
	case Down:
		s = "Direction: down. A lower value is more victim-centred"
	default:
		s = "Direction: neutral. Context, not a score: both extremes are bad, so the value is never coloured as good or bad"
	}
	if ind.DirectionNote != "" {
		s += " (" + ind.DirectionNote + ")"
	}
	return s + "."
}

// HasData reports whether a palermo source provides the indicator's data.
func (ind *Indicator) HasData() bool { return ind.Formula != nil }

// Lookup finds a catalogue entry by id.
func Lookup(id string) (*Indicator, bool) {
	for _, ind := range Catalogue {
		if ind.ID == id {
			return ind, true
		}
	}
	return nil, false
}

// Measures used by formulas (see the sources' canonical measure names).
var (
	prosecutions       = sel("prosecutions", "all")
	labourProsecutions = sel("prosecutions", "forced_labour")
	convictions        = sel("convictions", "all")
	labourConvictions  = sel("convictions", "forced_labour")
	victims            = sel("victims_identified", "all")
	labourVictims      = sel("victims_identified", "forced_labour")

	// NIBRS counts (fbi_nibrs): arrests by offence code and age group, and
	// victims of trafficking offences by age group.
	allAges                    = []string{"minor", "adult", "unknown"}
	minorProstitutionArrests   = cells("arrests", "all", []string{"minor"}, "nibrs_offense=40A", "nibrs_offense=40B", "nibrs_offense=40C")
	sellingArrests             = cells("arrests", "all", allAges, "nibrs_offense=40A")
	buyingArrests              = cells("arrests", "all", allAges, "nibrs_offense=40C")
	htArrests                  = cells("arrests", "all", allAges, "nibrs_offense=64A", "nibrs_offense=64B")
	childSexTraffickingVictims = cells("victims_recorded", "sexual_exploitation", []string{"minor"}, "nibrs_offense=64A")
	htVictims                  = append(cells("victims_recorded", "sexual_exploitation", allAges, "nibrs_offense=64A"),
		cells("victims_recorded", "forced_labour", allAges, "nibrs_offense=64B")...)
)

// Catalogue is palermo's indicator catalogue (docs/indicators.md), family by
// family, in its order: each family's file holds its entries.
var Catalogue = slices.Concat(operationsFamily, justiceFamily, nonPunishmentFamily, protectionFamily, remediesFamily, contextFamily)

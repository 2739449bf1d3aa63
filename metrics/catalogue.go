// Package metrics holds palermo's indicator catalogue, computes the
// indicators over the stored Arrow tables, applies the privacy rules and
// publishes the results: a Prometheus collector, indicators.csv and
// datapackage.json.
package metrics

import "strings"

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

// Catalogue is palermo's indicator catalogue (docs/indicators.md), in its
// order.
var Catalogue = []*Indicator{
	// B1. Operations and stings (P4, P10)
	{
		ID:               "operation_victims_per_arrest",
		Title:            "Victims identified per arrest in anti-trafficking operations",
		Question:         "In an operation billed as anti-trafficking, how many victims were identified for each person arrested?",
		DescriptionShort: "Victims identified (adults and minors) divided by all arrests of every kind, summed over the operations of a year that report both.",
		DescriptionKey: []string{
			"Releases say 'recovered' in some years and 'identified' in others; the operations table keeps each release's wording.",
			"Where a release gives only minors, the numerator is minors only and the row's status_reason says minors_only.",
			"Self-reported by the agency; a victim identified is not a victim helped.",
			"A blank is 'not reported', never zero: operations missing either number are left out.",
		},
		Numerator:    "victims identified (adult + minor)",
		Denominator:  "arrests of all kinds",
		Unit:         UnitRatio,
		ShortUnit:    "victims/arrest",
		Direction:    Up,
		Principles:   []string{"P4", "P10"},
		Sources:      []string{"fbi_operations", "operations"},
		PrivacyClass: OfficialAggregate,
		Formula: operationRatio{
			num:   victimsIdentified,
			den:   func(o *operation) *float64 { return o.arrestsTotal },
			name:  "victims identified / arrests of all kinds",
			flags: []func(*operation) string{victimsFlag, arrestsFlag},
		},
	},
	{
		ID:               "operation_trafficker_arrest_ratio",
		Title:            "Share of operation arrests that are of alleged traffickers",
		Question:         "What share of arrests were of alleged traffickers rather than buyers or people selling sex?",
		DescriptionShort: "Alleged traffickers or pimps arrested divided by all arrests, over the operations of a year that report both.",
		DescriptionKey: []string{
			"'Pimp' in a press release is not a legal finding of trafficking.",
			"Releases usually give only one of the two numbers, so most years are no_data; that gap is itself a finding.",
		},
		Numerator:    "traffickers or pimps arrested",
		Denominator:  "arrests of all kinds",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Up,
		Principles:   []string{"P4"},
		Sources:      []string{"fbi_operations", "operations"},
		PrivacyClass: OfficialAggregate,
		Formula: operationRatio{
			num:   func(o *operation) *float64 { return o.arrestsTraffickers },
			den:   func(o *operation) *float64 { return o.arrestsTotal },
			name:  "traffickers arrested / arrests of all kinds",
			flags: []func(*operation) string{arrestsFlag},
		},
	},
	{
		ID:               "operation_minors_per_trafficker_arrest",
		Title:            "Minors recovered per alleged trafficker arrested",
		Question:         "For each alleged trafficker arrested, how many minors were recovered? (the only ratio most FBI releases allow)",
		DescriptionShort: "Minors recovered or identified divided by traffickers or pimps arrested, over the operations of a year that report both.",
		DescriptionKey: []string{
			"Context only: it mixes two populations; use it for the trend, not to rank.",
			"Wording drifts between releases ('pimps and other individuals', 'suspects identified or arrested').",
		},
		Numerator:    "minors recovered or identified",
		Denominator:  "traffickers or pimps arrested",
		Unit:         UnitRatio,
		ShortUnit:    "minors/arrest",
		Direction:    Neutral,
		Principles:   []string{"P4"},
		Sources:      []string{"fbi_operations", "operations"},
		PrivacyClass: OfficialAggregate,
		Formula: operationRatio{
			num:   func(o *operation) *float64 { return o.victimsMinor },
			den:   func(o *operation) *float64 { return o.arrestsTraffickers },
			name:  "minors / traffickers arrested",
			flags: []func(*operation) string{arrestsFlag},
		},
	},
	{
		ID:               "operations_without_victims_ratio",
		Title:            "Share of operations that identified no victim",
		Question:         "What share of operations labelled anti-trafficking identified no victim at all?",
		DescriptionShort: "Operations reporting zero victims identified divided by operations that report a victim count.",
		DescriptionKey: []string{
			"Needs explicit zeros: a blank victim count is 'not reported' and is left out.",
			"Few operations per jurisdiction and year: read with the denominator.",
		},
		Numerator:    "operations reporting 0 victims identified",
		Denominator:  "operations reporting a victim count",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Down,
		Principles:   []string{"P4"},
		Sources:      []string{"fbi_operations", "operations"},
		PrivacyClass: OfficialAggregate,
		Formula:      operationsWithoutVictims{},
	},
	{
		ID:               "operation_sellers_arrested_ratio",
		Title:            "Share of people found selling sex who were arrested",
		Question:         "Of the people found selling sex or identified as victims in an operation, what share were arrested?",
		DescriptionShort: "People arrested for selling sex divided by victims identified plus people arrested for selling sex.",
		DescriptionKey: []string{
			"Rarely reported: needs the arrest breakdown by role.",
		},
		Numerator:    "people arrested for selling sex",
		Denominator:  "victims identified + people arrested for selling sex",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Down,
		Principles:   []string{"P3", "P1"},
		Sources:      []string{"fbi_operations", "operations"},
		PrivacyClass: OfficialAggregate,
		Formula: operationRatio{
			num: func(o *operation) *float64 { return o.arrestsSellers },
			den: func(o *operation) *float64 {
				v, s := victimsIdentified(o), o.arrestsSellers
				if v == nil || s == nil {
					return nil
				}
				return o.sum(*v, *s)
			},
			name:  "sellers arrested / (victims identified + sellers arrested)",
			flags: []func(*operation) string{victimsFlag},
		},
	},
	{
		ID:               "operation_service_referral_ratio",
		Title:            "Share of identified victims referred to services",
		Question:         "Were identified victims actually referred to services?",
		DescriptionShort: "Victims referred to services divided by victims identified, over operations that report both.",
		DescriptionKey: []string{
			"Almost never in press releases: expect no_data, which is itself a demand for the data.",
		},
		Numerator:    "victims referred to services",
		Denominator:  "victims identified",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Up,
		Principles:   []string{"P2", "P1"},
		Sources:      []string{"fbi_operations", "operations"},
		PrivacyClass: OfficialAggregate,
		Formula: operationRatio{
			num:   func(o *operation) *float64 { return o.victimsReferred },
			den:   victimsIdentified,
			name:  "victims referred / victims identified",
			flags: []func(*operation) string{victimsFlag},
		},
	},

	// B2. Criminal-justice balance (P7, P10)
	{
		ID:               "convictions_per_identified_victim",
		Title:            "Convictions per identified victim",
		Question:         "For each victim identified, how many traffickers were convicted?",
		DescriptionShort: "Convictions divided by victims identified in the same jurisdiction and year.",
		DescriptionKey: []string{
			"Neutral: both extremes are bad (victims without accountability, or convictions without victims).",
			"TIP data year is report year minus one, and later editions revise earlier years; the edition is part of the source label.",
			"TIP counts convictions; UNODC counts persons convicted and victims detected.",
			"UNODC values under 5 are censored at source; a ratio built on one is suppressed.",
		},
		Numerator:    "convictions",
		Denominator:  "victims identified",
		Unit:         UnitRatio,
		ShortUnit:    "convictions/victim",
		Direction:    Neutral,
		Principles:   []string{"P10"},
		Sources:      []string{"tip_global", "tip_scorecard", "unodc_glotip"},
		PrivacyClass: OfficialAggregate,
		Formula:      ratio{num: convictions, den: victims},
	},
	{
		ID:               "prosecutions_per_detected_victim",
		Title:            "Persons prosecuted per detected victim",
		Question:         "Is prosecution keeping pace with detection?",
		DescriptionShort: "Persons prosecuted divided by victims detected, per country and year (UNODC).",
		DescriptionKey: []string{
			"National definitions differ.",
			"Prosecutions may follow detection by years.",
			"Values under 5 are censored at source; a ratio built on one is suppressed.",
		},
		Numerator:    "persons prosecuted",
		Denominator:  "victims detected",
		Unit:         UnitRatio,
		ShortUnit:    "prosecuted/victim",
		Direction:    Neutral,
		Principles:   []string{"P10"},
		Sources:      []string{"unodc_glotip"},
		PrivacyClass: OfficialAggregate,
		Formula:      ratio{num: prosecutions, den: victims},
	},
	{
		ID:               "labour_prosecution_gap_pp",
		Title:            "Labour trafficking prosecution gap",
		Question:         "Is labour trafficking prosecuted in proportion to the labour victims identified?",
		DescriptionShort: "Labour share of prosecutions minus labour share of victims identified, in percentage points.",
		DescriptionKey: []string{
			"Below zero: labour trafficking is prosecuted less than its share of identified victims.",
			"TIP reports labour splits from the 2007 edition on, and labour victims only in the later tables.",
			"The component shares are published too: labour_share_prosecutions_ratio and labour_share_victims_identified_ratio.",
		},
		Numerator:     "labour prosecutions / all prosecutions",
		Denominator:   "labour victims identified / all victims identified",
		Unit:          UnitPP,
		ShortUnit:     "pp",
		Direction:     Up,
		DirectionNote: "towards zero or above",
		Principles:    []string{"P7"},
		Sources:       []string{"tip_global", "tip_scorecard"},
		PrivacyClass:  OfficialAggregate,
		Formula:       shareGap{a: share(labourProsecutions, prosecutions), b: share(labourVictims, victims)},
	},
	{
		ID:               "labour_share_prosecutions_ratio",
		Title:            "Labour trafficking share of prosecutions",
		Question:         "What share of trafficking prosecutions concern labour trafficking?",
		DescriptionShort: "Labour trafficking prosecutions divided by all trafficking prosecutions (a component of the labour prosecution gap).",
		DescriptionKey: []string{
			"Read against labour_share_victims_identified_ratio: the gap between them is labour_prosecution_gap_pp.",
		},
		Numerator:    "labour prosecutions",
		Denominator:  "prosecutions",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Up,
		Principles:   []string{"P7"},
		Sources:      []string{"tip_global", "tip_scorecard"},
		PrivacyClass: OfficialAggregate,
		ComponentOf:  "labour_prosecution_gap_pp",
		Formula:      share(labourProsecutions, prosecutions),
	},
	{
		ID:               "labour_share_victims_identified_ratio",
		Title:            "Labour trafficking share of victims identified",
		Question:         "What share of identified victims were trafficked for labour?",
		DescriptionShort: "Labour trafficking victims identified divided by all victims identified (a component of the labour prosecution gap).",
		DescriptionKey: []string{
			"Neutral: a detection figure, the yardstick for the prosecution and conviction shares.",
			"UNODC's 'forced labour' form excludes its 'other forms' category.",
		},
		Numerator:    "labour victims identified",
		Denominator:  "victims identified",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Neutral,
		Principles:   []string{"P7"},
		Sources:      []string{"tip_global", "tip_scorecard", "unodc_glotip"},
		PrivacyClass: OfficialAggregate,
		ComponentOf:  "labour_prosecution_gap_pp",
		Formula:      share(labourVictims, victims),
	},
	{
		ID:               "labour_share_convictions_ratio",
		Title:            "Labour trafficking share of convictions",
		Question:         "What share of convictions are for labour trafficking?",
		DescriptionShort: "Labour trafficking convictions divided by all trafficking convictions.",
		DescriptionKey: []string{
			"TIP reports labour splits from the 2007 edition on.",
			"UNODC's 'forced labour' form excludes its 'other forms' category; values under 5 are censored at source.",
		},
		Numerator:    "labour convictions",
		Denominator:  "convictions",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Up,
		Principles:   []string{"P7"},
		Sources:      []string{"tip_global", "tip_scorecard", "unodc_glotip"},
		PrivacyClass: OfficialAggregate,
		Formula:      share(labourConvictions, convictions),
	},
	{
		ID:               "labour_share_new_federal_cases_ratio",
		Title:            "Forced-labour share of new US federal trafficking cases",
		Question:         "What share of new US federal trafficking cases involve forced labour?",
		DescriptionShort: "New forced-labour criminal cases divided by all new criminal trafficking cases (Human Trafficking Institute).",
		DescriptionKey: []string{
			"HTI revises earlier years (2022: 183 new cases in one edition, 203 in the next).",
			"Federal courts only.",
		},
		Numerator:    "new forced-labour criminal cases",
		Denominator:  "new criminal trafficking cases",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Up,
		Principles:   []string{"P7"},
		PrivacyClass: OfficialAggregate,
		Sources:      []string{"us_federal_prosecutions"},
		Formula:      share(sel("new_criminal_ht_cases_filed_forced_labor", "all"), sel("new_criminal_ht_cases_filed", "all")),
	},

	// B3. Non-punishment (P3, P1)
	{
		ID:               "minor_prostitution_arrests",
		Title:            "Children arrested for prostitution offences",
		Question:         "How many children were arrested for prostitution offences (children whom federal law defines as trafficking victims)?",
		DescriptionShort: "Arrestees under 18 with an arrest offence of 40A, 40B or 40C (NIBRS), per state and year.",
		DescriptionKey: []string{
			"NIBRS coverage is partial and grows over time: trends partly reflect coverage.",
			"Safe-harbour states divert children from arrest.",
			"Counts of minors of 1 to min_cell-1 are suppressed; no geography finer than state and year.",
		},
		Numerator:       "arrestees under 18, offences 40A/40B/40C",
		Unit:            UnitCount,
		ShortUnit:       "children",
		Direction:       Down,
		DirectionNote:   "target zero",
		Principles:      []string{"P3"},
		NormativeAnchor: "TVPA, 22 U.S.C. 7102 (a minor induced into a commercial sex act is a victim of a severe form of trafficking); Directive 2011/36/EU Art. 8",
		PrivacyClass:    VictimCount,
		Sources:         []string{"fbi_nibrs"},
		Formula:         count{part: minorProstitutionArrests},
	},
	{
		ID:               "minor_prostitution_arrests_per_100k_minors",
		Title:            "Children arrested for prostitution per 100,000 children",
		Question:         "How often are children, whom federal law defines as trafficking victims, arrested for prostitution?",
		DescriptionShort: "Arrests of people under 18 for prostitution and commercialized vice, divided by the under-18 population of the area the reporting agencies cover, per 100,000, per state and year (FBI Crime in the United States Table 69, 2013-2021; Census population).",
		DescriptionKey: []string{
			"The covered under-18 population is the population the reporting agencies cover times the state's under-18 share of its population that year (Census); the coverage (covered population / state population) is published with each value, and a value below the low-coverage threshold is unstable with reason low_coverage.",
			"Table 69 counts only agencies that sent twelve months of arrest data; it is read on a third party's compilation of the FBI's tables (secondary).",
			"2021 is NIBRS-only and not comparable with earlier years (reason series_break); 2020 falls sharply with the pandemic.",
			"Census: civilian population 2010-2019 (Vintage 2019) and 2020-2021 (Vintage 2021), with different bases. The FBI's covered population counts residents, armed forces included, so it can exceed the civilian population (Alaska and Hawaii by up to 4%): coverage is then taken as whole (1).",
			"Safe-harbour states divert children from arrest; a low rate can also mean diversion rather than protection.",
		},
		Numerator:       "arrests of people under 18 for prostitution and commercialized vice (reporting agencies)",
		Denominator:     "under-18 population covered by the reporting agencies / 100,000",
		Unit:            UnitPer100k,
		ShortUnit:       "per 100k children",
		Direction:       Down,
		DirectionNote:   "target zero",
		Principles:      []string{"P3"},
		NormativeAnchor: "TVPA, 22 U.S.C. 7102 (a minor induced into a commercial sex act is a victim of a severe form of trafficking)",
		PrivacyClass:    OfficialAggregate,
		Sources:         []string{"fbi_arrests_state", "census_population"},
		// Official aggregates: a rate's denominator is a population, never
		// small; unstable comes from coverage.
		MinDenominator: 1,
		Formula: coveredRate{
			count:      part{{"arrests", "all", "minor", "offence=prostitution_commercialized_vice"}},
			covered:    "population_covered",
			population: "census_population",
			group:      "minor",
			per:        100000,
			breaks:     map[string]string{"2021": ReasonSeriesBreak},
		},
	},
	{
		ID:               "selling_arrest_relative_rate_black_white",
		Title:            "Black-White relative rate of arrests for selling sex",
		Question:         "Are Black people arrested for selling sex at a higher rate than White people?",
		DescriptionShort: "(Black people arrested for 40A / Black population) divided by (White people arrested for 40A / White population), per state: the relative rate index.",
		DescriptionKey: []string{
			"NIBRS covers the reporting agencies only, while the population is the whole state.",
			"NIBRS race codes are not the Census race categories (race alone, Hispanic asked apart).",
			"Arrest counts of 1 to min_cell-1 suppress the index; numerator and denominator are the Black and White arrest counts, rounded down like other counts of people.",
			"The population is the ACS 2018 estimate (race alone), the only year palermo has: for 2019 arrests the value says population_year_differs.",
		},
		Numerator:     "Black people arrested for 40A (their rate: per Black population)",
		Denominator:   "White people arrested for 40A (their rate: per White population)",
		Unit:          UnitRatio,
		ShortUnit:     "ratio",
		Direction:     Down,
		DirectionNote: "towards 1",
		Principles:    []string{"P3", "P11"},
		PrivacyClass:  VictimCount,
		Sources:       []string{"fbi_nibrs", "census_acs_race"},
		Formula:       relativeRate{offences: []string{"40A"}, group: "race=black", reference: "race=white", population: "census_acs_race", maxYears: 2},
	},
	{
		ID:               "trafficking_arrest_relative_rate_black_white",
		Title:            "Black-White relative rate of arrests for human trafficking",
		Question:         "The same for people arrested for human trafficking (64A, 64B), to read beside the selling-sex index",
		DescriptionShort: "(Black people arrested for 64A/64B / Black population) divided by (White people arrested for 64A/64B / White population), per state.",
		DescriptionKey: []string{
			"Context for the selling-sex index: a gap between the two is the finding, not either alone.",
		},
		Numerator:    "Black people arrested for 64A/64B (their rate: per Black population)",
		Denominator:  "White people arrested for 64A/64B (their rate: per White population)",
		Unit:         UnitRatio,
		ShortUnit:    "ratio",
		Direction:    Neutral,
		Principles:   []string{"P11"},
		PrivacyClass: VictimCount,
		Sources:      []string{"fbi_nibrs", "census_acs_race"},
		Formula:      relativeRate{offences: []string{"64A", "64B"}, group: "race=black", reference: "race=white", population: "census_acs_race", maxYears: 2},
	},
	{
		ID:               "selling_vs_trafficking_arrest_black_share_gap_pp",
		Title:            "Black share of selling-sex arrests minus Black share of trafficking arrests",
		Question:         "Is the Black share of people arrested for selling sex larger than their share of people arrested for trafficking?",
		DescriptionShort: "Black share of 40A arrestees minus Black share of 64A/64B arrestees, in percentage points (NIBRS).",
		DescriptionKey: []string{
			"No population needed; small trafficking counts make it unstable in most states.",
			"Every one of its four counts of people (Black and all arrestees, for each offence group) must be 0 or at least min_cell, or the gap is suppressed.",
		},
		Numerator:    "Black share of 40A arrestees",
		Denominator:  "Black share of 64A/64B arrestees",
		Unit:         UnitPP,
		ShortUnit:    "pp",
		Direction:    Down,
		Principles:   []string{"P3", "P11"},
		PrivacyClass: VictimCount,
		Sources:      []string{"fbi_nibrs"},
		Formula: shareGap{
			a: share(part{{"arrests", "all", "all", "nibrs_offense=40A;race=black"}}, cells("arrests", "all", allAges, "nibrs_offense=40A")),
			b: share(part{{"arrests", "all", "all", "nibrs_offense=64A;race=black"}, {"arrests", "all", "all", "nibrs_offense=64B;race=black"}},
				cells("arrests", "all", allAges, "nibrs_offense=64A", "nibrs_offense=64B")),
		},
	},
	{
		ID:               "ht_offences_cleared_ratio",
		Title:            "Trafficking offences cleared per offence reported",
		Question:         "What share of reported trafficking offences are cleared (by arrest or exceptionally)?",
		DescriptionShort: "Offences cleared divided by actual offences, per state and year (FBI Human Trafficking tables, UCR master files).",
		DescriptionKey: []string{
			"Clearance is an enforcement outcome, not a victim outcome; small counts.",
			"From the UCR Human Trafficking master files (2013 and 2015 embedded): the agencies that reported trafficking data, not the whole state; a year's clearances can be of earlier offences, so the ratio can exceed 1.",
		},
		Numerator:    "trafficking offences cleared",
		Denominator:  "actual trafficking offences",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Neutral,
		Principles:   []string{"P10"},
		PrivacyClass: OfficialAggregate,
		Sources:      []string{"fbi_ucr_ht"},
		// Clearances in a year can be of offences reported earlier: not a
		// share of the year's offences, so never withheld for exceeding it.
		Formula: ratio{num: sel("offences_cleared", "all"), den: sel("offences_actual", "all")},
	},
	{
		ID:               "ht_arrests_juvenile_share_ratio",
		Title:            "Share of people arrested for trafficking who are minors",
		Question:         "What share of people arrested for trafficking are themselves minors?",
		DescriptionShort: "Arrests of people under 18 for 64A/64B divided by all 64A/64B arrests.",
		DescriptionKey: []string{
			"Minors arrested as 'traffickers' are often victims recruiting peers.",
		},
		Numerator:    "arrests under 18 for 64A/64B",
		Denominator:  "all arrests for 64A/64B",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Down,
		Principles:   []string{"P3"},
		PrivacyClass: VictimCount,
		MissingData:  "the FBI Human Trafficking tables by age (2016-2017, old .xls): not a palermo source yet",
	},
	{
		ID:               "minor_arrests_per_child_victim",
		Title:            "Children arrested for prostitution per child sex-trafficking victim recorded",
		Question:         "For each child sex-trafficking victim police recorded, how many children did police arrest for prostitution?",
		DescriptionShort: "Arrestees under 18 for 40A/40B/40C divided by victims under 18 of 64A offences (NIBRS).",
		DescriptionKey: []string{
			"Different incidents and populations.",
			"Small counts: mostly suppressed below the state-year level.",
		},
		Numerator:       "arrestees under 18, offences 40A/40B/40C",
		Denominator:     "victims under 18 of 64A offences",
		Unit:            UnitRatio,
		ShortUnit:       "arrests/victim",
		Direction:       Down,
		Principles:      []string{"P3", "P1"},
		NormativeAnchor: "Directive 2011/36/EU Art. 8 (non-prosecution of victims)",
		PrivacyClass:    VictimCount,
		Sources:         []string{"fbi_nibrs"},
		Formula:         ratio{num: minorProstitutionArrests, den: childSexTraffickingVictims},
	},
	{
		ID:               "prostitution_arrests_per_ht_arrest",
		Title:            "Prostitution arrests per human-trafficking arrest",
		Question:         "Is vice enforcement dwarfing trafficking enforcement?",
		DescriptionShort: "Arrests for 40A (selling sex) divided by arrests for 64A and 64B (NIBRS).",
		DescriptionKey: []string{
			"Prostitution enforcement is not in itself anti-trafficking work.",
			"Arrests of buyers (40C) are published separately.",
		},
		Numerator:    "arrests for 40A",
		Denominator:  "arrests for 64A + 64B",
		Unit:         UnitRatio,
		ShortUnit:    "arrests/arrest",
		Direction:    Down,
		Principles:   []string{"P4", "P10"},
		PrivacyClass: VictimCount,
		Sources:      []string{"fbi_nibrs"},
		Formula:      ratio{num: sellingArrests, den: htArrests},
	},
	{
		ID:               "ht_arrests",
		Title:            "Human-trafficking arrests recorded by police",
		Question:         "How many arrests for human trafficking (NIBRS 64A, 64B) did police record?",
		DescriptionShort: "Arrestees whose arrest offence is 64A (commercial sex acts) or 64B (involuntary servitude), all ages, per state and year.",
		DescriptionKey: []string{
			"NIBRS coverage is partial and grows over time: trends partly reflect coverage.",
			"The denominator of prostitution_arrests_per_ht_arrest.",
		},
		Numerator:    "arrestees for 64A or 64B",
		Unit:         UnitCount,
		ShortUnit:    "arrests",
		Direction:    Neutral,
		Principles:   []string{"P4", "P10"},
		Sources:      []string{"fbi_nibrs"},
		PrivacyClass: VictimCount,
		ComponentOf:  "prostitution_arrests_per_ht_arrest",
		Formula:      count{part: htArrests},
	},
	{
		ID:               "prostitution_selling_arrests",
		Title:            "Arrests for selling sex (NIBRS 40A)",
		Question:         "How many people did police arrest for selling sex?",
		DescriptionShort: "Arrestees whose arrest offence is 40A (prostitution), all ages, per state and year.",
		DescriptionKey: []string{
			"People arrested for selling sex may themselves be victims of trafficking.",
			"The numerator of prostitution_arrests_per_ht_arrest; arrests of minors are in minor_prostitution_arrests.",
		},
		Numerator:    "arrestees for 40A",
		Unit:         UnitCount,
		ShortUnit:    "arrests",
		Direction:    Down,
		Principles:   []string{"P3", "P4"},
		Sources:      []string{"fbi_nibrs"},
		PrivacyClass: VictimCount,
		ComponentOf:  "prostitution_arrests_per_ht_arrest",
		Formula:      count{part: sellingArrests},
	},
	{
		ID:               "prostitution_buying_arrests",
		Title:            "Arrests for purchasing sex (NIBRS 40C)",
		Question:         "How many people did police arrest for buying sex?",
		DescriptionShort: "Arrestees whose arrest offence is 40C (purchasing prostitution), all ages, per state and year.",
		DescriptionKey: []string{
			"Published apart from arrests for selling sex: buyers are not the people exploited.",
		},
		Numerator:    "arrestees for 40C",
		Unit:         UnitCount,
		ShortUnit:    "arrests",
		Direction:    Neutral,
		Principles:   []string{"P4"},
		Sources:      []string{"fbi_nibrs"},
		PrivacyClass: VictimCount,
		ComponentOf:  "prostitution_arrests_per_ht_arrest",
		Formula:      count{part: buyingArrests},
	},
	{
		ID:               "child_sex_trafficking_victims_recorded",
		Title:            "Child victims of sex trafficking recorded by police",
		Question:         "How many victims under 18 of commercial-sex trafficking (NIBRS 64A) did police record?",
		DescriptionShort: "Distinct victims under 18 linked to 64A offences, per state and year.",
		DescriptionKey: []string{
			"A count palermo derives from incident records: values of 1 to min_cell-1 are suppressed and published values are rounded down to the base.",
			"The denominator of minor_arrests_per_child_victim.",
		},
		Numerator:    "victims under 18 of 64A offences",
		Unit:         UnitCount,
		ShortUnit:    "victims",
		Direction:    Neutral,
		Principles:   []string{"P3", "P9"},
		Sources:      []string{"fbi_nibrs"},
		PrivacyClass: VictimCount,
		ComponentOf:  "minor_arrests_per_child_victim",
		Formula:      count{part: childSexTraffickingVictims},
	},
	{
		ID:               "ht_victims_recorded",
		Title:            "Victims of human trafficking recorded by police",
		Question:         "How many victims of human-trafficking offences (NIBRS 64A, 64B) did police record?",
		DescriptionShort: "Distinct victims linked to 64A or 64B offences, all ages, per state and year.",
		DescriptionKey: []string{
			"A count palermo derives from incident records: values of 1 to min_cell-1 are suppressed and published values are rounded down to the base.",
			"Recorded by police, not prevalence.",
		},
		Numerator:    "victims of 64A or 64B offences",
		Unit:         UnitCount,
		ShortUnit:    "victims",
		Direction:    Neutral,
		Principles:   []string{"P9", "P10"},
		Sources:      []string{"fbi_nibrs"},
		PrivacyClass: VictimCount,
		ComponentOf:  "minor_arrests_per_child_victim",
		Formula:      count{part: htVictims},
	},
	{
		ID:               "record_relief_law_score",
		Title:            "Criminal record relief law score",
		Question:         "Does the jurisdiction's law let survivors clear records for crimes they were forced to commit?",
		DescriptionShort: "Points of the Polaris / ABA state report cards on criminal record relief.",
		DescriptionKey: []string{
			"The law on paper, not its use: no public counts of vacatur motions filed or granted exist.",
			"The rubric changed in 2023: editions are not comparable.",
		},
		Numerator:       "report-card points",
		Unit:            UnitScore,
		ShortUnit:       "points",
		Direction:       Up,
		Principles:      []string{"P3"},
		NormativeAnchor: "Directive 2011/36/EU Art. 8 (non-prosecution of victims)",
		PrivacyClass:    NonVictim,
		MissingData:     "Polaris State Report Cards 2019 and 2023 (no source yet)",
	},

	// B4. Protection not conditioned on cooperation (P1, P2, P5)
	{
		ID:               "continued_presence_per_certified_adult",
		Title:            "Continued Presence grants per certified foreign adult victim",
		Question:         "How often do identified foreign adult victims get Continued Presence?",
		DescriptionShort: "Continued Presence grants divided by HHS certification letters to foreign adults, per fiscal year.",
		DescriptionKey: []string{
			"Circular in part: certification can itself rest on Continued Presence.",
			"Continued Presence is requested by law enforcement, so it is witness-linked by design.",
		},
		Numerator:       "Continued Presence grants",
		Denominator:     "HHS certification letters to foreign adults",
		Unit:            UnitRatio,
		ShortUnit:       "grants/letter",
		Direction:       Up,
		Principles:      []string{"P1", "P2"},
		NormativeAnchor: "22 U.S.C. 7105(c)(3) (Continued Presence)",
		PrivacyClass:    OfficialAggregate,
		Sources:         []string{"us_immigration_relief"},
		Formula:         ratio{num: sel("continued_presence_issued", "all"), den: sel("hhs_certification_letters_foreign_adults", "all")},
	},
	{
		ID:               "continued_presence_median_days",
		Title:            "Median days to grant Continued Presence",
		Question:         "How fast is Continued Presence granted?",
		DescriptionShort: "Median days from a law-enforcement request to the grant.",
		DescriptionKey: []string{
			"DHS measures from the request, not from the first interview as the 72-hour standard does.",
		},
		Numerator:     "median days from request to grant",
		Unit:          UnitDays,
		ShortUnit:     "days",
		Direction:     Down,
		DirectionNote: "target three days or less",
		Principles:    []string{"P5"},
		PrivacyClass:  NonVictim,
		MissingData:   "DHS Center for Countering Human Trafficking annual Continued Presence reports (no source yet)",
	},
	{
		ID:               "t_visa_approval_ratio",
		Title:            "T visa approval rate",
		Question:         "When victims apply for T status, how often are they approved?",
		DescriptionShort: "I-914 principal approvals divided by approvals plus denials, per fiscal year.",
		DescriptionKey: []string{
			"T status requires complying with reasonable law-enforcement requests unless exempt: partly conditioned.",
			"The pending backlog and processing time matter as much.",
		},
		Numerator:       "I-914 principal approvals",
		Denominator:     "approvals + denials",
		Unit:            UnitRatio,
		ShortUnit:       "share",
		Direction:       Up,
		Principles:      []string{"P1", "P2"},
		NormativeAnchor: "8 U.S.C. 1101(a)(15)(T) (T nonimmigrant status)",
		PrivacyClass:    OfficialAggregate,
		Sources:         []string{"us_immigration_relief"},
		Formula:         ratio{num: sel("t1_principal_approvals_i914", "all"), den: append(sel("t1_principal_approvals_i914", "all"), sel("t1_principal_denials_i914", "all")...)},
	},
	{
		ID:               "residence_permits_per_non_national_victim",
		Title:            "Residence permits per non-national victim (EU)",
		Question:         "How many non-national victims receive a residence permit?",
		DescriptionShort: "First permits issued to trafficking victims divided by registered victims with non-EU citizenship (Eurostat).",
		DescriptionKey: []string{
			"Permits under Directive 2004/81 are conditioned on cooperation: split by reason where reported.",
			"A permit may follow registration by a year.",
		},
		Numerator:       "first residence permits to trafficking victims",
		Denominator:     "registered non-EU victims",
		Unit:            UnitRatio,
		ShortUnit:       "permits/victim",
		Direction:       Up,
		Principles:      []string{"P1", "P2"},
		NormativeAnchor: "Council Directive 2004/81/EC (residence permits for victims of trafficking)",
		PrivacyClass:    OfficialAggregate,
		MissingData:     "Eurostat migr_resoth and crim_thb (no source yet)",
	},
	{
		ID:               "victims_assisted_ratio",
		Title:            "Share of registered victims assisted",
		Question:         "What share of registered victims received assistance?",
		DescriptionShort: "Victims receiving any assistance divided by registered victims.",
		DescriptionKey: []string{
			"Victims may decline assistance; 'assistance' is defined nationally.",
		},
		Numerator:    "victims receiving assistance",
		Denominator:  "registered victims",
		Unit:         UnitRatio,
		ShortUnit:    "share",
		Direction:    Up,
		Principles:   []string{"P2"},
		PrivacyClass: OfficialAggregate,
		MissingData:  "EU DG HOME data collection, GRETA statistics (no source yet)",
	},

	// B5. Remedies and business accountability (P6, P8)
	{
		ID:               "restitution_ordered_ratio",
		Title:            "Share of convicted traffickers ordered to pay restitution",
		Question:         "When traffickers are convicted, do courts order the mandatory restitution?",
		DescriptionShort: "Convicted defendants ordered to pay restitution divided by convicted defendants (federal).",
		DescriptionKey: []string{
			"Ordered is not paid.",
			"Federal courts only.",
		},
		Numerator:       "convicted defendants ordered to pay restitution",
		Denominator:     "convicted defendants",
		Unit:            UnitRatio,
		ShortUnit:       "share",
		Direction:       Up,
		Principles:      []string{"P8"},
		NormativeAnchor: "18 U.S.C. 1593 (mandatory restitution)",
		PrivacyClass:    OfficialAggregate,
		MissingData:     "Human Trafficking Institute Federal Human Trafficking Report restitution figures (no source yet)",
	},
	{
		ID:               "forced_labour_import_actions",
		Title:            "Forced-labour import actions (Tariff Act section 307)",
		Question:         "Is the government using Tariff Act section 307 against companies that profit from forced labour?",
		DescriptionShort: "Withhold Release Orders and Findings issued by CBP per year.",
		DescriptionKey: []string{
			"Counts, not ratios: one order can cover a whole region or industry.",
			"Since 2022 the UFLPA moved enforcement to another channel.",
		},
		Numerator:       "Withhold Release Orders + Findings issued",
		Unit:            UnitCount,
		ShortUnit:       "actions",
		Direction:       Up,
		Principles:      []string{"P6"},
		NormativeAnchor: "19 U.S.C. 1307 (Tariff Act of 1930, section 307)",
		PrivacyClass:    NonVictim,
		Sources:         []string{"cbp_forced_labor"},
		Formula:         count{part: append(sel("wros_issued", "all"), sel("findings_issued", "all")...)},
	},
	{
		ID:               "civil_case_ratio",
		Title:            "Civil share of federal trafficking cases",
		Question:         "Are businesses and beneficiaries held to account through civil suits?",
		DescriptionShort: "Active federal civil trafficking cases (18 U.S.C. 1595) divided by all active federal trafficking cases.",
		DescriptionKey: []string{
			"A civil case is not necessarily against a business.",
			"No public series of 18 U.S.C. 1593A charges exists: a data gap.",
		},
		Numerator:       "active federal civil trafficking cases",
		Denominator:     "active federal trafficking cases",
		Unit:            UnitRatio,
		ShortUnit:       "share",
		Direction:       Up,
		Principles:      []string{"P6", "P8"},
		NormativeAnchor: "18 U.S.C. 1595 (civil remedy); 18 U.S.C. 1593A (benefiting financially)",
		PrivacyClass:    OfficialAggregate,
		MissingData:     "us_federal_prosecutions (HTI civil case counts; source not built yet)",
	},

	// B6. Context (not scored)
	{
		ID:               "detected_victims_per_100k",
		Title:            "Detected victims per 100,000 population",
		Question:         "How many victims are detected per population (the SDG 16.2.2 proxy)?",
		DescriptionShort: "Victims detected divided by population, times 100,000.",
		DescriptionKey: []string{
			"Detection, not prevalence: it rises with better identification.",
			"Population: World Bank SP.POP.TOTL (mid-year), read on datahub's copy of it; the denominator is shown per 100,000.",
		},
		Numerator:      "victims detected",
		Denominator:    "population / 100,000",
		Unit:           UnitPer100k,
		ShortUnit:      "per 100k",
		Direction:      Neutral,
		Principles:     []string{"P10"},
		PrivacyClass:   OfficialAggregate,
		Context:        true,
		Sources:        []string{"unodc_glotip", "world_population"},
		MinDenominator: 1,
		Formula:        populationRate{count: sel("victims_identified", "all"), population: "world_population", per: 100000},
	},
	{
		ID:               "gsi_survivor_support_score",
		Title:            "Global Slavery Index survivor support score",
		Question:         "How does an independent policy assessment rate this government's survivor support?",
		DescriptionShort: "Walk Free Global Slavery Index, milestone 1 score.",
		DescriptionKey: []string{
			"A policy checklist, not outcomes; editions are not comparable.",
		},
		Numerator:    "GSI milestone 1 score",
		Unit:         UnitPercent,
		ShortUnit:    "%",
		Direction:    Up,
		Principles:   []string{"P1"},
		PrivacyClass: NonVictim,
		Context:      true,
		MissingData:  "Walk Free GSI 2023 data (no source yet; licence to check)",
	},
}

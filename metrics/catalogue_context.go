package metrics

// contextFamily: context, not scored: figures that help read the others.
var contextFamily = []*Indicator{
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

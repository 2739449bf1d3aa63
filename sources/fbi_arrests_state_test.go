package sources

import (
	"strconv"
	"testing"
)

// TestArrestsStateNationalSums checks the whole compiled Table 69 against
// sums computed independently from the raw file (SOURCES.md of the
// research snapshot): prostitution and commercialized vice arrests over the
// 50 states and DC, under 18 and all ages, each year; and Minnesota 2019.
func TestArrestsStateNationalSums(t *testing.T) {
	out, err := parse(t, "fbi_arrests_state", "allCrimes_2013to2021.csv", readFile(t, "snapshots/allCrimes_2013to2021.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	states := map[string]bool{}
	got := sums(out.Tables[TableObservations], func(get func(string) string) string {
		states[get("jurisdiction")] = true
		if get("breakdown") != "offence=prostitution_commercialized_vice" {
			if get("measure") == "agencies_reporting" {
				return "agencies " + get("period")
			}
			return "other"
		}
		return get("age_group") + " " + get("period")
	})
	want := map[int][2]float64{2013: {683, 45865}, 2014: {607, 40578}, 2015: {457, 34240}, 2016: {403, 32906},
		2017: {229, 30958}, 2018: {199, 25619}, 2019: {218, 22064}, 2020: {78, 12694}, 2021: {66, 7764}}
	for y, w := range want {
		p := strconv.Itoa(y)
		if got["minor "+p] != w[0] || got["all "+p] != w[1] {
			t.Errorf("%d: under 18 %v, all ages %v; want %v", y, got["minor "+p], got["all "+p], w)
		}
	}
	if got["agencies 2013"] != 12565 || got["agencies 2021"] != 9112 {
		t.Errorf("agencies reporting: 2013 %v, 2021 %v; want 12,565 and 9,112", got["agencies 2013"], got["agencies 2021"])
	}
	if len(states) != 51 {
		t.Errorf("%d jurisdictions, want the 50 states and DC", len(states))
	}
	for j := range states {
		if !ValidJurisdiction(j) {
			t.Errorf("jurisdiction %q is not ISO 3166-2:US", j)
		}
	}
	mn := sums(out.Tables[TableObservations], func(get func(string) string) string {
		if get("jurisdiction") != "US-MN" || get("period") != "2019" {
			return ""
		}
		return get("measure") + " " + get("age_group") + " " + get("breakdown")
	})
	if mn["arrests minor offence=prostitution_commercialized_vice"] != 0 || mn["arrests all offence=prostitution_commercialized_vice"] != 154 || mn["agencies_reporting all "] != 368 {
		t.Errorf("Minnesota 2019: %v", mn)
	}
}

// TestCensusPopulationChecks checks the embedded Census files against
// figures computed independently from them: the US civilian population of
// 2019 and 2021 as the sum of the states, and Minnesota's under-18s.
func TestCensusPopulationChecks(t *testing.T) {
	out, err := parse(t, "census_population", "census.zip", readFile(t, "snapshots/census_state_population_age_sex.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	got := sums(out.Tables[TableObservations], func(get func(string) string) string {
		if get("jurisdiction") == "US-MN" {
			return "MN " + get("age_group") + " " + get("period")
		}
		return get("age_group") + " " + get("period")
	})
	// The United States rows are not published; their sums are the states'.
	us := func(age, year string) float64 { return got[age+" "+year] + got["MN "+age+" "+year] }
	if us("all", "2019") != 327052602 || us("all", "2021") != 330784232 {
		t.Errorf("US civilian population 2019 %v, 2021 %v; want 327,052,602 and 330,784,232", us("all", "2019"), us("all", "2021"))
	}
	if got["MN minor 2019"] != 1303157 || got["MN minor 2021"] != 1317567 || got["MN minor 2005"] != 1280557 {
		t.Errorf("Minnesota under 18: 2019 %v, 2021 %v, 2005 %v", got["MN minor 2019"], got["MN minor 2021"], got["MN minor 2005"])
	}
	for y := 2000; y <= 2021; y++ {
		if got["MN all "+strconv.Itoa(y)] == 0 {
			t.Errorf("no Minnesota population for %d", y)
		}
	}
}

// TestACSRaceChecks checks the embedded ACS file against figures computed
// independently from it: Minnesota's total, White alone and Black alone,
// and the total of the 50 states and DC.
func TestACSRaceChecks(t *testing.T) {
	out, err := parse(t, "census_acs_race", "acs.csv", readFile(t, "snapshots/acs-acs1-profile-2018-GROUP_DP05_DATA.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	got := sums(out.Tables[TableObservations], func(get func(string) string) string {
		switch {
		case get("jurisdiction") == "US-MN":
			return "MN " + get("breakdown")
		case get("jurisdiction") == "US-PR":
			return "PR " + get("breakdown")
		}
		return "states " + get("breakdown")
	})
	if got["MN "] != 5611179 || got["MN race=white"] != 4629375 || got["MN race=black"] != 367653 {
		t.Errorf("Minnesota: %v %v %v", got["MN "], got["MN race=white"], got["MN race=black"])
	}
	if got["states "]+got["MN "] != 327167439 {
		t.Errorf("50 states and DC: %v, want 327,167,439", got["states "]+got["MN "])
	}
}

// TestNIBRSEmbeddedStates: the embedded NIBRS data give arrests, by age and
// by race, for 33 states (2019) and Minnesota 2018, under ISO codes.
func TestNIBRSEmbeddedStates(t *testing.T) {
	out, err := parse(t, "fbi_nibrs", "nibrs_cde.zip", readFile(t, "snapshots/nibrs_cde.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	states := map[string]bool{}
	got := sums(out.Tables[TableObservations], func(get func(string) string) string {
		if get("period") == "2019" {
			states[get("jurisdiction")] = true
		}
		if get("measure") != "arrests" || get("period") != "2019" {
			return ""
		}
		switch b := get("breakdown"); b {
		case "nibrs_offense=64A", "nibrs_offense=64B":
			return "ht " + get("age_group")
		case "nibrs_offense=40A", "nibrs_offense=40B", "nibrs_offense=40C":
			return "prostitution " + get("age_group")
		case "nibrs_offense=64A;race=black", "nibrs_offense=64B;race=black":
			return "ht black"
		}
		return ""
	})
	if len(states) != 33 || !states["US-NE"] {
		t.Errorf("%d states in 2019", len(states))
	}
	// SOURCES.md: 82 trafficking arrests and 1,709 prostitution-family
	// arrests, 2 of them of minors.
	ht := got["ht minor"] + got["ht adult"] + got["ht unknown"]
	pr := got["prostitution minor"] + got["prostitution adult"] + got["prostitution unknown"]
	if ht != 82 || pr != 1709 || got["prostitution minor"] != 2 {
		t.Errorf("trafficking %v, prostitution %v (minors %v)", ht, pr, got["prostitution minor"])
	}
	if got["ht black"] > ht {
		t.Errorf("Black trafficking arrests %v above all %v", got["ht black"], ht)
	}
}

package metrics

import (
	"slices"
	"sort"
)

// Partition declares that an indicator's value is the sum of other
// indicators' values for the same jurisdiction, period and source, so that
// complementary suppression (a second cell withheld so that a withheld one
// cannot be recovered by subtraction) can keep a suppressed part
// from being recovered by subtraction.
type Partition struct {
	Total string
	Parts []string
}

// Partitions are the partitions among the published indicators. None of
// the current catalogue's published counts forms one yet (NIBRS victims are
// published as a total and a minor count only, so no part can be
// subtracted out); breakdowns published later declare theirs here.
var Partitions []Partition

// complementary applies complementary suppression: in each partition group (total = sum of
// parts), a single hidden cell could be recovered by subtraction, so while
// exactly one cell is withheld for privacy, the smallest published part
// (or, failing one, the total) is suppressed too, with reason
// complementary.
func complementary(rows []Row, partitions []Partition) {
	type key struct{ indicator, jurisdiction, period, source string }
	index := map[key]int{}
	for i, r := range rows {
		index[key{r.Indicator.ID, r.Jurisdiction, r.Period, r.Source}] = i
	}
	type group struct{ jurisdiction, period, source string }
	for _, p := range partitions {
		groups := map[group]bool{}
		for _, r := range rows {
			if r.Indicator.ID == p.Total || slices.Contains(p.Parts, r.Indicator.ID) {
				groups[group{r.Jurisdiction, r.Period, r.Source}] = true
			}
		}
		for g := range groups {
			cell := func(id string) (int, bool) {
				i, ok := index[key{id, g.jurisdiction, g.period, g.source}]
				return i, ok
			}
			for {
				var hidden, privacy int
				var parts []int
				total, hasTotal := cell(p.Total)
				for _, id := range append([]string{p.Total}, p.Parts...) {
					i, ok := cell(id)
					switch {
					case !ok || !rows[i].Published():
						hidden++
						if ok && rows[i].Status == StatusSuppressed {
							privacy++
						}
					case id != p.Total:
						parts = append(parts, i)
					}
				}
				if hidden != 1 || privacy == 0 {
					break // nothing recoverable: no secret, or two unknowns
				}
				victim := -1
				if len(parts) > 0 {
					sort.Slice(parts, func(a, b int) bool { return *rows[parts[a]].Value < *rows[parts[b]].Value })
					victim = parts[0]
				} else if hasTotal && rows[total].Published() {
					victim = total
				}
				if victim < 0 {
					break
				}
				r := &rows[victim]
				r.Status, r.Reason = StatusSuppressed, ReasonComplementary
				r.Value, r.Numerator, r.Denominator = nil, nil, nil
			}
		}
	}
}

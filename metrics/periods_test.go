package metrics

import (
	"slices"
	"testing"
)

// TestComparePeriods: periods sort by when they fall: FY2024 (to September
// 2024) before the quarter October-December 2024, the calendar year 2024
// with that quarter's end but starting earlier, before it.
func TestComparePeriods(t *testing.T) {
	got := []string{"2024-10..2024-12", "FY2024", "2025", "2024", "FY2023", "2023-07-31..2023-08-04", "2016-02..2021-01", "unknown"}
	slices.SortFunc(got, ComparePeriods)
	want := []string{"2016-02..2021-01", "2023-07-31..2023-08-04", "FY2023", "FY2024", "2024", "2024-10..2024-12", "2025", "unknown"}
	if !slices.Equal(got, want) {
		t.Fatalf("sorted %v, want %v", got, want)
	}
	if _, _, ok := PeriodSpan("2024-12..2024-10"); ok {
		t.Error("a range that ends before it starts was placed")
	}
}

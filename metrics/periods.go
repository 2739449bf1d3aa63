package metrics

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Periods are written as publishers give them: a data year (2023), a US
// federal fiscal year (FY2024: October 2023 to September 2024), a calendar
// year (CY1991), a range of months (2024-10..2024-12) or of days
// (2023-07-31..2023-08-04). PeriodSpan places one in time, so that
// periods sort by when they fall, not as strings (where FY2024 sorts after
// the quarter that follows it).
var (
	yearPeriod   = regexp.MustCompile(`^(?:CY)?(\d{4})$`)
	fiscalPeriod = regexp.MustCompile(`^FY(\d{4})$`)
	rangePeriod  = regexp.MustCompile(`^(\d{4}-\d{2}(?:-\d{2})?)\.\.(\d{4}-\d{2}(?:-\d{2})?)$`)
)

// PeriodSpan is the first and the last day of a period; false for a
// period written otherwise.
func PeriodSpan(p string) (start, end time.Time, ok bool) {
	if m := yearPeriod.FindStringSubmatch(p); m != nil {
		y, _ := strconv.Atoi(m[1])
		return date(y, 1, 1), date(y, 12, 31), true
	}
	if m := fiscalPeriod.FindStringSubmatch(p); m != nil {
		y, _ := strconv.Atoi(m[1])
		return date(y-1, 10, 1), date(y, 9, 30), true
	}
	if m := rangePeriod.FindStringSubmatch(p); m != nil {
		s, ok1 := day(m[1], false)
		e, ok2 := day(m[2], true)
		return s, e, ok1 && ok2 && !e.Before(s)
	}
	return time.Time{}, time.Time{}, false
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// day reads YYYY-MM-DD, or YYYY-MM as its first (or, last, its last) day.
func day(s string, last bool) (time.Time, bool) {
	if len(s) == 10 {
		t, err := time.Parse(time.DateOnly, s)
		return t, err == nil
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, false
	}
	if last {
		t = t.AddDate(0, 1, -1)
	}
	return t, true
}

// ComparePeriods orders two periods by when they end, then by when they
// start; periods it cannot place come after those it can, in string order.
func ComparePeriods(a, b string) int {
	as, ae, aok := PeriodSpan(a)
	bs, be, bok := PeriodSpan(b)
	switch {
	case aok && bok:
		if c := ae.Compare(be); c != 0 {
			return c
		}
		if c := as.Compare(bs); c != 0 {
			return c
		}
	case aok:
		return -1
	case bok:
		return 1
	}
	return strings.Compare(a, b)
}

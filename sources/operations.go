package sources

import (
	"context"
	"hash/fnv"
	"io"
	"regexp"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// operations: enforcement operations recorded by a task force or a
// researcher in palermo's operations CSV template (docs/sources.md), one row
// per operation. Merged with the FBI's announced operations in the
// operations table.

func init() {
	Register(&Spec{
		Name:    "operations",
		Summary: "Operations recorded by a task force or researcher in palermo's operations CSV template; merged with the FBI operations",
		Origin: Origin{
			Producer:         "The task force or researcher who maintains the file (each row names its public source)",
			Title:            "Enforcement operations (palermo operations template)",
			Description:      "One row per enforcement operation: arrests by role, victims identified, referred to services and arrested, Continued Presence requests. An empty count means not reported; 0 means reported as zero.",
			CitationFull:     "As cited per row in source_url.",
			AttributionShort: "operations template",
			URLMain:          "https://github.com/palermo-project/palermo/blob/main/docs/sources.md#operations",
			License:          License{Name: "As stated by the file's maintainer; each row cites its public source", URL: "https://github.com/palermo-project/palermo/blob/main/docs/sources.md#operations"},
		},
		DefaultSchedule: "0 5 * * *",
		Tables:          []string{TableOperations},
		Parse:           parseOperations,
		Stream:          streamOperations,
	})
}

// OperationsTemplateColumns is the operations CSV template of the design.
var OperationsTemplateColumns = []string{"operation_id", "agency", "jurisdiction", "start_date", "end_date", "operation_type",
	"arrests_total", "arrests_traffickers", "arrests_buyers", "arrests_sellers",
	"victims_identified_adult", "victims_identified_minor", "victims_referred_to_services", "victims_arrested",
	"continued_presence_requests", "source_url"}

// OperationTypes are the values operation_type may take.
var OperationTypes = []string{"sting", "investigation", "labor_inspection", "multi_agency", "other"}

var jurisdictionCode = regexp.MustCompile(`^([A-Z]{3}|US-[A-Z]{2})$`)

func parseOperations(ctx context.Context, in Input) (*Output, error) {
	f, err := openCSV(in.Name, in.Data, OperationsTemplateColumns)
	if err != nil {
		return nil, err
	}
	ob := NewOperationsBuilder(in.Mem)
	defer ob.Release()
	seen := operationIDs{}
	for f.next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if op, ok := operationRow(f, seen); ok {
			ob.Append(op)
		}
	}
	return f.finish(&Output{Tables: map[string]arrowBatch{TableOperations: ob.NewRecordBatch()}, Provenance: in.Provenance})
}

// streamOperations reads an operations file from r and emits record batches
// of at most batchRows rows, holding only the batch being built.
func streamOperations(ctx context.Context, name string, r io.Reader, mem memory.Allocator, batchRows int, emit func(arrow.RecordBatch) error) (*StreamResult, error) {
	f, err := readCSV(name, r, OperationsTemplateColumns, false)
	if err != nil {
		return nil, err
	}
	ob := NewOperationsBuilder(mem)
	defer ob.Release()
	seen := operationIDs{}
	n := 0
	flush := func() error {
		rec := ob.NewRecordBatch()
		defer rec.Release()
		n = 0
		return emit(rec)
	}
	for f.next() {
		if f.rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if op, ok := operationRow(f, seen); ok {
			ob.Append(op)
			if n++; n >= batchRows {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	if f.fatal != nil {
		return nil, f.fatal
	}
	if n > 0 {
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return &StreamResult{Quarantine: f.errs, QuarantinedRows: f.badRows, RowsRead: f.rows}, nil
}

// operationIDs remembers the ids seen so far, as 64-bit hashes with the line
// they were first seen on: a file of ten million operations checks for
// duplicates in a few hundred megabytes, not in its ids' full size.
type operationIDs map[uint64]int

func (ids operationIDs) seen(id string, line int) (int, bool) {
	h := fnv.New64a()
	h.Write([]byte(id))
	k := h.Sum64()
	if prev, ok := ids[k]; ok {
		return prev, true
	}
	ids[k] = line
	return 0, false
}

// operationRow validates the current record as one operation; ok is false
// when the row is quarantined.
func operationRow(f *csvFile, ids operationIDs) (Operation, bool) {
	op := Operation{
		Source:                    "operations",
		OperationID:               f.required("operation_id"),
		Agency:                    f.required("agency"),
		Jurisdiction:              f.required("jurisdiction"),
		OperationType:             f.required("operation_type"),
		ArrestsTotal:              f.count("arrests_total"),
		ArrestsTraffickers:        f.count("arrests_traffickers"),
		ArrestsBuyers:             f.count("arrests_buyers"),
		ArrestsSellers:            f.count("arrests_sellers"),
		VictimsAdult:              f.count("victims_identified_adult"),
		VictimsMinor:              f.count("victims_identified_minor"),
		VictimsReferred:           f.count("victims_referred_to_services"),
		VictimsArrested:           f.count("victims_arrested"),
		ContinuedPresenceRequests: f.count("continued_presence_requests"),
		SourceURL:                 f.required("source_url"),
		VictimsDefinition:         "victims identified, as recorded in the operations template",
		ArrestsDefinition:         "arrests by role, as recorded in the operations template",
	}
	op.OperationName = op.OperationID
	if op.Jurisdiction != "" && !jurisdictionCode.MatchString(op.Jurisdiction) {
		f.fail("jurisdiction", "jurisdiction %q is neither an ISO 3166-1 alpha-3 code (USA) nor US-XX (US-MN)", op.Jurisdiction)
	}
	if op.OperationType != "" && !contains(OperationTypes, op.OperationType) {
		f.fail("operation_type", "operation_type %q is none of %v", op.OperationType, OperationTypes)
	}
	if op.SourceURL != "" && !isHTTPURL(op.SourceURL) {
		f.fail("source_url", "source_url %q is not an http(s) URL", op.SourceURL)
	}
	if s := f.required("start_date"); s != "" {
		op.StartDate = f.date("start_date", s)
	}
	if s := f.get("end_date"); s != "" {
		op.EndDate = f.date("end_date", s)
	}
	if op.StartDate != nil && op.EndDate != nil && *op.EndDate < *op.StartDate {
		f.fail("end_date", "end_date %s is before start_date %s", f.get("end_date"), f.get("start_date"))
	}
	if op.StartDate != nil {
		op.Period = strconv.Itoa(op.StartDate.ToTime().Year())
	}
	// Plausibility: parts never exceed the totals they belong to.
	if t := op.ArrestsTotal; t != nil {
		var parts int64
		for _, p := range []*int64{op.ArrestsTraffickers, op.ArrestsBuyers, op.ArrestsSellers} {
			if p != nil {
				parts += *p
			}
		}
		if parts > *t {
			f.fail("arrests_total", "arrests by role add up to %d, more than arrests_total %d", parts, *t)
		}
	}
	if op.VictimsAdult != nil && op.VictimsMinor != nil {
		total := *op.VictimsAdult + *op.VictimsMinor
		op.VictimsTotal = &total
		for _, c := range []struct {
			col string
			n   *int64
		}{{"victims_referred_to_services", op.VictimsReferred}, {"victims_arrested", op.VictimsArrested}} {
			if c.n != nil && *c.n > total {
				f.fail(c.col, "%s %d exceeds the victims identified (%d)", c.col, *c.n, total)
			}
		}
	}
	if op.OperationID != "" && f.rowOK() {
		if prev, dup := ids.seen(op.OperationID, f.line()); dup {
			f.fail("operation_id", "operation_id %q appears twice (first on line %d)", op.OperationID, prev)
		}
	}
	return op, f.rowOK()
}

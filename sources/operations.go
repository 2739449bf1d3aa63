package sources

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/palermo-project/palermo/internal/csvx"
	"github.com/palermo-project/palermo/internal/diag"
	"github.com/palermo-project/palermo/internal/keyset"
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

// Operations files are parsed in chunks of opChunkBytes on all cores
// (csvx.Stream); each chunk becomes one record batch. A record may not be
// longer than opMaxRecordBytes.
const (
	opChunkBytes     = 512 << 10
	opMaxRecordBytes = 16 << 20
)

// parseOperations parses a file held in memory: the streamed parse, with
// its batches joined into one, and a second pass when rows repeat an
// operation_id.
func parseOperations(ctx context.Context, in Input) (*Output, error) {
	var batches []arrow.RecordBatch
	release := func() {
		for _, b := range batches {
			b.Release()
		}
		batches = nil
	}
	defer release()
	open := func() (io.ReadCloser, error) { return io.NopCloser(in.Reader()), nil }
	res, err := StreamRepeating(ctx, streamOperations, StreamInput{Name: in.Name, Mem: in.Mem}, open, func(rec arrow.RecordBatch) error {
		rec.Retain()
		batches = append(batches, rec)
		return nil
	}, release)
	if err != nil {
		return nil, err
	}
	rec, err := ConcatBatches(in.Mem, OperationsSchema, batches)
	if err != nil {
		return nil, err
	}
	return &Output{Tables: map[string]arrowBatch{TableOperations: rec}, Provenance: in.Provenance,
		Quarantine: res.Quarantine, QuarantinedRows: res.QuarantinedRows, RowsRead: res.RowsRead}, nil
}

// opChunk is what the parse of one chunk hands to the collector.
type opChunk struct {
	rec           arrow.RecordBatch // the rows that passed; nil when none
	rows, badRows int64
	errs          diag.ErrorList
	keys          []keyset.Key // operation_id of each row kept, for the repeat check
}

// streamOperations parses an operations file on in.Workers goroutines,
// chunk by chunk, and emits one record batch per chunk in file order.
// Memory holds a few chunks (512 KiB each) and their batches, whatever the
// file's size. Repeated operation_ids are found at the end (a
// *RepeatedKeysError) unless in.Repeats names them.
func streamOperations(ctx context.Context, in StreamInput, emit func(arrow.RecordBatch) error) (*StreamResult, error) {
	if in.Mem == nil {
		in.Mem = memory.NewGoAllocator()
	}
	check := keyset.NewCheck(in.TempDir)
	defer check.Close()
	res := &StreamResult{}
	parse := func(f *csvx.File, chunk []byte) (opChunk, error) { return parseOperationsChunk(in, f, chunk) }
	opt := csvx.StreamOptions{Workers: in.Workers, Chunk: in.Chunk, MaxRecord: opMaxRecordBytes}
	if opt.Chunk <= 0 {
		opt.Chunk = opChunkBytes
	}
	err := csvx.Stream(ctx, in.Name, in.R, OperationsTemplateColumns, opt, parse, func(r opChunk) error {
		res.RowsRead += r.rows
		res.QuarantinedRows += r.badRows
		res.Quarantine.Keep(r.errs...)
		if in.Repeats == nil {
			if err := check.Add(r.keys); err != nil {
				return err
			}
		}
		if r.rec == nil {
			return nil
		}
		defer r.rec.Release()
		return emit(r.rec)
	})
	if err != nil {
		return nil, err
	}
	if in.Repeats == nil {
		repeats, err := check.Repeats()
		if err != nil {
			return nil, err
		}
		if len(repeats) > 0 {
			return nil, &RepeatedKeysError{File: in.Name, Lines: repeats}
		}
	}
	return res, nil
}

// parseOperationsChunk validates the records of one chunk into a batch.
func parseOperationsChunk(in StreamInput, f *csvx.File, chunk []byte) (opChunk, error) {
	cols := findTemplateCols(f)
	ob := NewOperationsBuilder(in.Mem)
	defer ob.Release()
	var out opChunk
	for f.Next() {
		op := operationRow(f, &cols)
		if !f.RowOK() {
			continue
		}
		line := f.Line()
		if first, repeat := in.Repeats[line]; repeat {
			f.FailAt(cols.id, "operation_id %q appears twice (first on line %d)", op.OperationID, first)
			continue
		}
		if out.keys == nil {
			rows := bytes.Count(chunk, []byte{'\n'}) + 1
			ob.Reserve(rows, &op, 4*len(chunk))
			out.keys = make([]keyset.Key, 0, rows)
		}
		ob.Append(&op)
		out.keys = append(out.keys, keyset.Key{Hash: keyset.Hash(op.OperationID), Line: int64(line)})
	}
	if f.Fatal != nil {
		return opChunk{}, f.Fatal
	}
	out.rows, out.badRows, out.errs = f.Rows, f.BadRows, f.Errs
	if len(out.keys) > 0 {
		out.rec = ob.NewRecordBatch()
	}
	return out, nil
}

// templateCols are the template's columns found in a file's header.
type templateCols struct {
	id, agency, jurisdiction, start, end, typ, sourceURL csvx.Col
	counts                                               []csvx.Col // as operationsTemplateCounts
}

func findTemplateCols(f *csvx.File) templateCols {
	c := templateCols{id: f.Ref("operation_id"), agency: f.Ref("agency"), jurisdiction: f.Ref("jurisdiction"),
		start: f.Ref("start_date"), end: f.Ref("end_date"), typ: f.Ref("operation_type"), sourceURL: f.Ref("source_url")}
	for _, tc := range operationsTemplateCounts {
		c.counts = append(c.counts, f.Ref(tc.column))
	}
	return c
}

// operationRow validates the current record as one operation; the row is
// quarantined when f.rowOK() is false afterwards.
func operationRow(f *csvx.File, c *templateCols) Operation {
	op := Operation{
		Source:            "operations",
		OperationID:       f.RequiredAt(c.id),
		Agency:            f.RequiredAt(c.agency),
		Jurisdiction:      f.RequiredAt(c.jurisdiction),
		OperationType:     f.RequiredAt(c.typ),
		SourceURL:         f.RequiredAt(c.sourceURL),
		VictimsDefinition: "victims identified, as recorded in the operations template",
		ArrestsDefinition: "arrests by role, as recorded in the operations template",
	}
	for k, tc := range operationsTemplateCounts {
		*tc.field.In(&op) = f.CountAt(c.counts[k])
	}
	op.OperationName = op.OperationID
	if op.Jurisdiction != "" && !ValidJurisdiction(op.Jurisdiction) {
		f.FailAt(c.jurisdiction, "jurisdiction %q is neither an ISO 3166-1 alpha-3 country code (USA) nor an ISO 3166-2:US code (US-MN)", op.Jurisdiction)
	}
	if op.OperationType != "" && !slices.Contains(OperationTypes, op.OperationType) {
		f.FailAt(c.typ, "operation_type %q is none of %v", op.OperationType, OperationTypes)
	}
	if op.SourceURL != "" && !isHTTPURL(op.SourceURL) {
		f.FailAt(c.sourceURL, "source_url %q is not an http(s) URL", op.SourceURL)
	}
	start, end := f.RequiredAt(c.start), f.GetAt(c.end)
	if start != "" {
		op.StartDate = f.DateAt(c.start, start)
	}
	if end != "" {
		op.EndDate = f.DateAt(c.end, end)
	}
	if op.StartDate != nil && op.EndDate != nil && *op.EndDate < *op.StartDate {
		f.FailAt(c.end, "end_date %s is before start_date %s", end, start)
	}
	if op.StartDate != nil {
		year, _ := strconv.Atoi(start[:4]) // the digits of a valid YYYY-MM-DD date
		op.Period = csvx.YearString(year)
	}
	// Plausibility: parts never exceed the totals they belong to.
	if t := op.ArrestsTotal; t != nil {
		var parts int64
		for _, p := range [...]*int64{op.ArrestsTraffickers, op.ArrestsBuyers, op.ArrestsSellers} {
			if p != nil {
				parts += *p
			}
		}
		if parts > *t {
			f.Fail("arrests_total", "arrests by role add up to %d, more than arrests_total %d", parts, *t)
		}
	}
	if op.VictimsAdult != nil && op.VictimsMinor != nil {
		op.VictimsTotal = f.KeepCount(*op.VictimsAdult + *op.VictimsMinor)
		total := *op.VictimsTotal
		if n := op.VictimsReferred; n != nil && *n > total {
			f.Fail("victims_referred_to_services", "victims_referred_to_services %d exceeds the victims identified (%d)", *n, total)
		}
		if n := op.VictimsArrested; n != nil && *n > total {
			f.Fail("victims_arrested", "victims_arrested %d exceeds the victims identified (%d)", *n, total)
		}
	}
	return op
}

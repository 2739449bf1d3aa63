package sources

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The canonical tables every source maps its publisher's layout onto. A new
// indicator reads only these; a new source only fills them.
const (
	TableObservations = "observations"
	TableOperations   = "operations"
)

// Breakdown value used for "all of them" in the observation dimensions.
const All = "all"

// ObservationsSchema is the tidy long format for published statistics: one
// number per row, with the breakdown it belongs to.
var ObservationsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "source", Type: arrow.BinaryTypes.String, Metadata: dictionary},            // source name, e.g. tip_global
	{Name: "edition", Type: arrow.BinaryTypes.String, Metadata: dictionary},           // publisher edition or release, e.g. 2024
	{Name: "jurisdiction", Type: arrow.BinaryTypes.String, Metadata: dictionary},      // ISO 3166-1 alpha-3, US-XX, WLD, or a documented regional code
	{Name: "jurisdiction_name", Type: arrow.BinaryTypes.String},                       // as the publisher names it
	{Name: "period", Type: arrow.BinaryTypes.String, Metadata: dictionary},            // data year (2023) or fiscal year (FY2023)
	{Name: "measure", Type: arrow.BinaryTypes.String, Metadata: dictionary},           // canonical measure, e.g. convictions
	{Name: "sex", Type: arrow.BinaryTypes.String, Metadata: dictionary},               // all, female, male, other, unknown
	{Name: "age_group", Type: arrow.BinaryTypes.String, Metadata: dictionary},         // all, minor, adult, unknown
	{Name: "exploitation_form", Type: arrow.BinaryTypes.String, Metadata: dictionary}, // all, sexual_exploitation, forced_labour, other
	{Name: "breakdown", Type: arrow.BinaryTypes.String},                               // any other breakdown, "dimension=category"; empty for none
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "censored", Type: arrow.BinaryTypes.String}, // the publisher's marker when the value is withheld, e.g. "<5"
	{Name: "source_url", Type: arrow.BinaryTypes.String},
	{Name: "source_kind", Type: arrow.BinaryTypes.String, Metadata: dictionary}, // primary or secondary
	{Name: "notes", Type: arrow.BinaryTypes.String},
}, nil)

// Observation is one row of the observations table. A nil Value means the
// number was not reported or was withheld (then Censored says how).
type Observation struct {
	Source, Edition                string
	Jurisdiction, JurisdictionName string
	Period, Measure                string
	Sex, AgeGroup, Form, Breakdown string
	Value                          *float64
	Censored                       string
	SourceURL, SourceKind, Notes   string
}

// ObservationsBuilder appends observations straight into Arrow builders.
type ObservationsBuilder struct {
	b *array.RecordBuilder
	s []*array.StringBuilder
	v *array.Float64Builder
}

func NewObservationsBuilder(mem memory.Allocator) *ObservationsBuilder {
	rb := array.NewRecordBuilder(mem, ObservationsSchema)
	ob := &ObservationsBuilder{b: rb}
	for i, f := range ObservationsSchema.Fields() {
		if f.Name == "value" {
			ob.v = rb.Field(i).(*array.Float64Builder)
			ob.s = append(ob.s, nil)
			continue
		}
		ob.s = append(ob.s, rb.Field(i).(*array.StringBuilder))
	}
	return ob
}

func (ob *ObservationsBuilder) Append(o Observation) {
	vals := []string{o.Source, o.Edition, o.Jurisdiction, o.JurisdictionName, o.Period, o.Measure,
		o.Sex, o.AgeGroup, o.Form, o.Breakdown, "", o.Censored, o.SourceURL, o.SourceKind, o.Notes}
	for i, sb := range ob.s {
		if sb != nil {
			sb.Append(vals[i])
		}
	}
	if o.Value != nil {
		ob.v.Append(*o.Value)
	} else {
		ob.v.AppendNull()
	}
}

// NewRecordBatch returns the rows appended so far and resets the builder.
func (ob *ObservationsBuilder) NewRecordBatch() arrow.RecordBatch { return ob.b.NewRecordBatch() }
func (ob *ObservationsBuilder) Release()                          { ob.b.Release() }

// StatisticsKey set to "false" in a field's metadata tells the store to
// write no min/max statistics for the column in Parquet: ids, URLs and
// free text, which no query filters on by range.
const StatisticsKey = "palermo.statistics"

// DictionaryKey set to "true" in a string field's metadata says the column
// takes few distinct values (source names, agencies, jurisdictions,
// periods, types, definitions): the store writes it dictionary-encoded.
// Readers still see strings.
const DictionaryKey = "palermo.dictionary"

var (
	noStatistics           = arrow.NewMetadata([]string{StatisticsKey}, []string{"false"})
	dictionary             = arrow.NewMetadata([]string{DictionaryKey}, []string{"true"})
	dictionaryNoStatistics = arrow.NewMetadata([]string{DictionaryKey, StatisticsKey}, []string{"true", "false"})
)

// OperationsSchema holds one row per enforcement operation. Its first columns
// are those of the operations CSV template in the design; the rest keep what
// publishers' releases say about how they counted. Min/max statistics are
// kept where a reader may prune row groups with them: periods,
// jurisdictions, dates, counts; not for ids, URLs, free text, nor for
// source, agency and type (an alphabetical range of names prunes nothing,
// and for dictionary columns arrow-go computes them per batch, at a
// fortieth of an ingest's CPU).
var OperationsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "source", Type: arrow.BinaryTypes.String, Metadata: dictionaryNoStatistics},
	{Name: "operation_id", Type: arrow.BinaryTypes.String, Metadata: noStatistics},
	{Name: "operation_name", Type: arrow.BinaryTypes.String, Metadata: noStatistics},
	{Name: "agency", Type: arrow.BinaryTypes.String, Metadata: dictionaryNoStatistics},
	{Name: "jurisdiction", Type: arrow.BinaryTypes.String, Metadata: dictionary},
	{Name: "period", Type: arrow.BinaryTypes.String, Metadata: dictionary},
	{Name: "start_date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "end_date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "operation_type", Type: arrow.BinaryTypes.String, Metadata: dictionaryNoStatistics},
	{Name: "arrests_total", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "arrests_traffickers", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "arrests_buyers", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "arrests_sellers", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "victims_identified_adult", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "victims_identified_minor", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "victims_identified_total", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "victims_referred_to_services", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "victims_arrested", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "continued_presence_requests", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "suspects_identified_or_arrested", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "victims_definition", Type: arrow.BinaryTypes.String, Metadata: dictionaryNoStatistics}, // how the release counted victims
	{Name: "arrests_definition", Type: arrow.BinaryTypes.String, Metadata: dictionaryNoStatistics}, // how the release counted arrests
	{Name: "source_url", Type: arrow.BinaryTypes.String, Metadata: noStatistics},
	{Name: "notes", Type: arrow.BinaryTypes.String, Metadata: noStatistics},
}, nil)

// Operation is one row of the operations table. Nil counts were not reported;
// a zero is a reported zero, and the two are never confused.
type Operation struct {
	Source, OperationID, OperationName, Agency, Jurisdiction, Period string
	StartDate, EndDate                                               *arrow.Date32
	OperationType                                                    string
	ArrestsTotal, ArrestsTraffickers, ArrestsBuyers, ArrestsSellers  *int64
	VictimsAdult, VictimsMinor, VictimsTotal                         *int64
	VictimsReferred, VictimsArrested, ContinuedPresenceRequests      *int64
	SuspectsIdentifiedOrArrested                                     *int64
	VictimsDefinition, ArrestsDefinition                             string
	SourceURL, Notes                                                 string
}

// OperationsBuilder appends operations straight into Arrow buffers
// (columns.go).
type OperationsBuilder struct {
	str    [24]*stringColumn // by column; nil for the other types
	dates  [24]*fixedColumn[arrow.Date32]
	counts [24]*fixedColumn[int64]
}

func NewOperationsBuilder(mem memory.Allocator) *OperationsBuilder {
	ob := &OperationsBuilder{}
	for i, f := range OperationsSchema.Fields() {
		switch f.Type.ID() {
		case arrow.STRING:
			ob.str[i] = newStringColumn(mem)
		case arrow.DATE32:
			ob.dates[i] = newFixedColumn[arrow.Date32](mem, f.Type)
		case arrow.INT64:
			ob.counts[i] = newFixedColumn[int64](mem, f.Type)
		}
	}
	return ob
}

func (ob *OperationsBuilder) Append(o Operation) {
	ob.str[0].append(o.Source)
	ob.str[1].append(o.OperationID)
	ob.str[2].append(o.OperationName)
	ob.str[3].append(o.Agency)
	ob.str[4].append(o.Jurisdiction)
	ob.str[5].append(o.Period)
	ob.dates[6].append(o.StartDate)
	ob.dates[7].append(o.EndDate)
	ob.str[8].append(o.OperationType)
	for i, n := range [...]*int64{o.ArrestsTotal, o.ArrestsTraffickers, o.ArrestsBuyers, o.ArrestsSellers,
		o.VictimsAdult, o.VictimsMinor, o.VictimsTotal, o.VictimsReferred, o.VictimsArrested,
		o.ContinuedPresenceRequests, o.SuspectsIdentifiedOrArrested} {
		ob.counts[9+i].append(n)
	}
	ob.str[20].append(o.VictimsDefinition)
	ob.str[21].append(o.ArrestsDefinition)
	ob.str[22].append(o.SourceURL)
	ob.str[23].append(o.Notes)
}

// Reserve makes room for n more rows with strings as long as o's, so that
// a large batch is not built by repeated doubling. maxBytes bounds the
// string bytes reserved over all columns, so that one long field in the
// first row does not reserve its length n times over; callers pass a small
// multiple of the input the rows come from (their strings cannot exceed
// it, and the estimate from one row is rough).
func (ob *OperationsBuilder) Reserve(n int, o *Operation, maxBytes int) {
	strs := [...]string{o.Source, o.OperationID, o.OperationName, o.Agency, o.Jurisdiction, o.Period, "", "", o.OperationType,
		20: o.VictimsDefinition, 21: o.ArrestsDefinition, 22: o.SourceURL, 23: o.Notes}
	var want [len(strs)]float64
	total := 0.0
	for i, v := range strs {
		want[i] = float64(n) * float64(len(v)+len(v)/4)
		total += want[i]
	}
	scale := 1.0
	if total > float64(maxBytes) {
		scale = float64(maxBytes) / total
	}
	for i := range strs {
		if sb := ob.str[i]; sb != nil {
			sb.reserve(n, int(want[i]*scale))
		}
	}
	for i := range ob.dates {
		if c := ob.dates[i]; c != nil {
			c.reserve(n)
		}
		if c := ob.counts[i]; c != nil {
			c.reserve(n)
		}
	}
}

// NewRecordBatch returns the rows appended so far and starts a new batch.
func (ob *OperationsBuilder) NewRecordBatch() arrow.RecordBatch {
	cols := make([]arrow.Array, len(ob.str))
	for i := range cols {
		switch {
		case ob.str[i] != nil:
			cols[i] = ob.str[i].finish()
		case ob.dates[i] != nil:
			cols[i] = ob.dates[i].finish()
		default:
			cols[i] = ob.counts[i].finish()
		}
	}
	rec := array.NewRecordBatch(OperationsSchema, cols, int64(cols[0].Len()))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// Release drops the rows appended since the last NewRecordBatch.
func (ob *OperationsBuilder) Release() {
	for i := range ob.str {
		if c := ob.str[i]; c != nil {
			c.release()
		}
		if c := ob.dates[i]; c != nil {
			c.release()
		}
		if c := ob.counts[i]; c != nil {
			c.release()
		}
	}
}

// Schemas names the canonical table schemas.
var Schemas = map[string]*arrow.Schema{
	TableObservations: ObservationsSchema,
	TableOperations:   OperationsSchema,
}

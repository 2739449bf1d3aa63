package sources

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/palermo-project/palermo/internal/arrowcol"
)

// The canonical tables every source maps its publisher's layout onto. A new
// indicator reads only these; a new source only fills them.
const (
	TableObservations = "observations"
	TableOperations   = "operations"
)

// Breakdown value used for "all of them" in the observation dimensions.
const All = "all"

// observationsTable is the tidy long format for published statistics: one
// number per row, with the breakdown it belongs to.
var observationsTable = arrowcol.NewTable(
	arrowcol.Text("source", arrowcol.Dictionary, func(o *Observation) *string { return &o.Source }),                 // source name, e.g. tip_global
	arrowcol.Text("edition", arrowcol.Dictionary, func(o *Observation) *string { return &o.Edition }),               // publisher edition or release, e.g. 2024
	arrowcol.Text("jurisdiction", arrowcol.Dictionary, func(o *Observation) *string { return &o.Jurisdiction }),     // ISO 3166-1 alpha-3, US-XX, WLD, or a documented regional code
	arrowcol.Text("jurisdiction_name", arrowcol.Plain, func(o *Observation) *string { return &o.JurisdictionName }), // as the publisher names it
	arrowcol.Text("period", arrowcol.Dictionary, func(o *Observation) *string { return &o.Period }),                 // data year (2023) or fiscal year (FY2023)
	arrowcol.Text("measure", arrowcol.Dictionary, func(o *Observation) *string { return &o.Measure }),               // canonical measure, e.g. convictions
	arrowcol.Text("sex", arrowcol.Dictionary, func(o *Observation) *string { return &o.Sex }),                       // all, female, male, other, unknown
	arrowcol.Text("age_group", arrowcol.Dictionary, func(o *Observation) *string { return &o.AgeGroup }),            // all, minor, adult, unknown
	arrowcol.Text("exploitation_form", arrowcol.Dictionary, func(o *Observation) *string { return &o.Form }),        // all, sexual_exploitation, forced_labour, other
	arrowcol.Text("breakdown", arrowcol.Plain, func(o *Observation) *string { return &o.Breakdown }),                // any other breakdown, "dimension=category"; empty for none
	arrowcol.Number("value", func(o *Observation) **float64 { return &o.Value }),
	arrowcol.Text("censored", arrowcol.Plain, func(o *Observation) *string { return &o.Censored }), // the publisher's marker when the value is withheld, e.g. "<5"
	arrowcol.Text("source_url", arrowcol.Plain, func(o *Observation) *string { return &o.SourceURL }),
	arrowcol.Text("source_kind", arrowcol.Dictionary, func(o *Observation) *string { return &o.SourceKind }), // primary or secondary
	arrowcol.Text("notes", arrowcol.Plain, func(o *Observation) *string { return &o.Notes }),
)

// ObservationsSchema is the schema of the observations table.
var ObservationsSchema = observationsTable.Schema

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

// ObservationsBuilder appends observations into a batch.
type ObservationsBuilder struct {
	b *arrowcol.Builder[Observation]
}

func NewObservationsBuilder(mem memory.Allocator) *ObservationsBuilder {
	return &ObservationsBuilder{observationsTable.NewBuilder(mem)}
}

func (ob *ObservationsBuilder) Append(o Observation) { ob.b.Append(&o) }

// NewRecordBatch returns the rows appended so far and starts a new batch.
func (ob *ObservationsBuilder) NewRecordBatch() arrow.RecordBatch { return ob.b.NewRecordBatch() }

// Release drops the rows appended since the last NewRecordBatch.
func (ob *ObservationsBuilder) Release() { ob.b.Release() }

// operationsTable holds one row per enforcement operation. Its first
// columns are those of the operations CSV template in the design; the
// rest keep what publishers' releases say about how they counted. Min/max
// statistics are kept where a reader may prune row groups with them:
// periods, jurisdictions, dates, counts; not for ids, URLs, free text, nor
// for source, agency and type (an alphabetical range of names prunes
// nothing, and for dictionary columns arrow-go computes them per batch, at
// a cost in CPU).
var operationsTable = arrowcol.NewTable(
	arrowcol.Text("source", arrowcol.Dictionary|arrowcol.NoStatistics, func(o *Operation) *string { return &o.Source }),
	arrowcol.Text("operation_id", arrowcol.NoStatistics, func(o *Operation) *string { return &o.OperationID }),
	arrowcol.Text("operation_name", arrowcol.NoStatistics, func(o *Operation) *string { return &o.OperationName }),
	arrowcol.Text("agency", arrowcol.Dictionary|arrowcol.NoStatistics, func(o *Operation) *string { return &o.Agency }),
	arrowcol.Text("jurisdiction", arrowcol.Dictionary, func(o *Operation) *string { return &o.Jurisdiction }),
	arrowcol.Text("period", arrowcol.Dictionary, func(o *Operation) *string { return &o.Period }),
	arrowcol.Date("start_date", func(o *Operation) **arrow.Date32 { return &o.StartDate }),
	arrowcol.Date("end_date", func(o *Operation) **arrow.Date32 { return &o.EndDate }),
	arrowcol.Text("operation_type", arrowcol.Dictionary|arrowcol.NoStatistics, func(o *Operation) *string { return &o.OperationType }),
	arrowcol.Count("arrests_total", func(o *Operation) **int64 { return &o.ArrestsTotal }),
	arrowcol.Count("arrests_traffickers", func(o *Operation) **int64 { return &o.ArrestsTraffickers }),
	arrowcol.Count("arrests_buyers", func(o *Operation) **int64 { return &o.ArrestsBuyers }),
	arrowcol.Count("arrests_sellers", func(o *Operation) **int64 { return &o.ArrestsSellers }),
	arrowcol.Count("victims_identified_adult", func(o *Operation) **int64 { return &o.VictimsAdult }),
	arrowcol.Count("victims_identified_minor", func(o *Operation) **int64 { return &o.VictimsMinor }),
	arrowcol.Count("victims_identified_total", func(o *Operation) **int64 { return &o.VictimsTotal }),
	arrowcol.Count("victims_referred_to_services", func(o *Operation) **int64 { return &o.VictimsReferred }),
	arrowcol.Count("victims_arrested", func(o *Operation) **int64 { return &o.VictimsArrested }),
	arrowcol.Count("continued_presence_requests", func(o *Operation) **int64 { return &o.ContinuedPresenceRequests }),
	arrowcol.Count("suspects_identified_or_arrested", func(o *Operation) **int64 { return &o.SuspectsIdentifiedOrArrested }),
	arrowcol.Text("victims_definition", arrowcol.Dictionary|arrowcol.NoStatistics, func(o *Operation) *string { return &o.VictimsDefinition }), // how the release counted victims
	arrowcol.Text("arrests_definition", arrowcol.Dictionary|arrowcol.NoStatistics, func(o *Operation) *string { return &o.ArrestsDefinition }), // how the release counted arrests
	arrowcol.Text("source_url", arrowcol.NoStatistics, func(o *Operation) *string { return &o.SourceURL }),
	arrowcol.Text("notes", arrowcol.NoStatistics, func(o *Operation) *string { return &o.Notes }),
)

// OperationsSchema is the schema of the operations table.
var OperationsSchema = operationsTable.Schema

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

// OperationsBuilder appends operations into a batch.
type OperationsBuilder struct{ b *arrowcol.Builder[Operation] }

func NewOperationsBuilder(mem memory.Allocator) *OperationsBuilder {
	return &OperationsBuilder{operationsTable.NewBuilder(mem)}
}

func (ob *OperationsBuilder) Append(o *Operation) { ob.b.Append(o) }

// Reserve makes room for n more rows with strings as long as o's, within
// maxBytes of strings over all columns (see arrowcol.Builder.Reserve).
func (ob *OperationsBuilder) Reserve(n int, o *Operation, maxBytes int) { ob.b.Reserve(n, o, maxBytes) }

// NewRecordBatch returns the rows appended so far and starts a new batch.
func (ob *OperationsBuilder) NewRecordBatch() arrow.RecordBatch { return ob.b.NewRecordBatch() }

// Release drops the rows appended since the last NewRecordBatch.
func (ob *OperationsBuilder) Release() { ob.b.Release() }

// The operations CSV template of the design: what a task force or a
// researcher fills in, one row per operation. The text columns are read by
// name in operations.go; the counts are read as declared here, each into
// its field of Operation.
var (
	// operationsTemplateCounts are the template's count columns, in
	// template order: empty is not reported, 0 is a reported zero.
	operationsTemplateCounts = []struct {
		column string
		field  arrowcol.Field[Operation, *int64]
	}{
		{"arrests_total", arrowcol.FieldOf(func(o *Operation) **int64 { return &o.ArrestsTotal })},
		{"arrests_traffickers", arrowcol.FieldOf(func(o *Operation) **int64 { return &o.ArrestsTraffickers })},
		{"arrests_buyers", arrowcol.FieldOf(func(o *Operation) **int64 { return &o.ArrestsBuyers })},
		{"arrests_sellers", arrowcol.FieldOf(func(o *Operation) **int64 { return &o.ArrestsSellers })},
		{"victims_identified_adult", arrowcol.FieldOf(func(o *Operation) **int64 { return &o.VictimsAdult })},
		{"victims_identified_minor", arrowcol.FieldOf(func(o *Operation) **int64 { return &o.VictimsMinor })},
		{"victims_referred_to_services", arrowcol.FieldOf(func(o *Operation) **int64 { return &o.VictimsReferred })},
		{"victims_arrested", arrowcol.FieldOf(func(o *Operation) **int64 { return &o.VictimsArrested })},
		{"continued_presence_requests", arrowcol.FieldOf(func(o *Operation) **int64 { return &o.ContinuedPresenceRequests })},
	}

	// OperationsTemplateColumns are the template's columns in order.
	OperationsTemplateColumns = func() []string {
		cols := []string{"operation_id", "agency", "jurisdiction", "start_date", "end_date", "operation_type"}
		for _, c := range operationsTemplateCounts {
			cols = append(cols, c.column)
		}
		return append(cols, "source_url")
	}()

	// OperationTypes are the values operation_type may take.
	OperationTypes = []string{"sting", "investigation", "labor_inspection", "multi_agency", "other"}
)

// Schemas names the canonical table schemas.
var Schemas = map[string]*arrow.Schema{
	TableObservations: ObservationsSchema,
	TableOperations:   OperationsSchema,
}

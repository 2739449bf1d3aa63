// Package sources holds one connector per public dataset. Each connector is a
// declarative Spec registered from its own file: what the dataset is, who
// publishes it under which terms, how often it changes, which canonical
// tables it fills and how its bytes are parsed into them.
package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/palermo-project/palermo/internal/bounded"
	"github.com/palermo-project/palermo/internal/csvx"
	"github.com/palermo-project/palermo/internal/diag"
)

// Origin is where a dataset comes from, in the fields OWID's ETL records for
// every snapshot. It flows into every exported row and into datapackage.json.
type Origin struct {
	Producer         string  `json:"producer"`
	Title            string  `json:"title"`
	Description      string  `json:"description,omitempty"`
	CitationFull     string  `json:"citation_full"`
	AttributionShort string  `json:"attribution_short"`
	URLMain          string  `json:"url_main"`
	URLDownload      string  `json:"url_download,omitempty"`
	DatePublished    string  `json:"date_published,omitempty"`
	License          License `json:"license"`
}

// License names the terms a dataset is published under.
type License struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Provenance is what one run knows about the bytes it parsed.
type Provenance struct {
	Origin      Origin    `json:"origin"`
	Location    string    `json:"location"`     // embedded:FILE, a URL or a local path
	RetrievedAt time.Time `json:"retrieved_at"` // when these bytes were obtained from the publisher
	SHA256      string    `json:"sha256"`       // of the raw bytes
	Bytes       int64     `json:"bytes"`
}

// Input is the raw material of one parse.
type Input struct {
	Name string // file name used in error positions
	// File holds the bytes, read in place: a local file, the fetch cache,
	// the embedded snapshot or a body in memory (bytes.NewReader). A
	// parser reads what it needs of it and never copies it whole unless
	// its format needs that (see Bytes).
	File       InputFile
	Provenance Provenance
	Mem        memory.Allocator
}

// InputFile is what a parse reads: random access and a size, which a ZIP,
// a workbook and a CSV read as a stream all need (*bytes.Reader and
// *io.SectionReader are InputFiles).
type InputFile interface {
	io.ReaderAt
	Size() int64
}

// Reader reads the input from its first byte.
func (in Input) Reader() io.Reader { return io.NewSectionReader(in.File, 0, in.File.Size()) }

// Bytes reads the whole input into memory, for formats scanned in place
// (fixed-width text); bounded by DefaultMaxBytes.
func (in Input) Bytes() ([]byte, error) {
	return bounded.ReadSized(in.Reader(), bounded.DefaultMaxBytes, in.File.Size())
}

// Output is what a parse produces: one record batch per canonical table it
// fills, without the rows that failed validation, which are listed in
// Quarantine. The caller owns the batches and must Release them.
type Output struct {
	Tables     map[string]arrow.RecordBatch
	Provenance Provenance
	// Quarantine holds the first diag.MaxErrors problems of the rows left out;
	// QuarantinedRows counts them all, out of RowsRead.
	Quarantine      diag.ErrorList
	QuarantinedRows int64
	RowsRead        int64
}

// QuarantineError refuses an output whose quarantined share of rows is
// above what the configuration allows. It unwraps to the positioned errors.
type QuarantineError struct {
	List       diag.ErrorList
	Rows, Read int64
	MaxShare   float64
}

func (e *QuarantineError) Error() string {
	return fmt.Sprintf("%s\n%d of %d rows failed validation; the configuration quarantines at most %.4g%%", e.List.Error(), e.Rows, e.Read, e.MaxShare*100)
}

func (e *QuarantineError) Unwrap() error { return e.List }

// StreamInput is what a streamed parse reads, and how.
type StreamInput struct {
	Name    string // the file, for error positions
	R       io.Reader
	Mem     memory.Allocator
	Workers int    // goroutines that parse; 0 means GOMAXPROCS
	Chunk   int    // bytes a parser takes at a time; 0 means the source's default
	TempDir string // for what a check of the whole file spills to disk; "" means os.TempDir()
	// Repeats, from a *RepeatedKeysError of an earlier pass over the same
	// file, names the rows to quarantine as repeats.
	Repeats map[int]int
}

// StreamResult is what a streamed parse reports besides its batches.
type StreamResult struct {
	Quarantine      diag.ErrorList
	QuarantinedRows int64
	RowsRead        int64
}

// Check accepts a streamed parse as Output.Check accepts a parse.
func (r *StreamResult) Check(maxShare float64) error {
	o := Output{Quarantine: r.Quarantine, QuarantinedRows: r.QuarantinedRows, RowsRead: r.RowsRead}
	return o.Check(maxShare)
}

// Check accepts the output when its quarantined rows are at most maxShare
// of the rows read (0 accepts none).
func (o *Output) Check(maxShare float64) error {
	if o.QuarantinedRows == 0 {
		return nil
	}
	if maxShare > 0 && o.RowsRead > 0 && float64(o.QuarantinedRows) <= maxShare*float64(o.RowsRead) {
		return nil
	}
	return &QuarantineError{List: o.Quarantine, Rows: o.QuarantinedRows, Read: o.RowsRead, MaxShare: maxShare}
}

// ParseChecked parses and applies Check, releasing the output it refuses.
func ParseChecked(ctx context.Context, spec *Spec, in Input, maxShare float64) (*Output, error) {
	out, err := spec.Parse(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := out.Check(maxShare); err != nil {
		out.Release()
		return nil, err
	}
	if err := checkJurisdictions(in.Name, out); err != nil {
		out.Release()
		return nil, err
	}
	return out, nil
}

// checkJurisdictions refuses an output with a jurisdiction palermo cannot
// publish under (not ISO 3166-1 alpha-3, ISO 3166-2:US, WLD or a TIP
// region): each parser validates its codes with positions, and this is the
// net under all of them.
func checkJurisdictions(name string, out *Output) error {
	for table, rec := range out.Tables {
		idx := rec.Schema().FieldIndices("jurisdiction")
		if len(idx) != 1 {
			continue
		}
		col, ok := rec.Column(idx[0]).(*array.String)
		if !ok {
			continue
		}
		last := ""
		for i := 0; i < col.Len(); i++ {
			code := col.Value(i)
			if code == last || code == "" {
				continue // "" is a row the publisher gives no code for, never published
			}
			if !ValidJurisdiction(code) {
				return fmt.Errorf("%s: %s row %d: jurisdiction %q is not an ISO 3166-1 alpha-3 code, an ISO 3166-2:US code, WLD or a TIP region", name, table, i+1, code)
			}
			last = code
		}
	}
	return nil
}

// csvOutput hands back one table parsed from f with the rows that failed
// validation (to quarantine), or the fatal error that stopped the parse.
func csvOutput(f *csvx.File, in Input, table string, rec arrow.RecordBatch) (*Output, error) {
	if f.Fatal != nil {
		rec.Release()
		return nil, f.Fatal
	}
	return &Output{Tables: map[string]arrow.RecordBatch{table: rec}, Provenance: in.Provenance,
		Quarantine: f.Errs, QuarantinedRows: f.BadRows, RowsRead: f.Rows}, nil
}

// observationsFromCSV is the skeleton of a connector that maps each record
// of one CSV file onto observations: open opens the file (its header
// checked); row reads the current record into ob, or fails it (f.Fail) to
// have it quarantined.
func observationsFromCSV(ctx context.Context, in Input, open func() (*csvx.File, error), row func(f *csvx.File, ob *ObservationsBuilder)) (*Output, error) {
	f, err := open()
	if err != nil {
		return nil, err
	}
	ob := NewObservationsBuilder(in.Mem)
	defer ob.Release()
	for f.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		row(f, ob)
	}
	return csvOutput(f, in, TableObservations, ob.NewRecordBatch())
}

// Release frees every table of the output.
func (o *Output) Release() {
	for _, t := range o.Tables {
		t.Release()
	}
}

// Rows counts the rows of one table, zero when absent.
func (o *Output) Rows(table string) int64 {
	if t, ok := o.Tables[table]; ok {
		return t.NumRows()
	}
	return 0
}

// Snapshot is a copy of the dataset shipped inside the binary, with the date
// it was taken from the publisher (or from the curated research copy).
type Snapshot struct {
	File        string    // name under snapshots/
	RetrievedAt time.Time // when the shipped bytes were retrieved
}

// Spec declares a source. Adding a source means one file that registers a
// Spec, plus its test and fixture.
type Spec struct {
	Name            string
	Summary         string
	Origin          Origin
	DefaultSchedule string // cron spec matching the publisher's cadence
	Tables          []string
	Embedded        *Snapshot // nil when the terms forbid shipping a copy
	// EditionInLabel is set for publishers that restate earlier years in
	// later editions: the edition becomes part of the published source
	// label (tip_global:2024), so figures from two editions never mix.
	EditionInLabel bool
	// Stream, when set, parses a single-table source from a reader in
	// record batches of bounded size, in file order, so that a file of any
	// size is ingested in bounded memory (palermo ingest). Rows that fail
	// validation are left out and reported in the result. A
	// *RepeatedKeysError asks the caller to parse again (see there).
	Stream func(ctx context.Context, in StreamInput, emit func(arrow.RecordBatch) error) (*StreamResult, error)
	// Jump, when set, declares a plausibility check against the previous
	// snapshot: a run whose counts jump by orders of magnitude fails.
	Jump *JumpCheck
	// Parse turns raw bytes into canonical tables. It reports every problem
	// it finds as a diag.PosError (in an diag.ErrorList), never a panic.
	Parse func(ctx context.Context, in Input) (*Output, error)
}

// JumpCheck fails a run when an observation grows by Factor or more, and by
// at least Min, against the same series (jurisdiction, measure, breakdown)
// in the previous snapshot. It catches corrupted per-agency counts, such as
// the CDE export whose counts were multiplied by 64.
type JumpCheck struct {
	Factor    float64
	Min       float64
	Breakdown string // only rows whose breakdown has this prefix, e.g. "ori="
}

var (
	registryMu sync.RWMutex
	registry   = map[string]*Spec{}
)

// Register adds a source to the registry; sources call it from init.
func Register(s *Spec) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if s.Name == "" || s.Parse == nil {
		panic("sources: Register needs a name and a parser")
	}
	if _, dup := registry[s.Name]; dup {
		panic(fmt.Sprintf("sources: %q registered twice", s.Name))
	}
	registry[s.Name] = s
}

// Lookup finds a registered source by name.
func Lookup(name string) (*Spec, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	s, ok := registry[name]
	return s, ok
}

// Specs returns every registered source, sorted by name.
func Specs() []*Spec {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]*Spec, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the registered source names, sorted.
func Names() []string {
	var out []string
	for _, s := range Specs() {
		out = append(out, s.Name)
	}
	return out
}

// ValidateFile checks one local file against a source without storing
// anything and returns the rows of each table. A streaming source reads the
// file batch by batch (a second pass names repeated keys at their lines);
// the others read it whole, refusing a file over maxBytes.
func ValidateFile(ctx context.Context, spec *Spec, file string, maxBytes int64) (map[string]int64, error) {
	rows := map[string]int64{}
	if spec.Stream == nil {
		f, closeFile, err := bounded.OpenFile(file, maxBytes)
		if err != nil {
			return nil, err
		}
		defer closeFile()
		out, err := ParseChecked(ctx, spec, Input{Name: file, File: f, Mem: memory.NewGoAllocator()}, 0)
		if err != nil {
			return nil, err
		}
		defer out.Release()
		for t, b := range out.Tables {
			rows[t] = b.NumRows()
		}
		return rows, nil
	}
	var n int64
	open := func() (io.ReadCloser, error) { return os.Open(file) }
	res, err := StreamRepeating(ctx, spec.Stream, StreamInput{Name: file}, open, func(rec arrow.RecordBatch) error {
		n += rec.NumRows()
		return nil
	}, func() { n = 0 })
	if err != nil {
		return nil, err
	}
	if err := res.Check(0); err != nil {
		return nil, err
	}
	rows[spec.Tables[0]] = n
	return rows, nil
}

// RepeatedKeysError says that rows repeat the key of an earlier row. A
// streamed parse finds them only at the end of the file, after its batches
// went out: the caller discards what it wrote and parses again with
// StreamInput.Repeats set to Lines, which quarantines those rows as they
// come.
type RepeatedKeysError struct {
	File  string
	Lines map[int]int // line of the repeat → line of the first row with that key
}

func (e *RepeatedKeysError) Error() string {
	lines := make([]int, 0, len(e.Lines))
	for l := range e.Lines {
		lines = append(lines, l)
	}
	sort.Ints(lines)
	var b strings.Builder
	for i, l := range lines {
		if i == 5 {
			fmt.Fprintf(&b, ", ... (%d in all)", len(lines))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "line %d repeats line %d", l, e.Lines[l])
	}
	return fmt.Sprintf("%s: rows repeat the key of an earlier row: %s", e.File, b.String())
}

// ConcatBatches joins record batches of one schema into one (an empty
// batch of the schema when there are none).
func ConcatBatches(mem memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	if len(batches) == 1 {
		batches[0].Retain()
		return batches[0], nil
	}
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	for c := range cols {
		parts := make([]arrow.Array, 0, len(batches))
		for _, b := range batches {
			parts = append(parts, b.Column(c))
		}
		if len(parts) == 0 {
			cols[c] = array.MakeArrayOfNull(mem, schema.Field(c).Type, 0)
			continue
		}
		a, err := array.Concatenate(parts, mem)
		if err != nil {
			for _, done := range cols[:c] {
				done.Release()
			}
			return nil, err
		}
		cols[c] = a
	}
	rec := array.NewRecordBatch(schema, cols, rows)
	for _, a := range cols {
		a.Release()
	}
	return rec, nil
}

// StreamRepeating runs a streamed parse over what open opens. When it
// reports rows that repeat a key (found only at the end of the file, after
// their batches went to emit), reset drops what emit kept, and the file is
// parsed once more with those rows quarantined as they come.
func StreamRepeating(ctx context.Context, stream func(context.Context, StreamInput, func(arrow.RecordBatch) error) (*StreamResult, error),
	in StreamInput, open func() (io.ReadCloser, error), emit func(arrow.RecordBatch) error, reset func()) (*StreamResult, error) {
	for {
		r, err := open()
		if err != nil {
			return nil, err
		}
		in.R = r
		res, err := stream(ctx, in, emit)
		r.Close()
		var rep *RepeatedKeysError
		if errors.As(err, &rep) && in.Repeats == nil {
			reset()
			in.Repeats = rep.Lines
			continue
		}
		return res, err
	}
}

package pipeline

import (
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/palermo-project/palermo/internal/arrowcol"
)

// rowGroupRows is the most rows of a Parquet row group: a streamed table's
// small batches are joined into row groups of this size, and a table
// written whole is cut into them.
const rowGroupRows = 1 << 15

// dataPageBytes is the size of a Parquet data page before compression.
const dataPageBytes = 256 << 10

// zstdLevel is the zstd level of the snapshots: the fastest.
const zstdLevel = 1

// parquetFile is a Parquet file being written: zstd-compressed, with the
// Arrow schema and palermo's provenance in its metadata.
type parquetFile struct {
	f    *os.File
	w    *pqarrow.FileWriter
	dict *dictEncoder // nil when no column is dictionary-encoded
}

// writerProperties says how a table's columns are written. zstd at its
// fastest level. Strings the schema marks as few-valued are
// dictionary-encoded from Arrow dictionaries (dictionary.go); the other
// strings DELTA_BYTE_ARRAY, not dictionary-encoded (arrow-go's dictionary
// encoder hashes every value; the prefix of each value shared with the one
// before is stored as a length, so ids and URLs shrink before zstd sees
// them); whole numbers and dates DELTA_BINARY_PACKED (no hash lookup per
// value). No statistics where the schema says min and max prune nothing
// (ids, URLs, free text).
func writerProperties(schema *arrow.Schema) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Zstd), parquet.WithCompressionLevel(zstdLevel),
		parquet.WithStats(true), parquet.WithMaxRowGroupLength(rowGroupRows), parquet.WithDataPageSize(dataPageBytes)}
	for _, fld := range schema.Fields() {
		switch fld.Type.ID() {
		case arrow.STRING:
			if v, ok := fld.Metadata.GetValue(arrowcol.DictionaryKey); ok && v == "true" {
				opts = append(opts, parquet.WithDictionaryFor(fld.Name, true)) // see dictionary.go
				break
			}
			opts = append(opts, parquet.WithDictionaryFor(fld.Name, false), parquet.WithEncodingFor(fld.Name, parquet.Encodings.DeltaByteArray))
		case arrow.INT64, arrow.DATE32:
			opts = append(opts, parquet.WithDictionaryFor(fld.Name, false), parquet.WithEncodingFor(fld.Name, parquet.Encodings.DeltaBinaryPacked))
		}
		if v, ok := fld.Metadata.GetValue(arrowcol.StatisticsKey); ok && v == "false" {
			opts = append(opts, parquet.WithStatsFor(fld.Name, false))
		}
	}
	return parquet.NewWriterProperties(opts...)
}

func (s *Store) newParquetFile(path string, schema *arrow.Schema, provenance string) (*parquetFile, error) {
	f, err := s.openFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	var md arrow.Metadata
	if provenance != "" {
		md = arrow.NewMetadata([]string{"palermo.provenance"}, []string{provenance})
	}
	schema = arrow.NewSchema(schema.Fields(), &md)
	writerSchema, arrowProps := schema, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	dict := newDictEncoder(s.mem, schema)
	if dict != nil {
		// The writer sees dictionaries; ARROW:schema says strings.
		md := dict.storedSchemaMetadata()
		writerSchema, arrowProps = arrow.NewSchema(dict.schema.Fields(), &md), pqarrow.NewArrowWriterProperties()
		dict.schema = writerSchema
	}
	// The writer closes its sink on Close; hide the file's Close so it can
	// be fsynced first.
	w, err := pqarrow.NewFileWriter(writerSchema, struct{ io.Writer }{f}, writerProperties(schema), arrowProps)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &parquetFile{f: f, w: w, dict: dict}, nil
}

// write writes rec as row groups of at most rowGroupRows rows.
func (p *parquetFile) write(rec arrow.RecordBatch) error {
	return p.encoded(rec, p.w.Write)
}

// writeBuffered adds rec to the current row group (small batches are
// joined into row groups of rowGroupRows).
func (p *parquetFile) writeBuffered(rec arrow.RecordBatch) error {
	return p.encoded(rec, p.w.WriteBuffered)
}

func (p *parquetFile) encoded(rec arrow.RecordBatch, write func(arrow.RecordBatch) error) error {
	if p.dict == nil {
		return write(rec)
	}
	enc, err := p.dict.encode(rec)
	if err != nil {
		return err
	}
	defer enc.Release()
	return write(enc)
}

// close finishes the file and fsyncs it.
func (p *parquetFile) close() error {
	defer p.releaseDictionaries()
	if err := p.w.Close(); err != nil {
		p.f.Close()
		return err
	}
	if err := p.f.Sync(); err != nil {
		p.f.Close()
		return err
	}
	return p.f.Close()
}

func (p *parquetFile) abort() {
	defer p.releaseDictionaries()
	p.w.Close()
	p.f.Close()
}

func (p *parquetFile) releaseDictionaries() {
	if p.dict != nil {
		p.dict.release()
	}
}

package metrics

import (
	"bytes"
	"compress/gzip"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// Exposition is a snapshot's metric families rendered once, when the
// snapshot is computed, in both exposition formats and gzipped, so that a
// scrape writes bytes instead of building thousands of metrics. The
// OpenMetrics rendering has no "# EOF": the server ends the whole body.
type Exposition struct {
	Text, TextGzip               []byte
	OpenMetrics, OpenMetricsGzip []byte
}

// renderExposition renders the families of a snapshot's collector.
func renderExposition(c prometheus.Collector) (*Exposition, error) {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		return nil, err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	var text, om bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&text, mf); err != nil {
			return nil, fmt.Errorf("%s: %w", mf.GetName(), err)
		}
		if _, err := expfmt.MetricFamilyToOpenMetrics(&om, mf); err != nil {
			return nil, fmt.Errorf("%s: %w", mf.GetName(), err)
		}
	}
	e := &Exposition{Text: text.Bytes(), OpenMetrics: om.Bytes()}
	if e.TextGzip, err = gzipBytes(e.Text); err != nil {
		return nil, err
	}
	if e.OpenMetricsGzip, err = gzipBytes(e.OpenMetrics); err != nil {
		return nil, err
	}
	return e, nil
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

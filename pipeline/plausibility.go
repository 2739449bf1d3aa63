package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/palermo-project/palermo/sources"
)

// ErrImplausible marks a run refused by a source's plausibility check.
var ErrImplausible = errors.New("implausible data")

type seriesKey struct{ jurisdiction, measure, sex, age, form, breakdown string }

type periodValue struct {
	period string
	value  float64
}

// checkJumps compares the new observations with the previous snapshot's
// latest value of each series, as the source's JumpCheck declares.
func (r *Runner) checkJumps(ctx context.Context, spec *sources.Spec, out *sources.Output) error {
	jc := spec.Jump
	rec, ok := out.Tables[sources.TableObservations]
	if jc == nil || !ok {
		return nil
	}
	prev, err := r.Store.Load(ctx, spec.Name)
	if errors.Is(err, ErrNoSnapshot) {
		return nil
	}
	if err != nil {
		return err
	}
	defer prev.Release()
	old := map[seriesKey]periodValue{}
	if t, ok := prev.Tables[sources.TableObservations]; ok {
		tr := array.NewTableReader(t, 1<<16)
		defer tr.Release()
		for tr.Next() {
			eachSeries(tr.RecordBatch(), jc.Breakdown, func(k seriesKey, period string, v float64) {
				if p, ok := old[k]; !ok || period >= p.period {
					old[k] = periodValue{period, v}
				}
			})
		}
	}
	var jumps []string
	eachSeries(rec, jc.Breakdown, func(k seriesKey, period string, v float64) {
		p, ok := old[k]
		if !ok || p.value <= 0 || period < p.period {
			return
		}
		if v >= jc.Factor*p.value && v-p.value >= jc.Min {
			jumps = append(jumps, fmt.Sprintf("%s %s %s (%s): %v in %s, %v in %s", k.jurisdiction, k.breakdown, k.measure, k.form, v, period, p.value, p.period))
		}
	})
	if len(jumps) == 0 {
		return nil
	}
	sort.Strings(jumps)
	n := len(jumps)
	if n > 5 {
		jumps = append(jumps[:5], "...")
	}
	return fmt.Errorf("%w: %d counts grew %vx or more since the previous snapshot (%s); the previous snapshot stays in use. If the change is real, check the file and store it with palermo ingest",
		ErrImplausible, n, jc.Factor, strings.Join(jumps, "; "))
}

func eachSeries(rec arrow.RecordBatch, prefix string, fn func(seriesKey, string, float64)) {
	col := func(name string) *array.String {
		return rec.Column(rec.Schema().FieldIndices(name)[0]).(*array.String)
	}
	jur, period, measure, sex, age, form, brk := col("jurisdiction"), col("period"), col("measure"), col("sex"), col("age_group"), col("exploitation_form"), col("breakdown")
	value := rec.Column(rec.Schema().FieldIndices("value")[0]).(*array.Float64)
	for i := 0; i < int(rec.NumRows()); i++ {
		if value.IsNull(i) || !strings.HasPrefix(brk.Value(i), prefix) {
			continue
		}
		fn(seriesKey{jur.Value(i), measure.Value(i), sex.Value(i), age.Value(i), form.Value(i), brk.Value(i)}, period.Value(i), value.Value(i))
	}
}

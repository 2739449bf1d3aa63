package nibrsgen

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/palermo-project/palermo/sources"
)

const mn2018 = "../../sources/testdata/fbi_nibrs/nibrs_MN_2018.zip"

// counts parses a bundle with fbi_nibrs and returns each observation's
// value by its key.
func counts(t *testing.T, data []byte) map[string]float64 {
	t.Helper()
	spec, _ := sources.Lookup("fbi_nibrs")
	out, err := sources.ParseChecked(context.Background(), spec, sources.Input{Name: "bundle.zip", File: bytes.NewReader(data), Mem: memory.NewGoAllocator()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	rec := out.Tables[sources.TableObservations]
	col := func(name string) *array.String {
		return rec.Column(rec.Schema().FieldIndices(name)[0]).(*array.String)
	}
	jur, period, measure, age, form, brk := col("jurisdiction"), col("period"), col("measure"), col("age_group"), col("exploitation_form"), col("breakdown")
	value := rec.Column(rec.Schema().FieldIndices("value")[0]).(*array.Float64)
	m := map[string]float64{}
	for i := 0; i < int(rec.NumRows()); i++ {
		m[jur.Value(i)+" "+period.Value(i)+" "+measure.Value(i)+" "+age.Value(i)+" "+form.Value(i)+" "+brk.Value(i)] = value.Value(i)
	}
	return m
}

// TestScaledCountsMultiply: every count palermo derives from a bundle
// scaled three times is three times the real bundle's.
func TestScaledCountsMultiply(t *testing.T) {
	real, err := os.ReadFile(mn2018)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(real), int64(len(real)))
	if err != nil {
		t.Fatal(err)
	}
	var scaled bytes.Buffer
	if err := Scale(&scaled, zr, 3); err != nil {
		t.Fatal(err)
	}
	want, got := counts(t, real), counts(t, scaled.Bytes())
	if len(got) != len(want) || len(want) < 20 {
		t.Fatalf("%d observations from the scaled bundle, %d from the real one", len(got), len(want))
	}
	nonZero := 0
	for k, v := range want {
		if got[k] != 3*v {
			t.Errorf("%s: %v, want 3 x %v", k, got[k], v)
		}
		if v > 0 {
			nonZero++
		}
	}
	if nonZero < 10 {
		t.Fatalf("only %d non-zero counts: the check would not see a join break", nonZero)
	}
}

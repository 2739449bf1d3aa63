package sources

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestIdentifierColumnsRefused: a CTDC-like file and an operations file
// with victim_name, Phone Number or DateOfBirth are refused at the column.
func TestIdentifierColumnsRefused(t *testing.T) {
	tmpl := string(readFile(t, "../configs/operations_template.csv"))
	spec, _ := Lookup("operations")
	for _, col := range []string{"victim_name", "Phone Number", "DateOfBirth"} {
		data := strings.Replace(tmpl, ",source_url\n", ",source_url,"+col+"\n", 1)
		_, err := spec.Parse(context.Background(), Input{Name: "x.csv", File: bytes.NewReader([]byte(data)), Mem: memory.NewGoAllocator()})
		if err == nil || !strings.Contains(err.Error(), "x.csv:1:") || !strings.Contains(err.Error(), "carries personal identifiers") {
			t.Errorf("%s: err = %v", col, err)
		}
	}
	ctdc, _ := Lookup("ctdc")
	excerpt := string(readFile(t, "testdata/ctdc/the_global_k_anon_dataset.EXCERPT.csv"))
	header, rest, _ := strings.Cut(excerpt, "\n")
	for _, col := range []string{"victim_name", "Phone Number", "DateOfBirth"} {
		data := strings.Replace(header, ";gender;", ";"+col+";gender;", 1) + "\n" + rest
		_, err := ctdc.Parse(context.Background(), Input{Name: "ctdc.csv", File: strings.NewReader(data)})
		if err == nil || !strings.Contains(err.Error(), "carries personal identifiers") {
			t.Errorf("ctdc %s: err = %v", col, err)
		}
	}
}

// TestNULRefused: a NUL inside a text field of a CSV source is refused at
// its line and column.
func TestNULRefused(t *testing.T) {
	data := strings.Join(OperationsTemplateColumns, ",") + "\n" +
		"op-1,Minnea\x00polis PD,US-MN,2024-01-01,2024-01-03,sting,10,2,5,3,1,0,1,0,0,https://www.fbi.gov/news\n"
	spec, _ := Lookup("operations")
	_, err := ParseChecked(context.Background(), spec, Input{Name: "x.csv", File: bytes.NewReader([]byte(data)), Mem: memory.NewGoAllocator()}, 0)
	if err == nil || !strings.Contains(err.Error(), "x.csv:2:") || !strings.Contains(err.Error(), "control character U+0000") {
		t.Fatalf("err = %v", err)
	}
}

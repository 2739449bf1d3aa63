package xlsx

import (
	"io"
	"strings"
	"testing"
)

// TestXMLScanner covers what spreadsheet parts use: a declaration,
// namespaced and self-closing tags, attributes in either quote (with '>'
// inside), references, comments and CDATA.
func TestXMLScanner(t *testing.T) {
	in := `<?xml version="1.0"?><!-- a > comment --><x:sheetData><row r="3" spans='1:2'><c r="A3" t="s"><v>12</v></c>` +
		`<c r="B3" s="1"/><c r="C3" t="inlineStr" x:foo="a>b"><is><t>&lt;5 &amp; &#233;&#x20AC;</t></is></c><c><v><![CDATA[<raw & text>]]></v></c></row></x:sheetData>`
	x := newXMLScanner(strings.NewReader(in))
	var got []string
	for {
		err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch x.kind {
		case xmlStart:
			r, _ := x.attr("r")
			tt, _ := x.attr("t")
			foo, _ := x.attr("foo")
			s := "<" + string(x.name)
			for _, a := range []string{r, tt, foo} {
				if a != "" {
					s += " " + a
				}
			}
			if x.self {
				s += "/"
			}
			got = append(got, s+">")
		case xmlEnd:
			got = append(got, "</"+string(x.name)+">")
		case xmlText:
			got = append(got, string(x.text))
		}
	}
	want := "<sheetData>|<row 3>|<c A3 s>|<v>|12|</v>|</c>|<c B3/>|<c C3 inlineStr a>b>|<is>|<t>|<5 & é€|</t>|</is>|</c>|<c>|<v>|<raw & text>|</v>|</c>|</row>|</sheetData>"
	if g := strings.Join(got, "|"); g != want {
		t.Fatalf("tokens:\n got %s\nwant %s", g, want)
	}
	for _, bad := range []string{`<c r="A1`, `<v>&bogus;</v>`, `<v>&#xD800;</v>`, `<!-- never closed`, `<c r=A1>`, `<>`} {
		x := newXMLScanner(strings.NewReader(bad))
		var err error
		for err == nil {
			if err = x.next(); err == nil && x.kind == xmlStart {
				_, err = x.attr("r")
			}
		}
		if err == io.EOF {
			t.Errorf("%q: no error", bad)
		}
	}
}

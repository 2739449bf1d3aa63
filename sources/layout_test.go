package sources

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestConnectorFilesStandAlone: a connector file (one that registers a
// source) declares nothing another file of the package uses, so that
// reading or removing one connector never means reading another; what
// several connectors share lives in the framework files.
func TestConnectorFilesStandAlone(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]*ast.File{}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = f
	}
	declaredIn := map[string]string{} // top-level name -> connector file
	connectors := 0
	for name, f := range files {
		if !registers(f) {
			continue
		}
		connectors++
		for _, d := range f.Decls {
			for _, id := range topLevelNames(d) {
				declaredIn[id] = name
			}
		}
	}
	if connectors < 10 {
		t.Fatalf("found %d connector files; the check reads the package wrongly", connectors)
	}
	var problems []string
	for name, f := range files {
		seen := map[string]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			if owner, ok := declaredIn[id.Name]; ok && owner != name && !seen[id.Name] {
				seen[id.Name] = true
				problems = append(problems, name+" uses "+id.Name+" of the connector "+owner)
			}
			return true
		})
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.Log("move what several files use into a framework file (source.go, tables.go, pages.go, ...)")
	}
}

// registers reports whether a file calls Register from an init function.
func registers(f *ast.File) bool {
	found := false
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "init" || fn.Recv != nil {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "Register" {
					found = true
				}
			}
			return true
		})
	}
	return found
}

// topLevelNames lists what a declaration names at package level (methods
// are reached through their type, and init is no name).
func topLevelNames(d ast.Decl) []string {
	var out []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil && d.Name.Name != "init" {
			out = append(out, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.Name != "_" {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	return out
}

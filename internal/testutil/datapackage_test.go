package testutil

import (
	"strings"
	"testing"
)

// TestValidateDataPackage: the profile accepts a small valid package and
// rejects each kind of mistake a writer of datapackage.json could make, so
// that a test which validates palermo's export cannot pass vacuously.
func TestValidateDataPackage(t *testing.T) {
	const valid = `{
  "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
  "name": "palermo-indicators",
  "created": "2026-11-23T10:00:00Z",
  "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
  "resources": [{
    "name": "indicators",
    "path": "indicators.csv",
    "hash": "sha256:5262f12512590031bbcc9a430452bfd75c2791ad6771320bb4b5728bfb78c4d0",
    "schema": {"fields": [{"name": "value", "type": "number"}, {"name": "period", "type": "string"}]}
  }]
}`
	if err := ValidateDataPackage([]byte(valid)); err != nil {
		t.Fatalf("a valid package was refused: %v", err)
	}
	for _, tc := range []struct{ name, from, to string }{
		{"no resources", `"resources": [{`, `"resourcez": [{`},
		{"path escaping the package", `"path": "indicators.csv"`, `"path": "../indicators.csv"`},
		{"absolute path", `"path": "indicators.csv"`, `"path": "/srv/indicators.csv"`},
		{"unknown field type", `"type": "number"`, `"type": "decimal"`},
		{"hash without algorithm", `"hash": "sha256:`, `"hash": "sha256-`},
		{"created not a date-time", `"2026-11-23T10:00:00Z"`, `"23 November 2026"`},
		{"licence with neither name nor path", `{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}`, `{"title": "CC BY"}`},
		{"not JSON", `"resources": [{`, `"resources": [{,`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(valid, tc.from, tc.to, 1)
			if bad == valid {
				t.Fatalf("the replacement did not apply")
			}
			if err := ValidateDataPackage([]byte(bad)); err == nil {
				t.Fatalf("an invalid package was accepted:\n%s", bad)
			}
		})
	}
}

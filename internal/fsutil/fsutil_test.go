package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestReplaceDir: the directory ends up with exactly the new files, a
// failed fill leaves the old ones, and temporary directories of a killed
// writer are removed by the next replacement.
func TestReplaceDir(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	write := func(names ...string) func(string) error {
		return func(tmp string) error {
			for _, n := range names {
				if err := WriteFileSync(filepath.Join(tmp, n), []byte(n)); err != nil {
					return err
				}
			}
			return nil
		}
	}
	list := func() []string {
		entries, _ := os.ReadDir(dir)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	if err := ReplaceDir(dir, write("a", "b")); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(parent, ".out.tmp-killed"), 0o755) // a killed writer's
	if err := ReplaceDir(dir, write("c")); err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 1 || got[0] != "c" {
		t.Fatalf("after the second replacement: %v, want [c]", got)
	}
	boom := errors.New("disk full")
	if err := ReplaceDir(dir, func(tmp string) error { write("d")(tmp); return boom }); !errors.Is(err, boom) {
		t.Fatalf("failed fill: %v", err)
	}
	if got := list(); len(got) != 1 || got[0] != "c" {
		t.Fatalf("a failed replacement changed the directory: %v", got)
	}
	left, _ := filepath.Glob(filepath.Join(parent, ".out.tmp-*"))
	if len(left) != 0 {
		t.Fatalf("temporary directories left: %v", left)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o755 {
		t.Fatalf("directory mode %v, want 0755", st.Mode().Perm())
	}
}

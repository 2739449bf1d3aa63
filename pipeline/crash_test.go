package pipeline

import (
	"bufio"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestHelperStoreWriter is not a test: TestStoreSurvivesSIGKILL runs the
// test binary with PALERMO_CRASH_DIR set, and this function then writes
// snapshots into that directory until it is killed.
func TestHelperStoreWriter(t *testing.T) {
	dir := os.Getenv("PALERMO_CRASH_DIR")
	if dir == "" {
		return
	}
	out := parseEmbedded(t, "fbi_ucr_ht", memory.NewGoAllocator())
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := st.Write(context.Background(), "fbi_ucr_ht", out); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			os.Stdout.WriteString("written\n")
		}
	}
}

// TestStoreSurvivesSIGKILL kills a process that is writing snapshots at
// random moments; every time, what is left on disk must be a readable
// snapshot with all its rows (or no snapshot at all, before the first write).
func TestStoreSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	const rounds = 12
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStoreWriter$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PALERMO_CRASH_DIR="+dir)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		written := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "written") {
					close(written)
					break
				}
			}
			for sc.Scan() {
			}
		}()
		if round%4 == 0 {
			// Sometimes kill before the first write completes.
			time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		} else {
			select {
			case <-written:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatal("the writer never wrote")
			}
			time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		st, err := OpenStore(dir)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := st.Load(context.Background(), "fbi_ucr_ht")
		if errors.Is(err, ErrNoSnapshot) {
			continue
		}
		if err != nil {
			t.Fatalf("round %d: snapshot unreadable after SIGKILL: %v", round, err)
		}
		if n := ts.Tables["observations"].NumRows(); n != 38700 {
			t.Fatalf("round %d: snapshot has %d rows, want 38700 (the 2013 and 2015 master files)", round, n)
		}
		ts.Release()
	}
	// Killed writes leave at most temporary directories, which the next
	// good write clears.
	out := parseEmbedded(t, "fbi_ucr_ht", memory.NewGoAllocator())
	defer out.Release()
	st, _ := OpenStore(dir)
	if _, err := st.Write(context.Background(), "fbi_ucr_ht", out); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "snapshots", "fbi_ucr_ht"))
	dirs := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind after a good write: %s", e.Name())
		}
		if e.IsDir() {
			dirs++
		}
	}
	if dirs > 2 {
		t.Errorf("%d generations kept, want the current and the previous one", dirs)
	}
}

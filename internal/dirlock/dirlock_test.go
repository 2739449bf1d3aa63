package dirlock

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHelperHolder is not a test: TestHeldByOtherProcess runs the test
// binary with DIRLOCK_DIR set, and this function holds the lock until its
// standard input closes.
func TestHelperHolder(t *testing.T) {
	dir := os.Getenv("DIRLOCK_DIR")
	if dir == "" {
		return
	}
	l, err := Acquire(context.Background(), dir, "test.lock", "holder test", nil)
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("held\n")
	buf := make([]byte, 1)
	os.Stdin.Read(buf)
	l.Unlock()
}

// TestHeldByOtherProcess: while another process holds the lock, Acquire
// waits, tells who holds it, and fails naming the holder's pid and command
// when its context ends; once the holder exits, the lock is free.
func TestHeldByOtherProcess(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHolder$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DIRLOCK_DIR="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("helper did not take the lock: %q %v", buf, err)
	}
	var told Holder
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Acquire(ctx, dir, "test.lock", "second", func(h Holder) { told = h })
	if !errors.Is(err, ErrHeld) {
		t.Fatalf("Acquire while held = %v, want ErrHeld", err)
	}
	if told.PID != cmd.Process.Pid || told.Command != "holder test" {
		t.Fatalf("onWait told %+v, want pid %d", told, cmd.Process.Pid)
	}
	if want := "pid " + strconv.Itoa(cmd.Process.Pid) + " (holder test)"; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not name the holder %q", err, want)
	}
	// The holder is killed, not unlocked: the kernel frees the lock.
	cmd.Process.Kill()
	stdin.Close()
	cmd.Wait()
	l, err := Acquire(context.Background(), dir, "test.lock", "third", nil)
	if err != nil {
		t.Fatalf("lock of a killed holder not free: %v", err)
	}
	if h := ReadHolder(dir + "/test.lock"); h.PID != os.Getpid() || h.Command != "third" {
		t.Fatalf("holder after taking = %+v", h)
	}
	l.Unlock()
	if h := ReadHolder(dir + "/test.lock"); h.PID != 0 {
		t.Fatalf("holder after unlock = %+v, want nobody", h)
	}
}

// TestWaitsForRelease: a waiting Acquire takes the lock as soon as the
// holder releases it.
func TestWaitsForRelease(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(context.Background(), dir, "x.lock", "first", nil)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to open files, so a second open in the same
	// process contends like another process would.
	go func() { time.Sleep(100 * time.Millisecond); l.Unlock() }()
	waited := false
	l2, err := Acquire(context.Background(), dir, "x.lock", "second", func(Holder) { waited = true })
	if err != nil || !waited {
		t.Fatalf("second Acquire = %v, waited %v", err, waited)
	}
	l2.Unlock()
}

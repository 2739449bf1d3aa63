// Package dirlock gives one process at a time the right to write a
// directory. The lock is an flock(2) on a file inside the directory, so the
// kernel releases it when its holder exits, however it exits (a SIGKILL or a
// power loss leaves no stale lock behind). The holder writes its pid, its
// command and the time it took the lock into the file, so that a process
// that waits or gives up can say who holds it.
package dirlock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Lock is a held lock; Unlock releases it.
type Lock struct {
	f    *os.File
	path string
}

// ErrHeld is returned (wrapped, with the holder) when the lock could not be
// taken before the caller's context ended.
var ErrHeld = errors.New("held by another process")

// Holder describes the process that holds a lock, as it wrote itself down.
type Holder struct {
	PID     int
	Command string
	Since   time.Time
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "another process"
	}
	s := fmt.Sprintf("pid %d", h.PID)
	if h.Command != "" {
		s += " (" + h.Command + ")"
	}
	if !h.Since.IsZero() {
		s += " since " + h.Since.UTC().Format(time.RFC3339)
	}
	return s
}

// poll is how often a waiting process tries again.
const poll = 25 * time.Millisecond

// Acquire takes the exclusive lock named name in dir, waiting until ctx
// ends. command says who takes it (e.g. "palermo ingest"); onWait, when set,
// is called once if the lock is held by someone else, with the holder.
func Acquire(ctx context.Context, dir, name, command string, onWait func(Holder)) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	waited := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !waited && onWait != nil {
			onWait(ReadHolder(path))
		}
		waited = true
		select {
		case <-ctx.Done():
			h := ReadHolder(path)
			f.Close()
			return nil, fmt.Errorf("%s is %w: %s (%v)", dir, ErrHeld, h, context.Cause(ctx))
		case <-time.After(poll):
		}
	}
	// The file is ours now: say who holds it. A reader may see it empty
	// for a moment, which ReadHolder reports as "another process".
	info := fmt.Sprintf("pid=%d\ncommand=%s\nsince=%s\n", os.Getpid(), oneLine(command), time.Now().UTC().Format(time.RFC3339Nano))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info), 0)
	}
	return &Lock{f: f, path: path}, nil
}

// Unlock releases the lock. The holder lines are cleared first, so that a
// file read after the release names nobody.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// ReadHolder reads who holds the lock file at path (zero if unknown).
func ReadHolder(path string) Holder {
	b, err := os.ReadFile(path)
	if err != nil {
		return Holder{}
	}
	var h Holder
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch k {
		case "pid":
			fmt.Sscanf(v, "%d", &h.PID)
		case "command":
			h.Command = v
		case "since":
			h.Since, _ = time.Parse(time.RFC3339Nano, v)
		}
	}
	return h
}

func oneLine(s string) string { return strings.NewReplacer("\n", " ", "\r", " ").Replace(s) }

// Command is how this process names itself in a lock: the program and its
// subcommand (palermo serve), without flags, which may carry secrets.
func Command() string {
	if len(os.Args) == 0 {
		return ""
	}
	name := filepath.Base(os.Args[0])
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		name += " " + os.Args[1]
	}
	return name
}

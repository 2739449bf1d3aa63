// Package fsutil writes files so that a crash never leaves a torn one
// where a reader looks: through a fsynced temporary file and a rename.
package fsutil

import (
	"os"
	"path/filepath"
)

// WriteFileAtomic replaces path with data: it writes a temporary file beside
// it, fsyncs it, renames it over path and fsyncs the directory.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := writeSync(f, data); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// WriteFileSync creates path (which must not exist) with data, fsynced.
func WriteFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return writeSync(f, data)
}

// AppendSync appends data to path, creating it, and fsyncs it.
func AppendSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return writeSync(f, data)
}

// writeSync writes, fsyncs and closes f.
func writeSync(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SyncDir fsyncs a directory, making renames and creations in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ReplaceDir makes dir hold exactly the files that fill writes into a new
// directory: fill runs on a temporary directory beside dir, every file is
// fsynced, and the temporary directory then takes dir's place whole (an
// atomic exchange of the two where the kernel offers one, renameat2 with
// RENAME_EXCHANGE, else two renames). A reader sees the old files or the new
// ones, never a mix; files of the old dir that fill does not write are gone;
// a crash leaves the old dir, or the new one, and a temporary directory
// that the next ReplaceDir of the same dir removes. Callers must not run two
// ReplaceDir of one dir at once (hold a lock).
func ReplaceDir(dir string, fill func(tmp string) error) error {
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	prefix := "." + base + ".tmp-"
	if old, err := filepath.Glob(filepath.Join(parent, prefix+"*")); err == nil {
		for _, o := range old {
			os.RemoveAll(o) // left by a killed writer
		}
	}
	tmp, err := os.MkdirTemp(parent, prefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // the new files on failure, the old ones after an exchange
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		return err
	}
	if err := syncTree(tmp); err != nil {
		return err
	}
	if _, err := os.Lstat(dir); os.IsNotExist(err) {
		if err := os.Rename(tmp, dir); err != nil {
			return err
		}
		return SyncDir(parent)
	}
	if err := exchange(tmp, dir); err != nil {
		// No atomic exchange here: move the old dir aside, then the new one in.
		aside := tmp + "-old"
		if err := os.Rename(dir, aside); err != nil {
			return err
		}
		defer os.RemoveAll(aside)
		if err := os.Rename(tmp, dir); err != nil {
			os.Rename(aside, dir)
			return err
		}
	}
	return SyncDir(parent)
}

// syncTree fsyncs the directories under root (files are fsynced as written).
func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return SyncDir(p)
		}
		return nil
	})
}

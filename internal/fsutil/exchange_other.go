//go:build !linux

package fsutil

import "errors"

// exchange is not offered here; ReplaceDir falls back to two renames.
func exchange(a, b string) error {
	return errors.New("no atomic exchange of directories on this system")
}

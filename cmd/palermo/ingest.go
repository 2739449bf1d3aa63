package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// showProgress prints bytes, rows per second and the time left on stderr
// when it is a terminal, twice a second; in logs and CI it stays quiet.
func showProgress(w io.Writer, done *atomic.Int64, total int64, rows *atomic.Int64) (stop func()) {
	f, ok := w.(*os.File)
	if !ok {
		return func() {}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	start := time.Now()
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				el := time.Since(start).Seconds()
				d := done.Load()
				eta := "?"
				if d > 0 {
					eta = time.Duration(el * float64(total-d) / float64(d) * float64(time.Second)).Round(time.Second).String()
				}
				fmt.Fprintf(w, "\r\033[K%.0f of %.0f MB, %d rows, %.0f rows/s, %s left", float64(d)/1e6, float64(total)/1e6, rows.Load(), float64(rows.Load())/el, eta)
			}
		}
	}()
	return func() { close(quit); <-finished }
}

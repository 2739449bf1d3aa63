package csvx

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/palermo-project/palermo/internal/diag"
)

// parseChunks runs parse over the chunks of r on workers goroutines and
// hands the results to collect in file order, one at a time. The first
// error (from reading, parsing or collect) stops everything and is returned.
func parseChunks[R any](ctx context.Context, next func() (chunk, error), workers int,
	parse func(chunk) (R, error), collect func(R) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		seq int
		r   R
		err error
	}
	chunks := make(chan chunk, workers)
	results := make(chan result, workers)
	readErr := make(chan error, 1)
	// At most workers+1 chunks are read and not yet collected: a slow
	// chunk holds the others back instead of letting results pile up.
	inFlight := make(chan struct{}, workers+1)
	go func() {
		defer close(chunks)
		for {
			select {
			case inFlight <- struct{}{}:
			case <-ctx.Done():
				return
			}
			c, err := next()
			if err != nil {
				if err != io.EOF {
					readErr <- err
				}
				return
			}
			select {
			case chunks <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	done := make(chan struct{})
	for w := 0; w < workers; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for c := range chunks {
				r, err := parse(c)
				select {
				case results <- result{c.seq, r, err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		for w := 0; w < workers; w++ {
			<-done
		}
		close(results)
	}()
	pending := map[int]result{}
	nextSeq := 0
	var firstErr error
	for res := range results {
		if firstErr != nil {
			continue // drain
		}
		pending[res.seq] = res
		for {
			r, ok := pending[nextSeq]
			if !ok {
				break
			}
			delete(pending, nextSeq)
			nextSeq++
			if r.err == nil {
				r.err = collect(r.r)
			}
			<-inFlight
			if r.err != nil {
				firstErr = r.err
				cancel()
				break
			}
		}
	}
	if firstErr != nil {
		return firstErr
	}
	select {
	case err := <-readErr:
		return fmt.Errorf("read: %w", err)
	default:
	}
	return ctx.Err()
}

// StreamOptions tune Stream; zero values take the defaults.
type StreamOptions struct {
	Workers   int // goroutines that parse; 0 means GOMAXPROCS
	Chunk     int // bytes a parser takes at a time; 0 means 512 KiB
	MaxRecord int // the longest record accepted; 0 means 16 MiB
	// Subset accepts a header with more columns than want (publishers'
	// tables of which palermo reads a few); they are ignored.
	Subset bool
}

// Stream reads the header of r, checks it against want (the exact set of
// columns, or a subset of them with opt.Subset) and parses the records after it chunk by chunk on several
// goroutines. parse gets a File that reads the records of one chunk
// (Next, Get, Count... as over a whole file; the chunk's bytes are given for
// sizing) and returns what the chunk made; collect receives those results
// one at a time, in file order. Memory holds a few chunks whatever the size
// of the file. The first error of reading, parsing or collect stops
// everything and is returned.
func Stream[R any](ctx context.Context, name string, r io.Reader, want []string, opt StreamOptions,
	parse func(f *File, chunk []byte) (R, error), collect func(R) error) error {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Chunk <= 0 {
		opt.Chunk = 512 << 10
	}
	if opt.MaxRecord <= 0 {
		opt.MaxRecord = 16 << 20
	}
	br := BOMless(r, 64<<10)
	chunker := newChunker(br, opt.Chunk, opt.MaxRecord, opt.Workers+2)
	first, err := chunker.next()
	if err == io.EOF {
		return &diag.PosError{File: name, Line: 1, Col: 1, Msg: "cannot read the header: the file is empty"}
	} else if err != nil {
		return &diag.PosError{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf("cannot read the header: %v", err)}
	}
	hs := newScanner(name, first)
	if !hs.next() {
		if hs.err != nil {
			return hs.err
		}
		return &diag.PosError{File: name, Line: 1, Col: 1, Msg: "cannot read the header: the file is empty"}
	}
	header := make([]string, len(hs.fields))
	for i, h := range hs.fields {
		header[i] = strings.Clone(h)
	}
	hf, err := newFile(name, header, hs, want, opt.Subset)
	if err != nil {
		return err
	}
	// The rest of the first chunk, then the others.
	first.data, first.line = first.data[hs.p:], hs.line
	pending := &first
	next := func() (chunk, error) {
		if pending != nil {
			c := *pending
			pending = nil
			return c, nil
		}
		return chunker.next()
	}
	return parseChunks(ctx, next, opt.Workers, func(c chunk) (R, error) {
		defer chunker.recycle(c.data)
		sc := newScanner(name, c)
		return parse(&File{name: name, pos: sc, sc: sc, col: hf.col, header: header}, c.data)
	}, collect)
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inprocess/experiment"
)

// population is the users dist and diff simulate: ids "user-0" ..
// "user-(n-1)", user i with the attribute set attrs[i % len(attrs)] (none
// when attrs is empty).
type population struct {
	n     int
	attrs []map[string]any
}

// idPrefix is the prefix of simulated user ids.
const idPrefix = "user-"

// describe says who the users are, for the output.
func (p population) describe() string {
	s := fmt.Sprintf("%d users (%s0 .. %s%d)", p.n, idPrefix, idPrefix, p.n-1)
	if len(p.attrs) > 0 {
		s += fmt.Sprintf(", %s round-robin", plural(len(p.attrs), "attribute set"))
	}
	return s
}

// simulate calls visit for every user of p, split into contiguous blocks
// across runtime.GOMAXPROCS(0) goroutines. Each goroutine has its own state
// from newState, which visit updates; simulate returns the states for the
// caller to merge. Building a user costs one allocation, its id string:
// the digits are appended to a reused buffer. prog, if not nil, is told
// how many users are done.
func simulate[S any](p population, prog *progress, newState func() S, visit func(S, experiment.Context)) []S {
	workers := max(1, min(runtime.GOMAXPROCS(0), p.n))
	states := make([]S, workers)
	var wg sync.WaitGroup
	for w := range workers {
		states[w] = newState()
		lo, hi := p.n*w/workers, p.n*(w+1)/workers
		wg.Add(1)
		go func(s S) {
			defer wg.Done()
			buf := make([]byte, 0, 32)
			buf = append(buf, idPrefix...)
			const chunk = 1 << 12
			for i := lo; i < hi; i++ {
				buf = strconv.AppendInt(buf[:len(idPrefix)], int64(i), 10)
				c := experiment.ContextFor(string(buf))
				if len(p.attrs) > 0 {
					c = c.With(p.attrs[i%len(p.attrs)])
				}
				visit(s, c)
				if prog != nil && (i-lo)%chunk == chunk-1 {
					prog.add(chunk)
				}
			}
		}(states[w])
	}
	wg.Wait()
	return states
}

// readAttrs reads an -attrs file: a JSON array of objects, or JSON lines
// (one object per line; blank lines are skipped). Numbers are kept as
// json.Number, so they compare exactly.
func readAttrs(path string) ([]map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(trimmed, &raw); err != nil {
			return nil, fmt.Errorf("%s: not a JSON array of objects: %v", path, err)
		}
		out := make([]map[string]any, 0, len(raw))
		for i, r := range raw {
			m, err := attrObject(r)
			if err != nil {
				return nil, fmt.Errorf("%s: element %d: %v", path, i, err)
			}
			out = append(out, m)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s: no attribute objects", path)
		}
		return out, nil
	}
	var out []map[string]any
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		m, err := attrObject([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, i+1, err)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no attribute objects", path)
	}
	return out, nil
}

func attrObject(data []byte) (map[string]any, error) {
	v, err := decodeJSONValue(data)
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("want a JSON object of attributes")
	}
	return m, nil
}

// progress draws a progress bar on a terminal while a simulation runs.
type progress struct {
	w     io.Writer
	total int64
	done  atomic.Int64
	stop  chan struct{}
	wg    sync.WaitGroup
}

// startProgress starts a progress bar on w if w is a terminal, and
// returns nil (draw nothing) otherwise.
func startProgress(w io.Writer, label string, total int) *progress {
	if !isTerminal(w) {
		return nil
	}
	p := &progress{w: w, total: int64(total), stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case <-t.C:
				p.draw(label)
			}
		}
	}()
	return p
}

func (p *progress) add(n int) { p.done.Add(int64(n)) }

func (p *progress) draw(label string) {
	frac := float64(p.done.Load()) / float64(p.total)
	fmt.Fprintf(p.w, "\r%s %s %3.0f%%", label, bar(min(frac, 1), 30), 100*min(frac, 1))
}

// finish erases the bar. A nil progress does nothing.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	p.wg.Wait()
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// bar draws a share in [0, 1] as a text bar of width characters.
func bar(share float64, width int) string {
	n := int(share*float64(width) + 0.5)
	n = max(0, min(n, width))
	return "[" + strings.Repeat("#", n) + strings.Repeat(" ", width-n) + "]"
}

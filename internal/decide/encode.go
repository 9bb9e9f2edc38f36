package decide

import (
	"bytes"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/inprocess/experiment"
)

// encoded is one config's assignments encoded once, as the platform
// writes them, each with its counter: a /decide response copies the
// fragments of the variants a user is assigned instead of encoding them.
type encoded struct {
	rs   *experiment.Ruleset
	exps []encodedExperiment // config order, as Assignments returns them
}

type encodedExperiment struct {
	key, id  string
	client   bool // marked client: true (OFREP)
	variants []encodedVariant
}

type encodedVariant struct {
	key, id string
	payload []byte        // the config's, to recognise an Assignment's
	frag    []byte        // {"experiment_key":...,"payload":...}
	count   *atomic.Int64 // assignments of this variant, for /metrics
}

// encoding returns the encoding of rs, e's current config, building it on
// the first request after a reload.
func (e *environment) encoding(rs *experiment.Ruleset) *encoded {
	if enc := e.enc.Load(); enc != nil && enc.rs == rs {
		return enc
	}
	e.encMu.Lock()
	defer e.encMu.Unlock()
	if enc := e.enc.Load(); enc != nil && enc.rs == rs {
		return enc
	}
	enc := &encoded{rs: rs}
	for _, x := range rs.Experiments() {
		ex := encodedExperiment{key: x.Key, id: x.ID, client: x.Client}
		for _, v := range x.Variants {
			a := experiment.Assignment{ExperimentKey: x.Key, ExperimentID: x.ID, VariantKey: v.Key, VariantID: v.ID, Payload: v.Payload}
			ex.variants = append(ex.variants, encodedVariant{
				key: v.Key, id: v.ID, payload: v.Payload,
				frag:  appendAssignment(nil, a),
				count: e.counters.get(x.Key, v.Key),
			})
		}
		enc.exps = append(enc.exps, ex)
	}
	e.enc.Store(enc)
	return enc
}

// find returns the encoded variant of a, looking from experiment *next on
// (assignments come in config order) and moving *next past it, or nil if
// a is not there.
func (enc *encoded) find(a *experiment.Assignment, next *int) *encodedVariant {
	// The assignment's strings are the config's own, which enc holds
	// too: the experiment whose key has the same bytes in memory is the
	// one, found without comparing any string of those skipped. The
	// search by value after it is for a key not shared so.
	for j := *next; j < len(enc.exps); j++ {
		if x := &enc.exps[j]; unsafe.StringData(x.key) == unsafe.StringData(a.ExperimentKey) && len(x.key) == len(a.ExperimentKey) {
			if v := x.assigned(a); v != nil {
				*next = j + 1
				return v
			}
			break
		}
	}
	for j := *next; j < len(enc.exps); j++ {
		x := &enc.exps[j]
		if x.key != a.ExperimentKey {
			continue
		}
		if v := x.assigned(a); v != nil {
			*next = j + 1
			return v
		}
	}
	return nil
}

// assigned returns the encoded variant of x that a names, or nil.
func (x *encodedExperiment) assigned(a *experiment.Assignment) *encodedVariant {
	if x.id != a.ExperimentID {
		return nil
	}
	for k := range x.variants {
		v := &x.variants[k]
		if v.key == a.VariantKey && v.id == a.VariantID && samePayload(v.payload, a.Payload) {
			return v
		}
	}
	return nil
}

// samePayload reports whether two payloads are the same JSON, or both
// absent.
func samePayload(a, b []byte) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0] || bytes.Equal(a, b)
}

// appendAssignment appends a as the platform writes an assignment; an
// absent payload (nil) is left out, as JSON.stringify leaves out
// undefined.
func appendAssignment(dst []byte, a experiment.Assignment) []byte {
	dst = append(dst, `{"experiment_key":`...)
	dst = appendJSString(dst, a.ExperimentKey)
	dst = append(dst, `,"experiment_id":`...)
	dst = appendJSString(dst, a.ExperimentID)
	dst = append(dst, `,"variant_key":`...)
	dst = appendJSString(dst, a.VariantKey)
	dst = append(dst, `,"variant_id":`...)
	dst = appendJSString(dst, a.VariantID)
	if a.Payload != nil {
		dst = append(dst, `,"payload":`...)
		dst = append(dst, jsPayload(a.Payload)...)
	}
	return append(dst, '}')
}

// assignmentCounters count the variants assigned in an environment, by
// experiment and variant key, across reloads.
type assignmentCounters struct {
	mu sync.Mutex
	m  map[[2]string]*atomic.Int64
}

func (c *assignmentCounters) get(exp, variant string) *atomic.Int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[[2]string]*atomic.Int64{}
	}
	k := [2]string{exp, variant}
	n, ok := c.m[k]
	if !ok {
		n = &atomic.Int64{}
		c.m[k] = n
	}
	return n
}

// each calls f for every counter.
func (c *assignmentCounters) each(f func(exp, variant string, n int64)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, n := range c.m {
		f(k[0], k[1], n.Load())
	}
}

// appendDecideResponse appends the /decide response for the assignments
// of one request, counting them.
func (e *environment) appendDecideResponse(dst []byte, userKey, env string, rs *experiment.Ruleset, as []experiment.Assignment) []byte {
	dst = append(dst, `{"user_key":`...)
	dst = appendJSString(dst, userKey)
	dst = append(dst, `,"environment":`...)
	dst = appendJSString(dst, env)
	dst = append(dst, `,"config_version":`...)
	dst = strconv.AppendInt(dst, rs.Version(), 10)
	dst = append(dst, `,"assignments":[`...)
	enc := e.encoding(rs)
	next := 0
	for i := range as {
		if i > 0 {
			dst = append(dst, ',')
		}
		if v := enc.find(&as[i], &next); v != nil {
			dst = append(dst, v.frag...)
			v.count.Add(1)
			continue
		}
		dst = appendAssignment(dst, as[i])
		e.counters.get(as[i].ExperimentKey, as[i].VariantKey).Add(1)
	}
	return append(dst, "]}"...)
}

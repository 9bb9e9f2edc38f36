package aggregate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/inprocess/experiment/analysis/stats"
	"github.com/inprocess/experiment/internal/wire"
)

// MaxLine is the longest line Aggregate reads; a longer one is an error.
const MaxLine = 1 << 20

// multiple marks a user exposed to more than one variant.
const multiple = math.MaxUint16

// user is the state Aggregate keeps per user: 16 bytes, plus 8 bytes per
// metric (16 with CUPED) in a shared slab, plus the map entry for the
// user's key.
type user struct {
	first   int64  // first exposure, Unix nanoseconds
	variant uint16 // index into variants, or multiple
	index   uint32 // the user's first value in the slab
}

type aggregator struct {
	o        Options
	cuped    bool
	users    map[string]*user
	arena    []user   // the chunk users are allocated from
	chunks   [][]user // every chunk, in order: the users in order of first appearance
	slab     []float64
	variants map[string]uint16
	names    []string
	byEvent  map[string][]int // metric indexes by event name
	counts   Counts
	rec      wire.Record
}

// Aggregate reads exposure records from exposures and event records from
// events (JSON Lines, as the library's sinks write them) and returns the
// experiment's sufficient statistics under the package's attribution
// rules. It reads exposures to the end first, then events, each once and
// in any order of lines; records of the other kind in either are skipped,
// so both may be the same file read twice. Blank lines are skipped; any
// other line that is not a valid record is an error naming the line.
//
// Memory is bounded by the number of users exposed to the experiment,
// not by the number of lines: per user, 16 bytes of state, 8 per metric
// (16 with CUPED), the map entry and a copy of the user's key; with three
// metrics and 11-byte keys BenchmarkAggregate measures about 125 bytes
// per user, slack of the growing map and slab included. Reading an event
// allocates nothing.
func Aggregate(exposures, events io.Reader, o Options) (*Result, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	a := &aggregator{
		o: o, cuped: o.PreWindow > 0,
		users: map[string]*user{}, variants: map[string]uint16{}, byEvent: map[string][]int{},
	}
	for i, m := range o.Metrics {
		a.byEvent[m.Event] = append(a.byEvent[m.Event], i)
	}
	if err := lines(exposures, "exposures", a.exposure); err != nil {
		return nil, err
	}
	if err := lines(events, "events", a.event); err != nil {
		return nil, err
	}
	if afterRead != nil {
		afterRead(len(a.users))
	}
	return a.result(), nil
}

// afterRead, when set (by a benchmark), is called once both files are
// read, while the per-user state is all there is, with the number of
// users.
var afterRead func(users int)

// lines calls fn with each non-blank line of r.
func lines(r io.Reader, what string, fn func([]byte) error) error {
	br := bufio.NewReaderSize(r, MaxLine)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("aggregate: %s line %d: longer than %d bytes", what, n, MaxLine)
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("aggregate: reading %s: %w", what, err)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if perr := fn(line); perr != nil {
				return fmt.Errorf("aggregate: %s line %d: %w", what, n, perr)
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

func (a *aggregator) exposure(line []byte) error {
	r := &a.rec
	if err := r.Parse(line); err != nil {
		return err
	}
	if r.Kind != wire.KindExposure || string(r.ExperimentKey) != a.o.Experiment {
		a.counts.Skipped++
		return nil
	}
	a.counts.Exposures++
	v, ok := a.variants[string(r.VariantKey)]
	if !ok {
		if len(a.names) == multiple {
			return fmt.Errorf("more than %d variants", multiple)
		}
		v = uint16(len(a.names))
		a.names = append(a.names, string(r.VariantKey))
		a.variants[a.names[v]] = v
	}
	t := r.Timestamp.UnixNano()
	if u, ok := a.users[string(r.UserKey)]; ok {
		u.first = min(u.first, t)
		if u.variant != v {
			u.variant = multiple
		}
		return nil
	}
	a.users[string(r.UserKey)] = a.newUser(user{first: t, variant: v})
	return nil
}

// newUser allocates u from the arena, in chunks, so that a user costs no
// allocation of its own.
func (a *aggregator) newUser(u user) *user {
	if len(a.arena) == cap(a.arena) {
		if len(a.arena) > 0 {
			a.chunks = append(a.chunks, a.arena)
		}
		a.arena = make([]user, 0, 4096)
	}
	per := len(a.o.Metrics)
	if a.cuped {
		per *= 2
	}
	u.index = uint32(len(a.slab))
	if len(a.slab)+per > math.MaxUint32 {
		panic("aggregate: more than 4 billion user values") // 4e9 floats is 32 GiB: beyond any machine this runs on
	}
	a.slab = append(a.slab, make([]float64, per)...)
	a.arena = append(a.arena, u)
	return &a.arena[len(a.arena)-1]
}

func (a *aggregator) event(line []byte) error {
	r := &a.rec
	if err := r.Parse(line); err != nil {
		return err
	}
	if r.Kind != wire.KindEvent {
		a.counts.Skipped++
		return nil
	}
	ms, ok := a.byEvent[string(r.Event)]
	if !ok {
		a.counts.Skipped++
		return nil
	}
	a.counts.Events++
	u, ok := a.users[string(r.UserKey)]
	switch {
	case !ok:
		a.counts.NotExposed++
		return nil
	case u.variant == multiple:
		a.counts.OfMultiple++
		return nil
	}
	t := r.Timestamp.UnixNano()
	v := 1.0
	if r.HasValue {
		v = r.Value
	}
	slot := -1 // the metric value's offset in the user's slab: 0 (post) or len(metrics) (covariate)
	switch {
	case t < u.first:
		a.counts.BeforeFirst++
		if a.cuped && t >= u.first-int64(a.o.PreWindow) {
			slot = len(a.o.Metrics)
		}
	case a.o.Window > 0 && t > u.first+int64(a.o.Window):
		a.counts.AfterWindow++
	default:
		a.counts.Counted++
		slot = 0
	}
	if slot < 0 {
		return nil
	}
	vals := a.slab[int(u.index)+slot:]
	for _, m := range ms {
		if a.o.Metrics[m].Kind == stats.Proportion {
			vals[m]++
		} else {
			vals[m] += v
		}
	}
	return nil
}

const day = int64(24 * time.Hour)

// unixDay is the UTC day of a Unix time in nanoseconds.
func unixDay(t int64) int64 {
	d := t / day
	if t%day < 0 {
		d--
	}
	return d
}

func (a *aggregator) result() *Result {
	// Variants sorted by key.
	order := make([]int, len(a.names))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int {
		switch {
		case a.names[x] < a.names[y]:
			return -1
		case a.names[x] > a.names[y]:
			return 1
		}
		return 0
	})
	pos := make([]int, len(a.names)) // variant index -> position in sorted order
	res := &Result{Experiment: a.o.Experiment, Users: make([]int64, len(order)), Counts: a.counts}
	for p, i := range order {
		pos[i] = p
		res.Variants = append(res.Variants, a.names[i])
	}
	res.Metrics = make([]MetricSums, len(a.o.Metrics))
	for m := range res.Metrics {
		res.Metrics[m] = MetricSums{Metric: a.o.Metrics[m], Total: make([]stats.Sums, len(order))}
	}
	days := map[int64][][]stats.Sums{} // day -> metric -> variant
	nm := len(a.o.Metrics)
	if len(a.arena) > 0 {
		a.chunks = append(a.chunks, a.arena)
		a.arena = a.arena[len(a.arena):] // a later newUser starts a new chunk
	}
	// In order of first appearance, not the map's order, so that the
	// floating-point sums come out the same on every run.
	for _, chunk := range a.chunks {
		for i := range chunk {
			u := &chunk[i]
			if u.variant == multiple {
				res.Multiple++
				continue
			}
			p := pos[u.variant]
			res.Users[p]++
			d := unixDay(u.first)
			ds, ok := days[d]
			if !ok {
				ds = make([][]stats.Sums, nm)
				for m := range ds {
					ds[m] = make([]stats.Sums, len(order))
				}
				days[d] = ds
			}
			vals := a.slab[u.index:]
			for m, metric := range a.o.Metrics {
				x := value(metric.Kind, vals[m])
				c := 0.0
				if a.cuped {
					c = value(metric.Kind, vals[nm+m])
				}
				add(&res.Metrics[m].Total[p], x, c, a.cuped)
				add(&ds[m][p], x, c, a.cuped)
			}
		}
	}
	keys := make([]int64, 0, len(days))
	for d := range days {
		keys = append(keys, d)
	}
	slices.Sort(keys)
	for _, d := range keys {
		date := time.Unix(d*(day/int64(time.Second)), 0).UTC()
		for m := range res.Metrics {
			res.Metrics[m].Days = append(res.Metrics[m].Days, Day{Date: date, Sums: days[d][m]})
		}
	}
	return res
}

package experiment

import (
	"encoding/json"
	"regexp"
	"time"
)

// Ruleset is a loaded, validated config for one environment: the
// experiments in config order, each compiled for evaluation. Parse, Load and
// MustLoad build one.
//
// A Ruleset is immutable and safe for concurrent use by multiple goroutines.
// Its evaluation methods allocate nothing unless their documentation says
// otherwise.
//
// A nil *Ruleset, like the zero Ruleset, has no experiments: every
// evaluation is off, Env is "" and Version is 0.
type Ruleset struct {
	env       string
	version   int64
	groupSalt string        // the top-level salt, for percentages in groups
	groupPack *saltPack     // groupSalt, laid out for hashing
	exps      []*experiment // config order, env overrides applied
	byName    names         // every name lookup accepts (names.go)
	warnings  []Warning
	exposed   func(Exposure)   // WithExposures; nil for none
	clock     func() time.Time // WithClock; nil for time.Now
	sticky    StickyStore      // WithSticky; nil for none
}

// ref is what a name passed to VariantFor and friends resolves to: an
// experiment, and with "exp/variant" one of its variants.
type ref struct {
	exp     *experiment
	variant int // index into exp.variants, or -1 for the whole experiment
}

// experiment is a compiled experiment.
type experiment struct {
	key       string
	id        string
	salt      string
	running   bool
	audience  rules // nil when the experiment has no audience
	audName   string
	targeting rules
	disabled  bool // written as false or 0: off for everyone
	client    bool // client: true: for services that answer browsers and apps
	variants  []variant
	arms      []arm      // tried in order; the first whose allocation matches decides
	pack      *saltPack  // salt, laid out for hashing (see salt.go)
	flat      []flatStep // the arms as choose follows them (flat.go); nil: decide's walk
	splitOnly bool       // not gated, and every step of flat is a percentage of the experiment's salt
	gated     bool       // flat is followed after the audience and targeting (admits)
	allSplit  bool       // every step of flat is a percentage of the experiment's salt
	plainSalt bool       // plainString(salt): Explain writes it between quotes as it is
	// design holds what decide checks after targeting: schedule,
	// prerequisites, holdouts, layer, ramp (see gate). nil for an
	// experiment without any, which then costs one comparison.
	design *design
	// bucketVersion is the long form's version: a sticky assignment
	// recorded under another version is ignored (see StickyStore).
	bucketVersion int
}

// variant is a compiled variant.
type variant struct {
	key     string
	id      string
	payload json.RawMessage // JSON; nil only when absent from a snapshot
}

// arm is an allocation and the variant it gives. In a config each variant
// has one arm, in variant order; in a published snapshot each allocation
// is an arm, in array order, and one naming an unknown variant has
// variant -1: a user it matches gets nothing from the experiment.
type arm struct {
	alloc   allocation
	variant int
}

// allocation is the set of users a variant is for: the union of its parts.
type allocation struct {
	everyone bool     // true, 1, or a percentage of 100%: no hashing needed
	groups   []*group // user ids and group percentages (top-level salt)
	spans    []span   // experiment percentages (the experiment's salt)
}

// group is a compiled group.
type group struct {
	name  string
	users map[string]struct{}
	spans []span // percentages, under the top-level salt
}

// kind is the type of a config value, as the operators see it.
type kind uint8

// value is a config value compiled for comparison.
type value struct {
	kind   kind
	s      string
	n      number
	b      bool
	list   []value // the elements, when the config value is a list
	isList bool
	strs   []string // the elements, when they are all strings: in's fast path
}

// cond is one compiled condition.
type cond struct {
	attr     string
	key      uint64 // nameKey(attr), for the Context's inline attributes
	op       op
	val      value
	re       *regexp.Regexp // opMatches
	ver      string         // semver ops: the value as a canonical "v..." version
	never    bool           // the value makes the condition false for every user
	platform bool           // from a snapshot: the platform's attribute lookup
	opText   string         // for opFalse: the operator as written
	fast     fastKind       // the shape it was laid out for at load (fastcond.go)
	strs     []string       // fastEqString, fastInString: its strings
	words    []uint64       // nameKey of each of strs, compared first
	short    bool           // fast, and attr and every one of strs shorter than eight bytes (holds)
}

// rules is a compiled rule list: it matches when any rule matches, and a
// rule when all its conditions do. An empty list matches everyone.
type rules [][]cond

// design is what an experiment declares beyond audience, targeting and
// allocations (doc.go's "Experiment design"), checked by gate in this
// order: the schedule's window, the prerequisites, the holdouts, the
// layer, the ramp.
type design struct {
	window   window
	requires []prereq
	holdouts []*holdout // the config's, then the layer's
	layer    *layerSlot
	ramp     *ramp
}

// window is the half-open interval [start, end) of Unix nanoseconds in
// which a scheduled experiment runs; has says which bounds are set.
type window struct {
	start, end       int64
	hasStart, hasEnd bool
}

// prereq is one entry of requires: the user must be on in exp, and when
// variant >= 0 have that variant (anyVariant: any; noVariant: never met).
type prereq struct {
	exp     *experiment
	variant int
	want    string // the variant as written; "" for any
}

// ramp grows the share of users who may enter an experiment from from to
// to buckets between start and end (Unix nanoseconds), linearly or in
// steps (0: linear). A user is in when their bucket under salt is below
// the share, so a growing share only adds users.
type ramp struct {
	from, to   uint16
	start, end int64
	steps      int
	salt       string
}

// holdout keeps the users whose bucket under salt is in [0, share) out of
// every experiment it applies to. layer is "" for the config's holdout.
type holdout struct {
	layer string
	salt  string
	share uint16
}

// layerSlot is an experiment's part of a layer: the users whose bucket
// under the layer's salt is in one of spans.
type layerSlot struct {
	layer string
	salt  string
	spans []span
}

package experimentprovider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/inprocess/experiment"
	"github.com/open-feature/go-sdk/openfeature"
)

// Name is the provider's name in its Metadata, in OpenFeature events and in
// hook contexts.
const Name = "experiment"

// Flag metadata keys: every evaluation's FlagMetadata holds these, errors
// included, as long as a config is serving.
const (
	MetadataVersion     = "version"          // string: Ruleset.Version of the config that answered, in decimal
	MetadataEnvironment = "environment"      // string: Ruleset.Env of that config; "" for none
	MetadataReason      = "experimentReason" // string: the library's experiment.Reason, e.g. "split"
)

// Provider is an OpenFeature provider that evaluates flags in process with
// an experiment config: a fixed *experiment.Ruleset (New), a *experiment.Live
// the caller manages (NewLive), or a Live the provider creates and owns
// (Watch). See the package documentation for how evaluations, reasons and
// errors map.
//
// It implements openfeature.FeatureProvider, openfeature.StateHandler,
// openfeature.ContextAwareStateHandler and openfeature.EventHandler.
// A Provider is safe for concurrent use. Each evaluation reads one config
// (one atomic load for a Live), so a reload never splits an evaluation.
type Provider struct {
	rs      *experiment.Ruleset // New: the fixed config; nil otherwise
	live    atomic.Pointer[experiment.Live]
	hooks   atomic.Pointer[[]openfeature.Hook] // WithHooks; nil for none
	meta    atomic.Pointer[metaCache]          // flag metadata of the config last evaluated
	tracker atomic.Pointer[experiment.Tracker] // WithTracker; nil for none

	// Watch only.
	watch   experiment.Source        // the caller's Source; nil unless Watch
	opts    experiment.WatchOptions  // the caller's options, hooks not yet chained
	none    *experiment.Ruleset      // the placeholder the Live serves while no config has loaded
	mu      sync.Mutex               // serialises Init and Shutdown
	running bool                     // between Init and Shutdown
	ev      eventState               // the state events report; see events.go
	ch      chan openfeature.Event   // EventChannel; never closed (all constructors)
	quit    atomic.Pointer[chan int] // closed by Shutdown, to unblock a pending send
}

// Check at compile time that Provider implements the SDK's interfaces.
var (
	_ openfeature.FeatureProvider          = (*Provider)(nil)
	_ openfeature.StateHandler             = (*Provider)(nil)
	_ openfeature.ContextAwareStateHandler = (*Provider)(nil)
	_ openfeature.EventHandler             = (*Provider)(nil)
)

// New returns a Provider that evaluates with rs, which never changes. It is
// ready as soon as it is set (openfeature.SetProviderAndWait returns nil),
// and emits no events of its own. A nil rs is a provider without a config:
// its Init fails, and every evaluation returns the default value with the
// error code GENERAL.
func New(rs *experiment.Ruleset) *Provider {
	return &Provider{rs: rs, ch: make(chan openfeature.Event, eventBuffer)}
}

// NewLive returns a Provider that evaluates with whatever config l serves
// at each evaluation. The caller keeps owning l: Shutdown does not close it.
//
// The provider cannot see l's reloads (WatchOptions hooks are fixed when
// experiment.Watch is called), so it emits no events of its own: use Watch
// for PROVIDER_CONFIGURATION_CHANGED and PROVIDER_STALE. A nil or zero l has
// no config, as with New(nil).
func NewLive(l *experiment.Live) *Provider {
	p := &Provider{ch: make(chan openfeature.Event, eventBuffer)}
	p.live.Store(l)
	return p
}

// Metadata returns the provider's name, Name.
func (p *Provider) Metadata() openfeature.Metadata {
	return openfeature.Metadata{Name: Name}
}

// Hooks returns the hooks given to WithHooks, nil if none. The SDK calls
// it on every evaluation and runs these hooks after the API's, the client's
// and the invocation's. The slice is shared: do not modify it.
func (p *Provider) Hooks() []openfeature.Hook {
	if h := p.hooks.Load(); h != nil {
		return *h
	}
	return nil
}

// WithHooks makes Hooks return hooks, replacing any given before, and
// returns p, so that it chains with a constructor:
//
//	p := experimentprovider.New(rs).WithHooks(openfeaturehook.New(tel))
//
// Set them before giving p to the SDK, so that every evaluation runs them;
// WithHooks is safe for concurrent use with evaluations all the same. No
// hooks (or nil ones only) clears them.
func (p *Provider) WithHooks(hooks ...openfeature.Hook) *Provider {
	kept := make([]openfeature.Hook, 0, len(hooks))
	for _, h := range hooks {
		if h != nil {
			kept = append(kept, h)
		}
	}
	if len(kept) == 0 {
		p.hooks.Store(nil)
		return p
	}
	p.hooks.Store(&kept)
	return p
}

// versionOf is MetadataVersion's value for rs: its version in decimal, a
// string as OpenTelemetry's feature_flag.version is.
// metaCache holds the flag metadata of one config, one map per reason, so
// that an evaluation builds none: the maps are shared between evaluations
// and must not be modified.
type metaCache struct {
	rs       *experiment.Ruleset
	byReason []openfeature.FlagMetadata // byReason[i] is for reasons[i]
}

// reasons are the library's reasons, for which metadata is prepared.
var reasons = []experiment.Reason{ // the commonest first: metadata scans them
	experiment.ReasonSplit, experiment.ReasonNoMatch, experiment.ReasonEveryone, experiment.ReasonTargeting,
	experiment.ReasonUserID, experiment.ReasonGroup, experiment.ReasonAudience, experiment.ReasonDisabled,
	experiment.ReasonNoVariant, experiment.ReasonOtherVariant, experiment.ReasonForced, experiment.ReasonUnknown,
}

// metadata returns the flag metadata for an evaluation of rs with reason.
func (p *Provider) metadata(rs *experiment.Ruleset, reason experiment.Reason) openfeature.FlagMetadata {
	m := p.meta.Load()
	if m == nil || m.rs != rs {
		m = &metaCache{rs: rs, byReason: make([]openfeature.FlagMetadata, len(reasons))}
		version, env := versionOf(rs), rs.Env()
		for i, r := range reasons {
			m.byReason[i] = openfeature.FlagMetadata{MetadataVersion: version, MetadataEnvironment: env, MetadataReason: string(r)}
		}
		p.meta.Store(m)
	}
	for i, r := range reasons { // a dozen short constants: cheaper than hashing
		if r == reason {
			return m.byReason[i]
		}
	}
	return openfeature.FlagMetadata{MetadataVersion: versionOf(rs), MetadataEnvironment: rs.Env(), MetadataReason: string(reason)}
}

func versionOf(rs *experiment.Ruleset) string { return strconv.FormatInt(rs.Version(), 10) }

// Live returns the Live the provider evaluates with: the one given to
// NewLive, or for Watch the one its Init created (nil before the first
// Init). Use it for Live.Status, Live.Reload, or to evaluate with the
// library's own methods. It is nil for New.
func (p *Provider) Live() *experiment.Live { return p.live.Load() }

// ruleset returns the config that answers one evaluation, or nil and the
// error to return when there is none.
func (p *Provider) ruleset() (*experiment.Ruleset, openfeature.ResolutionError) {
	if p.rs != nil {
		return p.rs, openfeature.ResolutionError{}
	}
	if rs := p.live.Load().Ruleset(); rs != nil && rs != p.none {
		return rs, openfeature.ResolutionError{}
	}
	// No config has loaded. A config that did not parse or validate is a
	// PARSE_ERROR; a fetch that failed, or no config at all, is GENERAL.
	err := p.loadErr()
	if err == nil { // a config arrived since the first look
		return p.ruleset()
	}
	msg := "experimentprovider: no config has loaded: " + err.Error()
	if err == ErrNoConfig {
		msg = err.Error()
	}
	var ce *experiment.ConfigError
	if errors.As(err, &ce) {
		return nil, openfeature.NewParseErrorResolutionError(msg, err)
	}
	return nil, openfeature.NewGeneralResolutionError(msg, err)
}

// decision is the outcome of one evaluation, before the value is read.
type decision struct {
	rs *experiment.Ruleset
	ev experiment.Evaluation
	d  openfeature.ProviderResolutionDetail
}

// decide evaluates flag for the user in flat and maps the outcome to
// OpenFeature's reason and variant. It reports false, with d holding the
// error, when the value must be the default because of an error.
//
// One call to Ruleset.Evaluate gives the variant, its payload and the
// reason, reporting exposures as the plain methods do; the flag metadata
// is built once per config and reason (see metadata).
func (p *Provider) decide(flag string, flat openfeature.FlattenedContext) (decision, bool) {
	rs, rerr := p.ruleset()
	if rs == nil {
		return decision{d: openfeature.ProviderResolutionDetail{ResolutionError: rerr, Reason: openfeature.ErrorReason}}, false
	}
	dec := decision{rs: rs, ev: rs.Evaluate(flag, contextFor(flat))}
	dec.d.FlagMetadata = p.metadata(rs, dec.ev.Reason)
	if dec.ev.Reason == experiment.ReasonUnknown {
		dec.d.ResolutionError = openfeature.NewFlagNotFoundResolutionError(fmt.Sprintf("experimentprovider: no experiment is named %q", flag))
		dec.d.Reason = openfeature.ErrorReason
		return dec, false
	}
	dec.d.Reason = reasonOf(dec.ev)
	dec.d.Variant = dec.ev.Variant
	return dec, true
}

// reasonOf maps the library's reason to OpenFeature's; the package
// documentation has the table.
func reasonOf(ex experiment.Evaluation) openfeature.Reason {
	switch ex.Reason {
	case experiment.ReasonSplit:
		return openfeature.SplitReason
	case experiment.ReasonUserID, experiment.ReasonGroup:
		return openfeature.TargetingMatchReason
	case experiment.ReasonEveryone:
		if ex.Targeted {
			return openfeature.TargetingMatchReason
		}
		return openfeature.StaticReason
	case experiment.ReasonDisabled:
		return openfeature.DisabledReason
	case experiment.ReasonAudience, experiment.ReasonTargeting, experiment.ReasonNoMatch,
		experiment.ReasonNoVariant, experiment.ReasonOtherVariant:
		return openfeature.DefaultReason
	}
	return openfeature.UnknownReason
}

// contextFor builds the library's Context: the targeting key is the user
// id, every other attribute a targeting attribute.
func contextFor(flat openfeature.FlattenedContext) experiment.Context {
	if len(flat) <= maxSetters+1 {
		if c, ok := smallContext(flat); ok {
			return c
		}
	}
	key, hasKey := flat[openfeature.TargetingKey]
	id, _ := key.(string)
	c := experiment.ContextFor(id)
	n := len(flat)
	if hasKey {
		n--
	}
	if n == 0 {
		return c
	}
	attrs := make(map[string]any, n)
	for k, v := range flat {
		if k != openfeature.TargetingKey {
			attrs[k] = v
		}
	}
	return c.With(attrs)
}

// maxSetters is the most attributes smallContext takes: what a Context
// holds inline without allocating.
const maxSetters = 2

// smallContext is contextFor for the common small context, in one pass
// over flat and without a new map: when flat has at most maxSetters
// attributes besides the targeting key, each a string, bool, int, int64
// or float64, they go to the Context's typed setters (conditions compare
// these as they do the same values given to With). It reports false
// otherwise.
func smallContext(flat openfeature.FlattenedContext) (experiment.Context, bool) {
	var id string
	var names [maxSetters]string
	var vals [maxSetters]any
	n := 0
	for k, v := range flat {
		if k == openfeature.TargetingKey {
			id, _ = v.(string)
			continue
		}
		if n == maxSetters {
			return experiment.Context{}, false
		}
		names[n], vals[n] = k, v
		n++
	}
	c := experiment.ContextFor(id)
	for i := range n {
		switch t := vals[i].(type) {
		case string:
			c = c.WithString(names[i], t)
		case bool:
			c = c.WithBool(names[i], t)
		case int:
			c = c.WithInt(names[i], int64(t))
		case int64:
			c = c.WithInt(names[i], t)
		case float64:
			c = c.WithFloat(names[i], t)
		default:
			return experiment.Context{}, false
		}
	}
	return c, true
}

// BooleanEvaluation resolves flag to Ruleset.VariantFor: true when the user
// is assigned a variant (with "exp/variant", that variant), false when off,
// disabled included. The default value is returned only with an error.
func (p *Provider) BooleanEvaluation(_ context.Context, flag string, defaultValue bool, flat openfeature.FlattenedContext) openfeature.BoolResolutionDetail {
	dec, ok := p.decide(flag, flat)
	if !ok {
		return openfeature.BoolResolutionDetail{Value: defaultValue, ProviderResolutionDetail: dec.d}
	}
	return openfeature.BoolResolutionDetail{Value: dec.ev.Variant != "", ProviderResolutionDetail: dec.d}
}

// StringEvaluation resolves flag to Ruleset.Feature, the name of the user's
// variant; when the user is off (reason DEFAULT or DISABLED) it returns
// defaultValue.
func (p *Provider) StringEvaluation(_ context.Context, flag string, defaultValue string, flat openfeature.FlattenedContext) openfeature.StringResolutionDetail {
	dec, ok := p.decide(flag, flat)
	if !ok || dec.ev.Variant == "" {
		return openfeature.StringResolutionDetail{Value: defaultValue, ProviderResolutionDetail: dec.d}
	}
	return openfeature.StringResolutionDetail{Value: dec.ev.Variant, ProviderResolutionDetail: dec.d}
}

// IntEvaluation resolves flag to the payload of the user's variant, which
// must be a JSON number with an integer value that fits an int64 (3, 3.0
// and 3e2 do; 2.5 is a TYPE_MISMATCH, 1e19 a PARSE_ERROR). When the user is
// off it returns defaultValue.
func (p *Provider) IntEvaluation(_ context.Context, flag string, defaultValue int64, flat openfeature.FlattenedContext) openfeature.IntResolutionDetail {
	dec, ok := p.decide(flag, flat)
	if !ok || dec.ev.Variant == "" {
		return openfeature.IntResolutionDetail{Value: defaultValue, ProviderResolutionDetail: dec.d}
	}
	v, rerr := intPayload(dec.ev.Payload)
	return resolved(dec, flag, v, defaultValue, rerr)
}

// FloatEvaluation resolves flag to the payload of the user's variant, which
// must be a JSON number within the range of a float64. When the user is off
// it returns defaultValue.
func (p *Provider) FloatEvaluation(_ context.Context, flag string, defaultValue float64, flat openfeature.FlattenedContext) openfeature.FloatResolutionDetail {
	dec, ok := p.decide(flag, flat)
	if !ok || dec.ev.Variant == "" {
		return openfeature.FloatResolutionDetail{Value: defaultValue, ProviderResolutionDetail: dec.d}
	}
	v, rerr := floatPayload(dec.ev.Payload)
	return resolved(dec, flag, v, defaultValue, rerr)
}

// ObjectEvaluation resolves flag to the payload of the user's variant,
// decoded as encoding/json decodes into an any: a JSON object is a
// map[string]any, an array a []any, numbers in them float64. Any other
// payload (a string, number, boolean, null or none) is a TYPE_MISMATCH.
// When the user is off it returns defaultValue.
func (p *Provider) ObjectEvaluation(_ context.Context, flag string, defaultValue any, flat openfeature.FlattenedContext) openfeature.InterfaceResolutionDetail {
	dec, ok := p.decide(flag, flat)
	if !ok || dec.ev.Variant == "" {
		return openfeature.InterfaceResolutionDetail{Value: defaultValue, ProviderResolutionDetail: dec.d}
	}
	v, rerr := objectPayload(dec.ev.Payload)
	return resolved(dec, flag, v, defaultValue, rerr)
}

// resolved returns v with dec's reason and variant, or defaultValue with
// the error perr about flag's payload.
func resolved[T any](dec decision, flag string, v, defaultValue T, perr *payloadError) openfeature.GenericResolutionDetail[T] {
	if perr == nil {
		return openfeature.GenericResolutionDetail[T]{Value: v, ProviderResolutionDetail: dec.d}
	}
	msg := fmt.Sprintf("experimentprovider: %s: the payload of variant %q %s", flag, dec.ev.Variant, perr.msg)
	if perr.parse {
		dec.d.ResolutionError = openfeature.NewParseErrorResolutionError(msg, perr.err)
	} else {
		dec.d.ResolutionError = openfeature.NewTypeMismatchResolutionError(msg)
	}
	dec.d.Reason = openfeature.ErrorReason
	return openfeature.GenericResolutionDetail[T]{Value: defaultValue, ProviderResolutionDetail: dec.d}
}

package experimentprovider

import (
	"context"

	"github.com/open-feature/go-sdk/openfeature"

	"github.com/inprocess/experiment"
)

// WithTracker makes the provider an OpenFeature Tracker: client.Track
// records a conversion through t, the same Tracker (and so the same sink)
// a service's own experiment.Tracker.Track calls use, so that the analysis
// sees both. It returns p. A nil t turns tracking off.
//
// Set it before giving p to the SDK; it is safe for concurrent use with
// Track all the same.
func (p *Provider) WithTracker(t *experiment.Tracker) *Provider {
	p.tracker.Store(t)
	return p
}

// Track implements openfeature.Tracker: the evaluation context's targeting
// key is the user, trackingEventName the event, and the details' value the
// event's value. OpenFeature's details always carry a number (0 when the
// caller gave none), so a value of 0 is recorded as an event without a
// value. Without a Tracker (see WithTracker), or without a targeting key,
// it records nothing.
func (p *Provider) Track(_ context.Context, trackingEventName string, evalCtx openfeature.EvaluationContext, details openfeature.TrackingEventDetails) {
	t := p.tracker.Load()
	user := evalCtx.TargetingKey()
	if t == nil || user == "" {
		return
	}
	if v := details.Value(); v != 0 {
		t.TrackValue(user, trackingEventName, v)
		return
	}
	t.Track(user, trackingEventName)
}

var _ openfeature.Tracker = (*Provider)(nil)

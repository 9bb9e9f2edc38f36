package experiment

import "time"

// Event is a conversion: something a user did that an experiment's
// metrics count, such as a purchase (with its amount as the value) or a
// signup (without a value). An analysis joins events to exposures by user
// id, so UserID must be the id the user's Context was built with.
type Event struct {
	UserID   string
	Name     string
	Value    float64 // meaningful only when HasValue
	HasValue bool
	Time     time.Time
}

// Tracker records events: it hands each to a function, typically a
// sink's Event method, next to the exposures the sink receives from
// WithExposures:
//
//	sink := experiment.NewJSONLines(file)
//	rules, err := experiment.Load("experiments.yaml", experiment.WithExposures(sink.Exposure))
//	track := experiment.NewTracker(sink.Event)
//	track.TrackValue(userID, "purchase", 19.99)
//
// A nil *Tracker, and one built with a nil function, record nothing and
// cost nothing: Track on them allocates nothing and does not read the
// clock, so a service can call it unconditionally. A Tracker is safe for
// concurrent use when its function is.
type Tracker struct {
	record func(Event)
	now    func() time.Time // time.Now; tests replace it
}

// NewTracker returns a Tracker that passes every event to record, in the
// calling goroutine. A nil record records nothing.
func NewTracker(record func(Event)) *Tracker {
	return &Tracker{record: record, now: time.Now}
}

// Track records that the user did the event name now, without a value.
// It is shorthand for Record(Event{UserID: userID, Name: name}).
func (t *Tracker) Track(userID, name string) {
	if t == nil || t.record == nil {
		return
	}
	t.Record(Event{UserID: userID, Name: name})
}

// TrackValue records that the user did the event name now, with value
// (an amount, a duration). It is shorthand for Record(Event{UserID:
// userID, Name: name, Value: value, HasValue: true}).
func (t *Tracker) TrackValue(userID, name string, value float64) {
	if t == nil || t.record == nil {
		return
	}
	t.Record(Event{UserID: userID, Name: name, Value: value, HasValue: true})
}

// Record records e, with the current time when e.Time is zero. The sink
// decides what is valid: the package's sinks refuse (and count) an event
// without a user id or name, or with a non-finite value.
func (t *Tracker) Record(e Event) {
	if t == nil || t.record == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = t.now()
	}
	t.record(e)
}

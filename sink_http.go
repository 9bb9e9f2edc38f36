package experiment

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/inprocess/experiment/internal/wire"
)

// HTTPSinkOptions configures NewHTTPSink. Only URL is required; every
// other zero field means its default.
type HTTPSinkOptions struct {
	// URL is the platform server's base URL, http or https; batches go to
	// POST URL + "/events". Put credentials in Header, not in the URL.
	URL string
	// Client sends the requests. Default: a client with a 10-second
	// timeout.
	Client *http.Client
	// Header is added to every request: typically Authorization. Its
	// values never appear in errors.
	Header http.Header
	// BatchSize is the most records a batch holds, 1 to 1000. Default 500.
	// A batch is also sent before its body would exceed 1 MiB.
	BatchSize int
	// FlushInterval is the longest a record waits for its batch to fill.
	// Default 1 second.
	FlushInterval time.Duration
	// QueueSize is the most records waiting to be batched. Default
	// 10,000. A record given while the queue is full is dropped and
	// counted, so a slow server never slows the service.
	QueueSize int
	// MaxAttempts is how often a batch is tried before it is dropped.
	// Default 5.
	MaxAttempts int
	// Backoff is the wait before the first retry; each retry waits twice
	// as long as the one before, with up to 50 % random jitter, or what a
	// response's Retry-After asks if that is longer; never more than
	// MaxBackoff. Defaults 200 ms and 10 s.
	Backoff, MaxBackoff time.Duration
	// OnError, when set, is called from the sink's goroutine with each
	// failed attempt and each dropped batch.
	OnError func(error)
}

// HTTPSink is a Sink that posts batches of records to a platform server:
//
//	POST {URL}/events
//	{"batch_id":"…","exposures":[…],"events":[…]}
//
// with the records JSONLines writes, as internal/wire documents. Each
// batch has a random batch_id, kept across its retries, so a server that
// stores a batch once per id stores it once however often it arrives. A
// 2xx response acknowledges a batch; a network error, 408, 429 or 5xx is
// retried with backoff; any other status drops the batch.
//
// Exposure and Event only put the record on a bounded queue, without
// blocking or allocating; one goroutine batches and sends. An HTTPSink is
// safe for concurrent use. Close sends what is queued, with the usual
// retries, so it returns within about MaxAttempts × (the client's timeout
// + MaxBackoff).
type HTTPSink struct {
	opts     HTTPSinkOptions
	endpoint string

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	queue  chan record
	flush  chan chan struct{}
	done   chan struct{}
	counters
}

// record is a queued record of either kind.
type record struct {
	exposure bool
	e        wire.Exposure
	v        wire.Event
}

// NewHTTPSink returns an HTTPSink for opts and starts its goroutine; call
// Close to stop it. It returns an error for a URL that is not an absolute
// http or https URL, or for a negative or out-of-range option.
func NewHTTPSink(opts HTTPSinkOptions) (*HTTPSink, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("experiment: HTTPSink URL %q is not an http or https URL", redact(opts.URL))
	}
	if opts.BatchSize < 0 || opts.BatchSize > wire.MaxBatchRecords || opts.QueueSize < 0 || opts.MaxAttempts < 0 ||
		opts.FlushInterval < 0 || opts.Backoff < 0 || opts.MaxBackoff < 0 {
		return nil, fmt.Errorf("experiment: HTTPSink option out of range (batch size %d of at most %d, queue %d, attempts %d, intervals %v, %v, %v)",
			opts.BatchSize, wire.MaxBatchRecords, opts.QueueSize, opts.MaxAttempts, opts.FlushInterval, opts.Backoff, opts.MaxBackoff)
	}
	opts.BatchSize = orDefault(opts.BatchSize, 500)
	opts.QueueSize = orDefault(opts.QueueSize, 10000)
	opts.MaxAttempts = orDefault(opts.MaxAttempts, 5)
	opts.FlushInterval = orDefault(opts.FlushInterval, time.Second)
	opts.Backoff = orDefault(opts.Backoff, 200*time.Millisecond)
	opts.MaxBackoff = orDefault(opts.MaxBackoff, 10*time.Second)
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	s := &HTTPSink{
		opts:     opts,
		endpoint: strings.TrimSuffix(opts.URL, "/") + "/events",
		queue:    make(chan record, opts.QueueSize),
		flush:    make(chan chan struct{}),
		done:     make(chan struct{}),
	}
	go s.run()
	return s, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// redact removes a password from a URL for an error message.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return u.Redacted()
	}
	return raw
}

// Exposure queues e's record, unless e.Forced.
func (s *HTTPSink) Exposure(e Exposure) {
	if e.Forced {
		s.skipped.Add(1)
		return
	}
	s.enqueue(record{exposure: true, e: wireExposure(e)})
}

// Event queues e's record.
func (s *HTTPSink) Event(e Event) { s.enqueue(record{v: wireEvent(e)}) }

func (s *HTTPSink) enqueue(r record) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		s.dropped.Add(1)
		return
	}
	select {
	case s.queue <- r:
	default:
		s.dropped.Add(1)
	}
}

// Flush sends every record queued before the call and waits until the
// server acknowledged them, they were dropped, or ctx is done. It returns
// ctx's error in the last case, and an error after Close.
func (s *HTTPSink) Flush(ctx context.Context) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return errors.New("experiment: HTTPSink is closed")
	}
	reply := make(chan struct{})
	select {
	case s.flush <- reply:
	case <-s.done:
		return errors.New("experiment: HTTPSink is closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-reply:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting records, sends those queued, and waits for the
// last batch. It returns an error saying how many records were dropped
// or refused over the sink's life, or nil when all were written. Close is
// idempotent.
func (s *HTTPSink) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
	}
	s.mu.Unlock()
	<-s.done
	var err error
	if n := s.dropped.Load(); n > 0 {
		err = fmt.Errorf("experiment: HTTPSink dropped %d records", n)
	}
	return errors.Join(err, s.refusals())
}

// Stats returns the sink's counts so far.
func (s *HTTPSink) Stats() SinkStats { return s.stats() }

// run is the sink's goroutine: it batches queued records and sends each
// batch when it is full, when its oldest record has waited
// FlushInterval, on Flush, and at Close.
func (s *HTTPSink) run() {
	defer close(s.done)
	b := batcher{sink: s}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case r, ok := <-s.queue:
			if !ok {
				b.send()
				return
			}
			if b.add(r) == 1 {
				timer.Reset(s.opts.FlushInterval)
			}
		case <-timer.C:
			b.send()
		case reply := <-s.flush:
			for drained := false; !drained; {
				select {
				case r, ok := <-s.queue:
					if !ok {
						drained = true
						break
					}
					b.add(r)
				default:
					drained = true
				}
			}
			b.send()
			close(reply)
		}
	}
}

// batcher builds batches; only the sink's goroutine uses it.
type batcher struct {
	sink       *HTTPSink
	exposures  []byte // encoded records, joined by commas
	events     []byte
	n          int
	rec, body  []byte
	sleepTimer *time.Timer
}

// add encodes r into the batch, sending the batch first if r would not
// fit, and returns the batch's size.
func (b *batcher) add(r record) int {
	var err error
	if r.exposure {
		b.rec, err = wire.AppendExposure(b.rec[:0], r.e)
	} else {
		b.rec, err = wire.AppendEvent(b.rec[:0], r.v)
	}
	if err != nil {
		b.sink.refuse(err)
		return b.n
	}
	size := wire.BatchOverhead + 32 + len(b.exposures) + len(b.events) + b.n + len(b.rec)
	if b.n == b.sink.opts.BatchSize || size > wire.MaxBatchBytes {
		b.send()
	}
	list := &b.events
	if r.exposure {
		list = &b.exposures
	}
	if len(*list) > 0 {
		*list = append(*list, ',')
	}
	*list = append(*list, b.rec...)
	b.n++
	if b.n == b.sink.opts.BatchSize {
		b.send()
		return 0
	}
	return b.n
}

// send posts the batch, retrying as the options say, and empties it.
func (b *batcher) send() {
	if b.n == 0 {
		return
	}
	s := b.sink
	n := int64(b.n)
	b.body = wire.AppendBatch(b.body[:0], newBatchID(), b.exposures, b.events)
	b.exposures, b.events, b.n = b.exposures[:0], b.events[:0], 0

	wait := s.opts.Backoff
	for attempt := 1; ; attempt++ {
		retry, after, err := s.post(b.body)
		if err == nil {
			s.written.Add(n)
			s.batches.Add(1)
			return
		}
		s.report(err)
		if !retry || attempt == s.opts.MaxAttempts {
			s.dropped.Add(n)
			s.report(fmt.Errorf("experiment: HTTPSink dropped a batch of %d records after %d attempts", n, attempt))
			return
		}
		s.retries.Add(1)
		b.sleep(min(max(wait+rand.N(wait/2+1), after), s.opts.MaxBackoff))
		wait = min(2*wait, s.opts.MaxBackoff)
	}
}

func (b *batcher) sleep(d time.Duration) {
	if b.sleepTimer == nil {
		b.sleepTimer = time.NewTimer(d)
	} else {
		b.sleepTimer.Reset(d)
	}
	<-b.sleepTimer.C
}

// post sends one attempt of a batch. It reports whether a failure is worth
// retrying, and the wait a Retry-After header asked for.
func (s *HTTPSink) post(body []byte) (retry bool, after time.Duration, err error) {
	req, err := http.NewRequest(http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return false, 0, fmt.Errorf("experiment: HTTPSink: %w", err)
	}
	for k, vs := range s.opts.Header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return true, 0, fmt.Errorf("experiment: HTTPSink: %w", err) // the client strips passwords from URLs
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return false, 0, nil
	}
	c := resp.StatusCode
	retry = c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		after = time.Duration(secs) * time.Second
	}
	return retry, after, fmt.Errorf("experiment: HTTPSink: POST %s: %s: %s", redact(s.endpoint), resp.Status, bytes.TrimSpace(msg))
}

func (s *HTTPSink) report(err error) {
	if s.opts.OnError != nil {
		s.opts.OnError(err)
	}
}

// newBatchID returns 128 random bits in hex.
func newBatchID() string {
	var b [16]byte
	_, _ = cryptorand.Read(b[:]) // never fails on supported platforms
	return hex.EncodeToString(b[:])
}

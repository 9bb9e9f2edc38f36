package control

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/inprocess/experiment/internal/wire"
)

// FuzzDecodeBatch: any body is a batch or a 400 with a message, never a
// panic; a refused record is named by its list and an index inside it;
// an accepted batch is valid and decodes the same once re-encoded.
func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(`{"batch_id":"b","exposures":[{"type":"exposure","user_key":"u","experiment_key":"e","variant_key":"v","config_version":1,"timestamp":"2026-03-01T12:00:00Z"}],"events":[{"type":"event","user_key":"u","event":"buy","value":1.5,"timestamp":"2026-03-01T12:00:00Z"}]}`))
	f.Add([]byte(`{"batch_id":"b","events":[{"type":"event","user_key":"u","event":"buy","timestamp":"yesterday"}]}`))
	f.Add([]byte(`{"batch_id":7}`))
	f.Add([]byte(`{"batch_id":"x","events":[[1]]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, berr := decodeBatch(body)
		if berr != nil {
			if !strings.HasPrefix(berr.msg, "control: ") {
				t.Fatalf("message %q", berr.msg)
			}
			if berr.list != "" && (berr.list != "exposures" && berr.list != "events" || berr.index < 0 || berr.index >= wire.MaxBatchRecords) {
				t.Fatalf("record %s[%d]", berr.list, berr.index)
			}
			return
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("accepted an invalid batch: %v", err)
		}
		var ex, ev []byte
		for i, e := range b.Exposures {
			if i > 0 {
				ex = append(ex, ',')
			}
			var err error
			if ex, err = wire.AppendExposure(ex, e); err != nil {
				t.Fatalf("accepted exposure %d that does not encode: %v", i, err)
			}
		}
		for i, e := range b.Events {
			if i > 0 {
				ev = append(ev, ',')
			}
			var err error
			if ev, err = wire.AppendEvent(ev, e); err != nil {
				t.Fatalf("accepted event %d that does not encode: %v", i, err)
			}
		}
		again, berr := decodeBatch(wire.AppendBatch(nil, b.BatchID, ex, ev))
		if berr != nil {
			t.Fatalf("re-encoded batch refused: %s", berr.msg)
		}
		if diff := cmp.Diff(b, again); diff != "" {
			t.Fatalf("round trip (-first +again):\n%s", diff)
		}
	})
}

package analyze_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/inprocess/experiment"
	"github.com/inprocess/experiment/analysis/analyze"
	"github.com/inprocess/experiment/analysis/stats"
	"github.com/inprocess/experiment/internal/wire"
)

const e2eConfig = `
version: 12
experiments:
  checkout:
    control: 0-50%
    fast: 50-100%
`

// TestEndToEnd: a service assigns users through the library's middleware,
// which reports exposures, records purchases with Track, and sends both to
// a JSON Lines file and, through the HTTP sink, to a platform server. The
// analyze command on either gives exactly the numbers the stats engine
// gives on the service's own tally of what it did.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	direct, err := os.Create(filepath.Join(dir, "direct.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	received, err := os.Create(filepath.Join(dir, "received.jsonl"))
	if err != nil {
		t.Fatal(err)
	}

	// The platform server.
	plat := &receiver{seen: map[string]bool{}, out: experiment.NewJSONLines(received)}
	platSrv := httptest.NewServer(plat)
	defer platSrv.Close()

	// The service: both sinks behind one exposure hook and one tracker.
	file := experiment.NewJSONLines(direct)
	post, err := experiment.NewHTTPSink(experiment.HTTPSinkOptions{URL: platSrv.URL, BatchSize: 250, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := experiment.Parse([]byte(e2eConfig), experiment.WithExposures(func(e experiment.Exposure) {
		file.Exposure(e)
		post.Exposure(e)
	}))
	if err != nil {
		t.Fatal(err)
	}
	track := experiment.NewTracker(func(e experiment.Event) {
		file.Event(e)
		post.Event(e)
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout", func(w http.ResponseWriter, r *http.Request) {
		rs, c := experiment.FromRequest(r)
		fmt.Fprint(w, rs.Feature("checkout", c))
	})
	mux.HandleFunc("POST /buy", func(w http.ResponseWriter, r *http.Request) {
		amount, err := strconv.ParseFloat(r.FormValue("amount"), 64)
		if err != nil {
			http.Error(w, `{"error":"amount"}`, http.StatusBadRequest)
			return
		}
		_, c := experiment.FromRequest(r)
		track.TrackValue(c.UserID(), "purchase", amount)
		w.WriteHeader(http.StatusNoContent)
	})
	svc := httptest.NewServer(experiment.Middleware(rules, experiment.MiddlewareOptions{
		User: func(r *http.Request) experiment.Context { return experiment.ContextFor(r.URL.Query().Get("user")) },
	})(mux))
	defer svc.Close()

	// The users: each loads the checkout page (twice for some), and buys
	// with a chance that the fast checkout raises. tally is the truth.
	const users = 3000
	rate := map[string]float64{"control": 0.10, "fast": 0.14}
	type tally struct{ mean, prop stats.Sums }
	truth := map[string]*tally{"control": {}, "fast": {}}
	rng := rand.New(rand.NewPCG(16, 5))
	client := svc.Client()
	get := func(url string) string {
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", url, resp.Status)
		}
		return b.String()
	}
	for i := range users {
		user := "user-" + strconv.Itoa(i)
		variant := get(svc.URL + "/checkout?user=" + user)
		if i%3 == 0 {
			if again := get(svc.URL + "/checkout?user=" + user); again != variant {
				t.Fatalf("user %s got %s, then %s", user, variant, again)
			}
		}
		tl, ok := truth[variant]
		if !ok {
			t.Fatalf("user %s got variant %q", user, variant)
		}
		total, bought := 0.0, 0.0
		if rng.Float64() < rate[variant] {
			for range 1 + rng.IntN(2) {
				amount := float64(100+rng.IntN(9900)) / 100
				resp, err := client.Post(svc.URL+"/buy?user="+user+"&amount="+strconv.FormatFloat(amount, 'f', 2, 64), "", nil)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNoContent {
					t.Fatalf("POST /buy: %s", resp.Status)
				}
				total += amount
			}
			bought = 1
		}
		tl.mean.N++
		tl.mean.Sum += total
		tl.mean.SumSquares += total * total
		tl.prop.N++
		tl.prop.Sum += bought
		tl.prop.SumSquares += bought
	}

	// Shut down: every sink flushes.
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
	if err := post.Close(); err != nil {
		t.Fatal(err)
	}
	if s := post.Stats(); s.Written != file.Stats().Written || s.Dropped != 0 {
		t.Fatalf("HTTP sink %+v, file sink %+v: want the same records", s, file.Stats())
	}
	plat.mu.Lock()
	err = plat.out.Close()
	plat.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}

	// What the engine says on the truth.
	want := map[string]stats.Result{}
	for _, m := range []struct {
		name string
		kind stats.Kind
		get  func(*tally) stats.Sums
	}{
		{"purchase:mean", stats.Mean, func(t *tally) stats.Sums { return t.mean }},
		{"purchase:proportion", stats.Proportion, func(t *tally) stats.Sums { return t.prop }},
	} {
		r, err := stats.Compare(m.get(truth["control"]), m.get(truth["fast"]), stats.Options{Kind: m.kind})
		if err != nil {
			t.Fatal(err)
		}
		want[m.name] = r
	}
	if want["purchase:proportion"].PValue > 0.05 {
		t.Logf("note: the simulated lift is not significant here (p = %v)", want["purchase:proportion"].PValue)
	}

	for _, path := range []string{direct.Name(), received.Name()} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := analyze.Run([]string{"-exposures", path, "-events", path, "-experiment", "checkout",
				"-metric", "purchase:mean", "-metric", "purchase", "-json"}, &stdout, &stderr)
			if code != 0 {
				t.Fatalf("analyze: exit %d: %s", code, stderr.String())
			}
			var rep analyze.Report
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Users != users || rep.Multiple.Users != 0 || rep.Control != "control" {
				t.Errorf("report: %d users, %d multiple, control %q", rep.Users, rep.Multiple.Users, rep.Control)
			}
			approx := cmpopts.EquateApprox(1e-12, 0) // the same sums added in another order
			for _, m := range rep.Metrics {
				tl := map[string]*tally{"control": truth["control"], "fast": truth["fast"]}
				for _, a := range m.Arms {
					wantSums := tl[a.Variant].mean
					if m.Metric == "purchase:proportion" {
						wantSums = tl[a.Variant].prop
					}
					if diff := cmp.Diff(wantSums, a.Sums, approx); diff != "" {
						t.Errorf("%s %s sums (-truth +analyze):\n%s", m.Metric, a.Variant, diff)
					}
				}
				w, g := want[m.Metric], m.Results[0]
				got := stats.Result{ControlMean: m.Arms[0].Mean, TreatmentMean: m.Arms[1].Mean, Effect: g.Effect, StdErr: g.StdErr,
					Lower: *g.Lower, Upper: *g.Upper, DF: w.DF, PValue: *g.PValue}
				if diff := cmp.Diff(w, got, approx); diff != "" {
					t.Errorf("%s: (-engine on the truth +analyze):\n%s", m.Metric, diff)
				}
				if math.IsNaN(g.Effect) || g.Problem != "" {
					t.Errorf("%s: %+v", m.Metric, g)
				}
			}
		})
	}
}

// receiver is a stand-in for the platform server's POST /events on
// 127.0.0.1: it stores each batch id once, writing the batch's records to
// a JSON Lines file through the library's own sink, as the real server
// stores them in its database.
type receiver struct {
	mu   sync.Mutex
	seen map[string]bool
	out  *experiment.JSONLines
}

func (p *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/events" {
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		return
	}
	var body bytes.Buffer
	if _, err := body.ReadFrom(http.MaxBytesReader(w, r.Body, wire.MaxBatchBytes)); err != nil {
		http.Error(w, `{"error":"body too large"}`, http.StatusRequestEntityTooLarge)
		return
	}
	b, err := wire.DecodeBatch(body.Bytes())
	if err != nil {
		http.Error(w, `{"error":"bad batch"}`, http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[b.BatchID] {
		w.WriteHeader(http.StatusOK) // a retry of a stored batch: stored once
		return
	}
	p.seen[b.BatchID] = true
	for _, e := range b.Exposures {
		p.out.Exposure(experiment.Exposure{Experiment: e.ExperimentKey, Variant: e.VariantKey, UserID: e.UserKey,
			Version: e.ConfigVersion, Time: e.Timestamp})
	}
	for _, e := range b.Events {
		p.out.Event(experiment.Event{UserID: e.UserKey, Name: e.Event, Value: e.Value, HasValue: e.HasValue, Time: e.Timestamp})
	}
	w.WriteHeader(http.StatusNoContent)
}

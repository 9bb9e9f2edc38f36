package main

import (
	"testing"
	"time"

	"github.com/inprocess/experiment/platform/internal/storetest"
)

// BenchmarkStatusToDecide measures the time from a status change (its
// response received) to the first /decide that reflects it, through the
// whole path users deploy: the control plane publishes to the directory
// layout, the decision service polls version.json and reloads. Each
// iteration pauses or resumes the experiment and polls /decide every
// millisecond until the experiment leaves or returns. The figure is
// dominated by the decision service's poll interval (-poll, here 1s, the
// default, and 100ms).
func BenchmarkStatusToDecide(b *testing.B) {
	for _, poll := range []string{"1s", "100ms"} {
		for _, engine := range storetest.Engines {
			b.Run(engine+"/poll="+poll, func(b *testing.B) {
				p := start(b, nil, "-data", b.TempDir(), "-db", storetest.DSN(b, engine), "-poll", poll)
				expID, _ := walkthrough(b, p)
				u := decideURL(p.url("decision", "/decide"), "user-1", "prod")
				waitAssigned(b, u)
				status := p.url("control", "/experiments/"+expID+"/status")
				running := true
				var total time.Duration
				b.ResetTimer()
				for range b.N {
					next := `{"status":"PAUSED"}`
					if !running {
						next = `{"status":"RUNNING"}`
					}
					call(b, "PATCH", status, next, 200, nil)
					changed := time.Now()
					running = !running
					for {
						var d decideBody
						call(b, "GET", u, "", 200, &d)
						if (len(d.Assignments) > 0) == running {
							break
						}
						if time.Since(changed) > 30*time.Second {
							b.Fatal("/decide did not reflect the status change within 30s (a hang guard)")
						}
						time.Sleep(time.Millisecond)
					}
					total += time.Since(changed)
				}
				b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/change")
			})
		}
	}
}

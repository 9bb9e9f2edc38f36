package decide

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
)

// The routes requests are counted under.
const (
	routeDecide = iota
	routeHealth
	routeMetrics
	routeOFREP
	routeOther
	routes
)

var routeNames = [routes]string{"/decide", "/health", "/metrics", "/ofrep", "other"}

// metrics are the request counters served at /metrics, by route and
// status code; counting takes one atomic add.
type metrics struct {
	requests [routes][600]atomic.Int64
}

func (m *metrics) request(route, code int) {
	if code < 0 || code >= 600 {
		code = 0
	}
	m.requests[route][code].Add(1)
}

// serveMetrics answers GET /metrics with the counters in the Prometheus
// text format.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) int {
	var b strings.Builder
	b.WriteString("# HELP experimentd_requests_total HTTP requests by path and status code.\n# TYPE experimentd_requests_total counter\n")
	var lines []string
	for route := range routes {
		for code := range 600 {
			if n := s.metrics.requests[route][code].Load(); n > 0 {
				lines = append(lines, fmt.Sprintf("experimentd_requests_total{path=%s,code=\"%d\"} %d\n", quoteLabel(routeNames[route]), code, n))
			}
		}
	}
	envs := s.envs.all()
	slices.SortFunc(envs, func(a, b *environment) int { return strings.Compare(a.name, b.name) })
	family := func(header string, each func(e *environment, add func(string))) {
		b.WriteString(header)
		lines = lines[:0]
		for _, e := range envs {
			each(e, func(l string) { lines = append(lines, l) })
		}
		slices.Sort(lines)
		b.WriteString(strings.Join(lines, ""))
	}
	slices.Sort(lines)
	b.WriteString(strings.Join(lines, ""))
	family("# HELP experimentd_assignments_total Variants assigned by /decide.\n# TYPE experimentd_assignments_total counter\n",
		func(e *environment, add func(string)) {
			e.counters.each(func(exp, variant string, n int64) {
				add(fmt.Sprintf("experimentd_assignments_total{environment=%s,experiment=%s,variant=%s} %d\n", quoteLabel(e.name), quoteLabel(exp), quoteLabel(variant), n))
			})
		})
	family("# HELP experimentd_config_version The version of the config serving each environment (absent until one loads).\n# TYPE experimentd_config_version gauge\n",
		func(e *environment, add func(string)) {
			if rs := e.config(); rs != nil {
				add(fmt.Sprintf("experimentd_config_version{environment=%s} %d\n", quoteLabel(e.name), rs.Version()))
			}
		})
	family("# HELP experimentd_config_reload_failures_total Failed config fetches and parses by environment.\n# TYPE experimentd_config_reload_failures_total counter\n",
		func(e *environment, add func(string)) {
			add(fmt.Sprintf("experimentd_config_reload_failures_total{environment=%s} %d\n", quoteLabel(e.name), e.failures.Load()))
		})
	if conns := s.conns.Load(); conns != nil {
		fmt.Fprintf(&b, "# HELP experimentd_open_connections Connections open, counted against the connection limit.\n# TYPE experimentd_open_connections gauge\nexperimentd_open_connections %d\n", conns.openConns())
		fmt.Fprintf(&b, "# HELP experimentd_connections_rejected_total Connections answered 503 or closed for being over the connection limit.\n# TYPE experimentd_connections_rejected_total counter\nexperimentd_connections_rejected_total %d\n", conns.rejected.Load())
		fmt.Fprintf(&b, "# HELP experimentd_idle_connections_closed_total Idle keep-alive connections closed to make room under the connection limit.\n# TYPE experimentd_idle_connections_closed_total counter\nexperimentd_idle_connections_closed_total %d\n", conns.evicted.Load())
	}
	return s.send(w, r, http.StatusOK, hdrText, []byte(b.String()))
}

// quoteLabel quotes a Prometheus label value.
func quoteLabel(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v) + `"`
}

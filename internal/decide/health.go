package decide

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// serveHealth answers GET /health, a readiness probe: 200
// {"status":"ok","config_versions":{...},"ready":{...}} when every
// configured environment has a config, else 503 with "status":
// "unavailable". config_versions has the version of each environment
// that has a config, as the platform's does; ready has every environment
// (discovered ones included, at most Config.MaxEnvironments) with
// whether it has one. A discovered environment without a config does not
// make the server unready: it may not be published yet.
func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) int {
	envs := s.envs.all()
	slices.SortFunc(envs, func(a, b *environment) int { return strings.Compare(a.name, b.name) })
	ready := true
	b := getBuf()
	defer putBuf(b)
	versions := []byte(`{`)
	readiness := []byte(`{`)
	for _, e := range envs {
		rs := e.config()
		if rs == nil && !e.discovered {
			ready = false
		}
		if len(readiness) > 1 {
			readiness = append(readiness, ',')
		}
		readiness = appendJSString(readiness, e.name)
		readiness = append(readiness, ':')
		readiness = strconv.AppendBool(readiness, rs != nil)
		if rs != nil {
			if len(versions) > 1 {
				versions = append(versions, ',')
			}
			versions = appendJSString(versions, e.name)
			versions = append(versions, ':')
			versions = strconv.AppendInt(versions, rs.Version(), 10)
		}
	}
	code, status := http.StatusOK, "ok"
	if !ready {
		code, status = http.StatusServiceUnavailable, "unavailable"
	}
	*b = append(*b, `{"status":"`+status+`","config_versions":`...)
	*b = append(*b, versions...)
	*b = append(*b, `},"ready":`...)
	*b = append(*b, readiness...)
	*b = append(*b, "}}"...)
	return s.send(w, r, code, hdrJSON, *b)
}

package decide

import "net/http"

// The OFREP endpoints.
const (
	ofrepBulkPath   = "/ofrep/v1/evaluate/flags"
	ofrepFlagPrefix = "/ofrep/v1/evaluate/flags/"
)

func (s *Server) serveOFREPBulk(w http.ResponseWriter, r *http.Request) int { return s.notFound(w, r) }

func (s *Server) serveOFREPFlag(w http.ResponseWriter, r *http.Request, key string) int {
	return s.notFound(w, r)
}

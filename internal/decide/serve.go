package decide

import (
	"context"
	"fmt"
	"net"
)

// Serve answers requests on ln with Handler's routes, until ctx is done;
// then it shuts down gracefully within Config.ShutdownTimeout: requests in
// flight are answered, idle connections closed, and the sources stopped
// (Close). It returns the listener's error if serving failed, else nil
// once shut down (or the shutdown's error if connections were still busy
// at its end). Call Start first, or every environment answers 503.
//
// It serves HTTP/1.x with its own connection loop (see http1.go), bounded
// by Config: at most MaxConns connections (past it the longest idle one
// is closed, or the new one answered 503), MaxHeaderBytes of request line
// and headers (431), RequestTimeout to read a request and to write its
// answer, IdleTimeout between requests on a connection.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	conns := newConnLimiter(ln, s.cfg.MaxConns)
	s.conns.Store(conns)
	hs := &httpServer{s: s, handler: s.Handler(), conns: conns, live: map[*conn1]struct{}{}, accepting: make(chan struct{})}
	served := make(chan error, 1)
	go func() {
		defer close(hs.accepting)
		served <- hs.serve(conns)
	}()
	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
	}
	s.log.Info("experimentd: shutting down", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = s.Close(sctx)
	}()
	if err := hs.close(sctx, conns); err != nil && serveErr == nil {
		serveErr = fmt.Errorf("shutdown: %w", err)
	}
	<-stopped
	return serveErr
}

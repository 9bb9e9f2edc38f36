package decide

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
)

// Serve answers requests on ln with Handler, with the connection bounds
// (Config.MaxConns, MaxHeaderBytes) and timeouts of Config, until ctx is
// done; then it shuts down gracefully within Config.ShutdownTimeout:
// requests in flight are answered and the sources stopped (Close). It
// returns the listener's error if serving failed, else nil once shut
// down. Call Start first, or every environment answers 503.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	conns := newConnLimiter(ln, s.cfg.MaxConns)
	s.conns.Store(conns)
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.RequestTimeout,
		ReadTimeout:       s.cfg.RequestTimeout,
		WriteTimeout:      s.cfg.RequestTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ConnState:         conns.ConnState,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(conns) }()
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
	if serveErr == nil {
		if err := srv.Shutdown(sctx); err != nil {
			serveErr = fmt.Errorf("shutdown: %w", err)
		}
	}
	<-stopped
	return serveErr
}

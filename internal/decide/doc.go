// Package decide is experimentd's decision service as a library: the
// platform's GET /decide API (the williamgrosset/experiments platform's
// decision service, answered byte for byte where it is right), /health,
// /metrics and the OpenFeature Remote Evaluation Protocol, served from
// configs held in memory, one per environment, reloaded live from files,
// URLs or the platform's storage layout, with every resource a client can
// claim bounded. cmd/experimentd is a thin command over it.
//
// # Use
//
// Fixed environments:
//
//	s, err := decide.New(decide.Config{
//		Environments: []decide.Environment{{Name: "prod", Source: "configs/prod.yaml"}},
//	})
//	if err != nil { ... }
//	s.Start(ctx)                // load and poll the sources, in the background
//	err = s.Serve(ctx, ln)      // until ctx is done, then a graceful shutdown
//
// The platform's storage layout, with environments created while it runs
// (what the platform's own decision service does with CONFIG_BASE_URL):
//
//	s, err := decide.New(decide.Config{Layout: "/srv/experiment-configs"})
//	s.Start(ctx)
//	h := s.Handler()            // or s.Serve(ctx, ln)
//	mux.Handle("/decide", h)    // it answers its own routes
//	mux.Handle("/ofrep/", h)
//	...
//	s.Close(shutdownCtx)
//
// An environment named by a request is read from
// Layout/configs/{env}/version.json and snapshots/latest.json
// (experiment.SnapshotDirSource for a folder or file:// URL,
// experiment.SnapshotSource for an http(s) base URL) on its first request,
// which waits up to 2 seconds for it, and polled every Interval from then
// on; at most MaxEnvironments are discovered.
//
// # API
//
//	func New(cfg Config) (*Server, error)
//	func (s *Server) Start(ctx context.Context)
//	func (s *Server) Handler() http.Handler
//	func (s *Server) Serve(ctx context.Context, ln net.Listener) error
//	func (s *Server) Close(ctx context.Context) error
//
// Handler works under any http.Server; Serve runs the package's own
// HTTP/1.1 connection loop (http1.go), which costs less CPU per request
// than net/http's server, with Config's connection bounds and timeouts.
//
// # Files
//
//	config.go      Config, Environment and their defaults
//	server.go      Server, New, Handler: routing, bounds, counters
//	envs.go        environments: loading, discovery in the layout, Start, Close
//	source.go      what an Environment's Source or the Layout names
//	decide.go      GET /decide
//	query.go       the query string as the platform's parser reads it
//	jsjson.go      JSON as JavaScript reads and writes it
//	encode.go      a config's assignments, encoded once per config
//	respond.go     responses: headers, errors, the route 404
//	health.go      GET /health
//	metrics.go     GET /metrics
//	ofrep.go       OFREP
//	ratelimit.go   the per-client rate limit and trusted proxies
//	listener.go    the connection limit
//	serve.go       Serve
//	http1.go       Serve's HTTP/1.1 connection loop
//	http1_parse.go its request head parser
package decide

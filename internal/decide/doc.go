// Package decide is experimentd's decision service as a library: the
// platform's GET /decide API (with /health and /metrics) served from
// configs held in memory, one per environment, reloaded live from files,
// URLs or the platform's storage layout, with every resource a client can
// claim bounded.
//
// Use:
//
//	s, err := decide.New(decide.Config{
//		Environments: []decide.Environment{{Name: "prod", Source: "configs/prod.yaml"}},
//	})
//	if err != nil { ... }
//	s.Start(ctx)                     // load and poll the sources, in the background
//	err = s.Serve(ctx, listener)     // or mount s.Handler() and call s.Close at the end
//
// cmd/experimentd is a thin command over this package.
package decide

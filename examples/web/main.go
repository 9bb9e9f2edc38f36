// Command web is a net/http server whose html/template page does what the
// Node seed's EJS examples do: a button colour switch and an "invite your
// friends" block. The middleware pins one config per request and exposures
// are logged through log/slog.
//
// From the repository root:
//
//	go run ./examples/web                                          # embedded config
//	go run ./examples/web -config examples/web/experiments.yaml    # reloaded live
//	curl 'localhost:8080/?user=alice&country=US'
//
// It stops gracefully on SIGINT (Ctrl-C) and SIGTERM.
//
// With EXPERIMENT_QA_KEY set (32 or more characters), it prints a link
// that forces greenButton for whoever opens it (QA overrides).
package main

import (
	"context"
	_ "embed"
	"flag"
	"html/template"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/inprocess/experiment"
)

//go:embed experiments.yaml
var defaultConfig []byte

//go:embed page.html
var pageHTML string

// page is parsed once, with the template functions that evaluate against
// the request's pinned config.
var page = template.Must(template.New("page").Funcs(experiment.FuncMap(nil)).Parse(pageHTML))

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen on `host:port`")
	config := flag.String("config", "", "watch this config `file` instead of the embedded one")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	handler, err := newHandler(ctx, *config, logger)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	logger.Info("listening", "url", "http://"+*addr+"/?user=alice&country=US")
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// newHandler builds the app: its config (embedded, or a watched file), the
// exposure log, the QA overrides and the middleware around the page.
func newHandler(ctx context.Context, configFile string, logger *slog.Logger) (http.Handler, error) {
	logExposure := func(e experiment.Exposure) {
		logger.Info("exposure", "experiment", e.Experiment, "variant", e.Variant, "user", e.UserID,
			"config_version", e.Version, "forced", e.Forced)
	}
	var rules experiment.Rules
	if configFile == "" {
		rs, err := experiment.Parse(defaultConfig, experiment.WithName("experiments.yaml"), experiment.WithExposures(logExposure))
		if err != nil {
			return nil, err
		}
		rules = rs
	} else {
		live, err := experiment.Watch(ctx, experiment.FileSource(configFile), &experiment.WatchOptions{
			Interval:  2 * time.Second,
			Logger:    logger,
			Exposures: logExposure,
		})
		if err != nil {
			return nil, err
		}
		rules = live
	}

	var qa *experiment.QA
	if key := os.Getenv("EXPERIMENT_QA_KEY"); key != "" {
		var err error
		if qa, err = experiment.NewQA([]byte(key)); err != nil {
			return nil, err
		}
		token := qa.Token(map[string]string{"buttonColor": "greenButton"}, time.Now().Add(24*time.Hour))
		logger.Info("QA link forcing greenButton", "url", "/?experiment_qa="+token)
	}

	mw := experiment.Middleware(rules, experiment.MiddlewareOptions{User: userOf, QA: qa})
	return mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		rs, c := experiment.FromRequest(r)
		data := struct {
			Title   string
			User    string
			Version int64
			Exp     experiment.Context
		}{"Experiments in Go", c.UserID(), rs.Version(), c}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := page.Execute(w, data); err != nil {
			logger.Error("render", "error", err)
		}
	})), nil
}

// userOf reads the user from the request. A real app would read its session;
// here ?user= (or the "user" cookie) and ?country= stand in for it.
func userOf(r *http.Request) experiment.Context {
	id := r.URL.Query().Get("user")
	if id == "" {
		if ck, err := r.Cookie("user"); err == nil {
			id = ck.Value
		}
	}
	c := experiment.ContextFor(id)
	if country := r.URL.Query().Get("country"); country != "" {
		c = c.With(map[string]any{"country": country})
	}
	return c
}

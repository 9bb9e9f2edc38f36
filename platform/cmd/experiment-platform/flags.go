package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// options are the command's settings, from its flags and environment.
type options struct {
	controlAddr, decisionAddr, gatewayAddr string
	data                                   string
	db                                     string
	store                                  string
	s3Endpoint, s3Region                   string
	token                                  string
	poll                                   time.Duration
	logLevel                               slog.Level
}

func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("experiment-platform", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.controlAddr, "control-addr", "127.0.0.1:3001", "control plane `host:port` (empty: off)")
	fs.StringVar(&o.decisionAddr, "decision-addr", "127.0.0.1:3002", "decision service `host:port` (empty: off)")
	fs.StringVar(&o.gatewayAddr, "gateway-addr", "127.0.0.1:3000", "gateway and dashboard `host:port` (empty: off)")
	fs.StringVar(&o.data, "data", "./experiment-data", "data `directory`: the SQLite database and the published snapshots unless -db and -store say otherwise")
	fs.StringVar(&o.db, "db", "", "database: a SQLite file `path` or a postgres://user:password@host:port/db URL (default DATA/platform.db)")
	fs.StringVar(&o.store, "store", "", "where snapshots are published: a `directory` or s3://BUCKET/PREFIX (default DATA/configs-bucket)")
	fs.StringVar(&o.s3Endpoint, "s3-endpoint", "https://s3.amazonaws.com", "S3 endpoint `URL` for -store s3://...; http:// for plain HTTP (a local MinIO)")
	fs.StringVar(&o.s3Region, "s3-region", "", "S3 `region` (default: from the endpoint, or looked up)")
	fs.StringVar(&o.token, "token", "", "bearer `token` required on every change (default $EXPERIMENT_PLATFORM_TOKEN)")
	fs.DurationVar(&o.poll, "poll", time.Second, "how often the decision service polls each environment's version.json")
	fs.TextVar(&o.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.token == "" {
		o.token = getenv("EXPERIMENT_PLATFORM_TOKEN")
	}
	if o.db == "" {
		o.db = filepath.Join(o.data, "platform.db")
	}
	if o.store == "" {
		o.store = filepath.Join(o.data, "configs-bucket")
	}
	if o.poll <= 0 {
		return nil, errors.New("-poll must be positive")
	}
	for _, a := range []struct{ flag, addr string }{{"-control-addr", o.controlAddr}, {"-decision-addr", o.decisionAddr}, {"-gateway-addr", o.gatewayAddr}} {
		if a.addr == "" {
			continue
		}
		loopback, err := isLoopback(a.addr)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", a.flag, a.addr, err)
		}
		if !loopback && o.token == "" {
			return nil, fmt.Errorf("%s %q listens beyond loopback: set -token (or EXPERIMENT_PLATFORM_TOKEN) so that changes need a bearer token", a.flag, a.addr)
		}
	}
	return o, nil
}

// isLoopback reports whether a listen address is loopback only: an IP
// in 127.0.0.0/8 or ::1, or "localhost". An empty host is every
// interface.
func isLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// redactDSN hides the password of a database URL for logs.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		if strings.Contains(dsn, "://") {
			return "(a database URL)"
		}
		return dsn
	}
	return u.Redacted()
}

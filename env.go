package experiment

import (
	"os"
	"time"
)

// DefaultEnvVariable is the process environment variable that selects the
// active environment when a config has no DEPLOYMENT_ENV_VARIABLE key.
const DefaultEnvVariable = "TARGET_ENV"

// An Option configures Parse, Load and MustLoad. Options are built by the
// With* functions of this package; only this package can implement Option.
type Option interface {
	apply(*options)
}

type options struct {
	env       string
	lookupEnv func(string) (string, bool)
	name      string
	exposures func(Exposure)
	clock     func() time.Time // WithClock
	sticky    StickyStore      // WithSticky
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

func buildOptions(opts []Option) options {
	o := options{lookupEnv: os.LookupEnv}
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	return o
}

// WithEnv selects the active environment by name, overriding the process
// variable named by the config's DEPLOYMENT_ENV_VARIABLE. WithEnv("") counts
// as not given. The name need not appear under envs: an environment without
// overrides gets the base experiments.
func WithEnv(name string) Option {
	return optionFunc(func(o *options) { o.env = name })
}

// WithLookupEnv replaces os.LookupEnv as the way the loader reads the
// process variable named by DEPLOYMENT_ENV_VARIABLE (default TARGET_ENV).
// It lets tests and embedding programs choose the environment without
// touching the process environment. A nil fn means no variable is set.
func WithLookupEnv(fn func(key string) (string, bool)) Option {
	return optionFunc(func(o *options) {
		if fn == nil {
			fn = func(string) (string, bool) { return "", false }
		}
		o.lookupEnv = fn
	})
}

// WithName names the config in errors and warnings, as Load does with the
// file's path: use it with Parse for configs read from elsewhere (a URL, an
// embedded file).
func WithName(name string) Option {
	return optionFunc(func(o *options) { o.name = name })
}

// activeEnv resolves the active environment (doc.go's "Environments"): WithEnv, else the
// process variable named by varName, else none.
func (o *options) activeEnv(varName string) string {
	if o.env != "" {
		return o.env
	}
	if varName == "" {
		varName = DefaultEnvVariable
	}
	if v, ok := o.lookupEnv(varName); ok {
		return v
	}
	return ""
}

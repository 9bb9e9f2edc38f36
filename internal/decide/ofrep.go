package decide

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/inprocess/experiment"
)

// This file serves the OpenFeature Remote Evaluation Protocol (OFREP,
// github.com/open-feature/protocol), so that OpenFeature clients in any
// language, browsers and apps included, evaluate experiments here:
//
//	POST /ofrep/v1/evaluate/flags/{key}   one flag (server providers)
//	POST /ofrep/v1/evaluate/flags         every flag, with an ETag (client providers)
//
// Both take {"context": {"targetingKey": USER, ...attributes}}: the
// targeting key is the user id, the other keys the targeting attributes,
// as /decide's context. Only experiments marked client: true in the config
// are flags here (Config.OFREPAllExperiments serves every one, for
// published snapshots, which have no such mark), so that server-only
// experiments never reach a browser.
//
// The environment is the only one when exactly one is configured and no
// Layout is set; otherwise the request names it in the
// Experiment-Environment header or, failing that, the env query
// parameter.
//
// A flag's value, as OFREP carries no type, follows the variant the user
// is assigned: its payload when it has one that is not null; true for an
// experiment with a single variant without a payload (a feature switch);
// else the variant's name. A user who is off gets false from such a
// switch, and otherwise no value (OFREP's "use the code default"), with
// the reason DEFAULT or DISABLED. Reasons and the flag metadata
// (version, environment, experimentReason) are those of the in-process
// OpenFeature provider (openfeature/doc.go).

// The OFREP endpoints, and the header naming the environment.
const (
	ofrepBulkPath   = "/ofrep/v1/evaluate/flags"
	ofrepFlagPrefix = "/ofrep/v1/evaluate/flags/"
	ofrepEnvHeader  = "Experiment-Environment"
)

// ofrepError is an OFREP failure: the status, the error code and its
// details.
type ofrepError struct {
	code    int
	errCode string // PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT, FLAG_NOT_FOUND or GENERAL
	details string
}

// ofrepEval is an evaluation request, read and checked: the environment's
// config and the user.
type ofrepEval struct {
	env string
	e   *environment
	rs  *experiment.Ruleset
	c   experiment.Context
}

// readOFREP reads an OFREP request: the environment, the body's context,
// and the environment's config.
func (s *Server) readOFREP(r *http.Request) (*ofrepEval, *ofrepError) {
	env, ok := s.ofrepEnvironment(r)
	if !ok {
		return nil, &ofrepError{http.StatusBadRequest, "GENERAL", "name the environment in the " + ofrepEnvHeader + " header or the env query parameter"}
	}
	c, oerr := readOFREPContext(r.Body)
	if oerr != nil {
		return nil, oerr
	}
	e, rs := s.environmentConfig(r, env)
	if rs == nil {
		return nil, &ofrepError{http.StatusServiceUnavailable, "GENERAL", `No config available for environment "` + env + `"`}
	}
	return &ofrepEval{env: env, e: e, rs: rs, c: c}, nil
}

// ofrepEnvironment picks the environment of an OFREP request: the only
// one configured, or the one the request names.
func (s *Server) ofrepEnvironment(r *http.Request) (string, bool) {
	if v := r.Header.Get(ofrepEnvHeader); v != "" {
		return v, true
	}
	if q := parseDecideQuery(r.URL.RawQuery); q.env.value != "" {
		return q.env.value, true
	}
	if len(s.envs.order) == 1 && s.layout == nil {
		return s.envs.order[0], true
	}
	return "", false
}

// readOFREPContext reads {"context": {...}} from body (up to maxBody).
func readOFREPContext(body io.Reader) (experiment.Context, *ofrepError) {
	data, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	switch {
	case errors.Is(err, errBodyTooLarge) || len(data) > maxBody:
		return experiment.Context{}, &ofrepError{http.StatusRequestEntityTooLarge, "GENERAL", "the request body is over 1 MiB"}
	case err != nil:
		return experiment.Context{}, &ofrepError{http.StatusBadRequest, "PARSE_ERROR", "the request body could not be read"}
	}
	var ctx map[string]any
	if strings.TrimSpace(string(data)) != "" {
		v, err := parseJSON(string(data), false)
		if err != nil {
			return experiment.Context{}, &ofrepError{http.StatusBadRequest, "PARSE_ERROR", "the request body is not JSON"}
		}
		req, ok := v.(map[string]any)
		if !ok {
			return experiment.Context{}, &ofrepError{http.StatusBadRequest, "INVALID_CONTEXT", "the request body must be a JSON object"}
		}
		if c, has := req["context"]; has {
			if ctx, ok = c.(map[string]any); !ok {
				return experiment.Context{}, &ofrepError{http.StatusBadRequest, "INVALID_CONTEXT", "context must be a JSON object"}
			}
		}
	}
	key, has := ctx["targetingKey"]
	id, isString := key.(string)
	switch {
	case !has || (isString && id == ""):
		return experiment.Context{}, &ofrepError{http.StatusBadRequest, "TARGETING_KEY_MISSING", "context.targetingKey, the user id, is required"}
	case !isString:
		return experiment.Context{}, &ofrepError{http.StatusBadRequest, "INVALID_CONTEXT", "context.targetingKey must be a string"}
	}
	delete(ctx, "targetingKey")
	return experiment.ContextFor(id).With(ctx), nil
}

// serveOFREPFlag answers POST /ofrep/v1/evaluate/flags/{key}.
func (s *Server) serveOFREPFlag(w http.ResponseWriter, r *http.Request, key string) int {
	ev, oerr := s.readOFREP(r)
	if oerr != nil {
		return s.sendOFREPError(w, r, key, oerr)
	}
	x := ev.flag(key, s.cfg.OFREPAllExperiments)
	if x == nil {
		return s.sendOFREPError(w, r, key, &ofrepError{http.StatusNotFound, "FLAG_NOT_FOUND", `no flag is named "` + key + `"`})
	}
	return s.send(w, r, http.StatusOK, hdrJSON, ev.appendFlag(nil, x))
}

// serveOFREPBulk answers POST /ofrep/v1/evaluate/flags: every flag, with
// an ETag of the answer; a request whose If-None-Match names it is
// answered 304.
func (s *Server) serveOFREPBulk(w http.ResponseWriter, r *http.Request) int {
	ev, oerr := s.readOFREP(r)
	if oerr != nil {
		return s.sendOFREPError(w, r, "", oerr)
	}
	b := append(make([]byte, 0, 1024), `{"flags":[`...)
	for i, x := range ev.flags(s.cfg.OFREPAllExperiments) {
		if i > 0 {
			b = append(b, ',')
		}
		b = ev.appendFlag(b, x)
	}
	b = append(b, "]}"...)
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	if etagMatches(r.Header.Values("If-None-Match"), etag) {
		return s.send(w, r, http.StatusNotModified, hdrJSON, nil)
	}
	return s.send(w, r, http.StatusOK, hdrJSON, b)
}

// etagMatches reports whether an If-None-Match header lists etag (weakly
// compared, as If-None-Match is) or is "*".
func etagMatches(values []string, etag string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || t == etag {
				return true
			}
		}
	}
	return false
}

func (s *Server) sendOFREPError(w http.ResponseWriter, r *http.Request, key string, e *ofrepError) int {
	b := []byte(`{`)
	if key != "" {
		b = append(b, `"key":`...)
		b = appendJSString(b, key)
		b = append(b, ',')
	}
	b = append(b, `"errorCode":`...)
	b = appendJSString(b, e.errCode)
	b = append(b, `,"errorDetails":`...)
	b = appendJSString(b, e.details)
	b = append(b, '}')
	return s.send(w, r, e.code, hdrJSON, b)
}

// flags returns the experiments served as flags, in config order, the
// first of each name (a snapshot may repeat one).
func (ev *ofrepEval) flags(all bool) []*encodedExperiment {
	enc := ev.e.encoding(ev.rs)
	var out []*encodedExperiment
	seen := map[string]bool{}
	for i := range enc.exps {
		x := &enc.exps[i]
		if (x.client || all) && !seen[x.key] {
			seen[x.key] = true
			out = append(out, x)
		}
	}
	return out
}

// flag returns the experiment served as the flag key, or nil.
func (ev *ofrepEval) flag(key string, all bool) *encodedExperiment {
	for _, x := range ev.flags(all) {
		if x.key == key {
			return x
		}
	}
	return nil
}

// appendFlag appends the evaluation of x for the request's user as an
// OFREP evaluationSuccess.
func (ev *ofrepEval) appendFlag(b []byte, x *encodedExperiment) []byte {
	ex := ev.rs.Explain(x.key, ev.c)
	b = append(b, `{"key":`...)
	b = appendJSString(b, x.key)
	b = append(b, `,"reason":`...)
	b = appendJSString(b, ofrepReason(ex))
	switch v := x.variant(ex.Variant); {
	case v != nil:
		b = append(b, `,"variant":`...)
		b = appendJSString(b, v.key)
		b = append(b, `,"value":`...)
		switch {
		case v.payload != nil && string(v.payload) != "null":
			b = append(b, jsPayload(v.payload)...)
		case x.isSwitch():
			b = append(b, "true"...)
		default:
			b = appendJSString(b, v.key)
		}
	case x.isSwitch():
		b = append(b, `,"value":false`...)
	}
	b = append(b, `,"metadata":{"version":`...)
	b = strconv.AppendInt(b, ev.rs.Version(), 10)
	b = append(b, `,"environment":`...)
	b = appendJSString(b, ev.env)
	b = append(b, `,"experimentReason":`...)
	b = appendJSString(b, string(ex.Reason))
	return append(b, "}}"...)
}

// variant returns x's variant named name, or nil.
func (x *encodedExperiment) variant(name string) *encodedVariant {
	if name == "" {
		return nil
	}
	for i := range x.variants {
		if x.variants[i].key == name {
			return &x.variants[i]
		}
	}
	return nil
}

// isSwitch reports whether x is a feature switch: one variant, without a
// payload.
func (x *encodedExperiment) isSwitch() bool {
	return len(x.variants) == 1 && (x.variants[0].payload == nil || string(x.variants[0].payload) == "null")
}

// ofrepReason is OpenFeature's reason for the library's, as the in-process
// provider maps it (openfeature/doc.go, "Reasons").
func ofrepReason(ex experiment.Explanation) string {
	switch ex.Reason {
	case experiment.ReasonSplit:
		return "SPLIT"
	case experiment.ReasonUserID, experiment.ReasonGroup:
		return "TARGETING_MATCH"
	case experiment.ReasonEveryone:
		if ex.Targeted {
			return "TARGETING_MATCH"
		}
		return "STATIC"
	case experiment.ReasonDisabled:
		return "DISABLED"
	case experiment.ReasonAudience, experiment.ReasonTargeting, experiment.ReasonNoMatch,
		experiment.ReasonNoVariant, experiment.ReasonOtherVariant:
		return "DEFAULT"
	}
	return "UNKNOWN"
}

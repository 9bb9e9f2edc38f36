package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/inprocess/experiment/analysis/analyze"
)

// maxAPIResponse bounds what the dashboard reads of one API response. The
// largest it asks for is a page of 100 full experiments.
const maxAPIResponse = 16 << 20

// The platform's entities, as its API returns them. Only the fields a page
// shows are decoded; JSON values the dashboard passes through (payloads,
// rules) stay raw.
type (
	environment struct {
		ID        string    `json:"id"`
		Name      string    `json:"name"`
		CreatedAt time.Time `json:"createdAt"`
		UpdatedAt time.Time `json:"updatedAt"`
	}
	variant struct {
		ID           string          `json:"id"`
		Key          string          `json:"key"`
		Name         string          `json:"name"`
		Payload      json.RawMessage `json:"payload"`
		ExperimentID string          `json:"experimentId"`
	}
	allocation struct {
		ID         string `json:"id,omitempty"`
		VariantID  string `json:"variantId"`
		RangeStart int    `json:"rangeStart"`
		RangeEnd   int    `json:"rangeEnd"`
	}
	audience struct {
		ID            string          `json:"id"`
		Name          string          `json:"name"`
		EnvironmentID string          `json:"environmentId"`
		Rules         json.RawMessage `json:"rules"`
		CreatedAt     time.Time       `json:"createdAt"`
		UpdatedAt     time.Time       `json:"updatedAt"`
		Environment   *environment    `json:"environment"`
	}
	experimentRow struct {
		ID             string          `json:"id"`
		Key            string          `json:"key"`
		Name           string          `json:"name"`
		Description    *string         `json:"description"`
		Salt           string          `json:"salt"`
		Status         string          `json:"status"`
		EnvironmentID  string          `json:"environmentId"`
		AudienceID     *string         `json:"audienceId"`
		TargetingRules json.RawMessage `json:"targetingRules"`
		CreatedAt      time.Time       `json:"createdAt"`
		UpdatedAt      time.Time       `json:"updatedAt"`
		Variants       []variant       `json:"variants"`
		Allocations    []allocation    `json:"allocations"`
		Environment    *environment    `json:"environment"`
		Audience       *audience       `json:"audience"`
	}
	pagination struct {
		Page       int `json:"page"`
		PageSize   int `json:"pageSize"`
		Total      int `json:"total"`
		TotalPages int `json:"totalPages"`
	}
	page[T any] struct {
		Data       []T        `json:"data"`
		Pagination pagination `json:"pagination"`
	}
	// decision is the decide response.
	decision struct {
		UserKey       string `json:"user_key"`
		Environment   string `json:"environment"`
		ConfigVersion int64  `json:"config_version"`
		Assignments   []struct {
			ExperimentKey string          `json:"experiment_key"`
			ExperimentID  string          `json:"experiment_id"`
			VariantKey    string          `json:"variant_key"`
			VariantID     string          `json:"variant_id"`
			Payload       json.RawMessage `json:"payload"`
		} `json:"assignments"`
	}
	// snapshotHead is what a publish response says about itself.
	snapshotHead struct {
		Version     int64  `json:"version"`
		Environment string `json:"environment"`
	}
)

// apiError is a response of the API with a status other than 2xx. Message
// is the platform's own text: the "error" of its JSON body, or the
// "message" of a framework error, so pages can show it as it is.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return e.Message }

// inputError is a form the dashboard refuses itself, before any API call.
type inputError string

func (e inputError) Error() string { return "dashboard: " + string(e) }

// statusOf returns the HTTP status a page answers with after err: the
// API's own status for an API error, 400 for a form the dashboard
// refused, 502 when the API could not be reached or answered nonsense.
func statusOf(err error) int {
	var ae *apiError
	var ie inputError
	switch {
	case errors.As(err, &ae):
		return ae.Status
	case errors.As(err, &ie):
		return http.StatusBadRequest
	}
	return http.StatusBadGateway
}

// published reports what the x-publish-* headers of a mutation say.
type published struct {
	Attempted, Succeeded bool
	Error                string
}

// client calls the platform's REST API, with the bearer token when there
// is one. It is safe for concurrent use.
type client struct {
	base  string // ending before "/environments", e.g. "http://127.0.0.1:3000/api"
	http  *http.Client
	token string
}

// call sends one request. in, when not nil, is sent as the JSON body; out,
// when not nil, receives the decoded 2xx body. A non-2xx answer is an
// *apiError; the x-publish-* headers of a 2xx answer are returned.
func (c *client) call(ctx context.Context, method, path string, query url.Values, in, out any) (published, error) {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return published{}, fmt.Errorf("dashboard: encoding the request: %w", err)
		}
		body = bytes.NewReader(data)
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return published{}, fmt.Errorf("dashboard: building the API request: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return published{}, fmt.Errorf("dashboard: the API is unreachable: %w", unwrapURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIResponse+1))
	if err != nil {
		return published{}, fmt.Errorf("dashboard: reading the API response: %w", err)
	}
	if len(data) > maxAPIResponse {
		return published{}, fmt.Errorf("dashboard: the API response to %s %s is larger than %d MiB", method, path, maxAPIResponse>>20)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return published{}, &apiError{Status: resp.StatusCode, Message: errorMessage(resp.StatusCode, data)}
	}
	pub := published{
		Attempted: resp.Header.Get("X-Publish-Attempted") == "true",
		Succeeded: resp.Header.Get("X-Publish-Succeeded") == "true",
		Error:     resp.Header.Get("X-Publish-Error"),
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return pub, fmt.Errorf("dashboard: the API answered %s %s with a body that is not the expected JSON: %w", method, path, err)
		}
	}
	return pub, nil
}

// unwrapURL drops *url.Error's "Get \"http://...\":" prefix, which would
// repeat the API's address on every page.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// errorMessage extracts the platform's message from an error body:
// {"error": "..."} from the routes, {"message": "..."} from the framework
// (unknown route, bad JSON, body too large, 500s).
func errorMessage(status int, body []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil {
		var s string
		if e.Message != "" {
			return e.Message
		}
		if json.Unmarshal(e.Error, &s) == nil && s != "" {
			return s
		}
	}
	text := strings.TrimSpace(string(body))
	if len(text) > 300 {
		text = text[:300] + "..."
	}
	if text == "" {
		return "the API answered " + strconv.Itoa(status) + " " + http.StatusText(status)
	}
	return "the API answered " + strconv.Itoa(status) + ": " + text
}

// The calls, one per route the pages use (the platform's dashboard makes
// the same ones; see doc.go).

func (c *client) environments(ctx context.Context, pg, size int) (page[environment], error) {
	var p page[environment]
	_, err := c.call(ctx, http.MethodGet, "/environments", pageQuery(nil, pg, size), nil, &p)
	return p, err
}

// allEnvironments returns up to maxListed environments, for the
// environment selects.
func (c *client) allEnvironments(ctx context.Context) ([]environment, error) {
	var all []environment
	for pg := 1; pg <= maxListed/100; pg++ {
		p, err := c.environments(ctx, pg, 100)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Data...)
		if pg >= p.Pagination.TotalPages {
			break
		}
	}
	return all, nil
}

// maxListed is the most environments or audiences a select offers.
const maxListed = 1000

func (c *client) createEnvironment(ctx context.Context, name string) (environment, error) {
	var e environment
	_, err := c.call(ctx, http.MethodPost, "/environments", nil, map[string]any{"name": name}, &e)
	return e, err
}

func (c *client) experiments(ctx context.Context, envID, status string, pg, size int) (page[experimentRow], error) {
	q := url.Values{}
	if envID != "" {
		q.Set("environmentId", envID)
	}
	if status != "" {
		q.Set("status", status)
	}
	var p page[experimentRow]
	_, err := c.call(ctx, http.MethodGet, "/experiments", pageQuery(q, pg, size), nil, &p)
	return p, err
}

func (c *client) experiment(ctx context.Context, id string) (experimentRow, error) {
	var e experimentRow
	_, err := c.call(ctx, http.MethodGet, "/experiments/"+url.PathEscape(id), nil, nil, &e)
	return e, err
}

// results asks for the experiment's analysis of the given metrics
// (EVENT:mean or EVENT:proportion).
func (c *client) results(ctx context.Context, id string, metrics []string) (*analyze.Report, error) {
	var r analyze.Report
	_, err := c.call(ctx, http.MethodGet, "/experiments/"+url.PathEscape(id)+"/results", url.Values{"metric": metrics}, nil, &r)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func (c *client) createExperiment(ctx context.Context, body map[string]any) (experimentRow, error) {
	var e experimentRow
	_, err := c.call(ctx, http.MethodPost, "/experiments", nil, body, &e)
	return e, err
}

func (c *client) updateExperiment(ctx context.Context, id string, body map[string]any) (published, error) {
	return c.call(ctx, http.MethodPatch, "/experiments/"+url.PathEscape(id), nil, body, nil)
}

func (c *client) setStatus(ctx context.Context, id, status string) (published, error) {
	return c.call(ctx, http.MethodPatch, "/experiments/"+url.PathEscape(id)+"/status", nil, map[string]any{"status": status}, nil)
}

func (c *client) deleteExperiment(ctx context.Context, id string) (published, error) {
	return c.call(ctx, http.MethodDelete, "/experiments/"+url.PathEscape(id), nil, nil, nil)
}

func (c *client) publish(ctx context.Context, id string) (snapshotHead, error) {
	var s snapshotHead
	_, err := c.call(ctx, http.MethodPost, "/experiments/"+url.PathEscape(id)+"/publish", nil, nil, &s)
	return s, err
}

// variantBatch is the body of the batch variants route.
type variantBatch struct {
	Create []map[string]any `json:"create,omitempty"`
	Update []map[string]any `json:"update,omitempty"`
	Delete []map[string]any `json:"delete,omitempty"`
}

func (c *client) updateVariants(ctx context.Context, id string, b variantBatch) ([]variant, published, error) {
	var vs []variant
	pub, err := c.call(ctx, http.MethodPatch, "/experiments/"+url.PathEscape(id)+"/variants", nil, b, &vs)
	return vs, pub, err
}

// setAllocations replaces the experiment's allocations with as, a list of
// allocation or of maps with the same fields (a form's values as typed).
func (c *client) setAllocations(ctx context.Context, id string, as any) (published, error) {
	return c.call(ctx, http.MethodPut, "/experiments/"+url.PathEscape(id)+"/allocations", nil, map[string]any{"allocations": as}, nil)
}

func (c *client) audiences(ctx context.Context, envID string, pg, size int) (page[audience], error) {
	q := url.Values{}
	if envID != "" {
		q.Set("environmentId", envID)
	}
	var p page[audience]
	_, err := c.call(ctx, http.MethodGet, "/audiences", pageQuery(q, pg, size), nil, &p)
	return p, err
}

// allAudiences returns up to maxListed audiences of the environment (all
// environments when envID is empty), for the audience selects.
func (c *client) allAudiences(ctx context.Context, envID string) ([]audience, error) {
	var all []audience
	for pg := 1; pg <= maxListed/100; pg++ {
		p, err := c.audiences(ctx, envID, pg, 100)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Data...)
		if pg >= p.Pagination.TotalPages {
			break
		}
	}
	return all, nil
}

func (c *client) createAudience(ctx context.Context, body map[string]any) error {
	_, err := c.call(ctx, http.MethodPost, "/audiences", nil, body, nil)
	return err
}

func (c *client) updateAudience(ctx context.Context, id string, body map[string]any) (published, error) {
	return c.call(ctx, http.MethodPatch, "/audiences/"+url.PathEscape(id), nil, body, nil)
}

func (c *client) deleteAudience(ctx context.Context, id string) (published, error) {
	return c.call(ctx, http.MethodDelete, "/audiences/"+url.PathEscape(id), nil, nil, nil)
}

func (c *client) decide(ctx context.Context, user, env, contextJSON string) (decision, error) {
	q := url.Values{"user_key": {user}, "env": {env}}
	if contextJSON != "" {
		q.Set("context", contextJSON)
	}
	var d decision
	_, err := c.call(ctx, http.MethodGet, "/decide", q, nil, &d)
	return d, err
}

func pageQuery(q url.Values, pg, size int) url.Values {
	if q == nil {
		q = url.Values{}
	}
	q.Set("page", strconv.Itoa(max(pg, 1)))
	q.Set("pageSize", strconv.Itoa(size))
	return q
}

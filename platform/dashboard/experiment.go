package dashboard

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// experimentPage is the experiment page: details and lifecycle, variants,
// allocations, targeting and audience, publishing and its history. Each
// section's form shows the values and the message of its last failed
// submission.
type experimentPage struct {
	view
	E           experimentRow
	Transitions []string
	CanPublish  bool
	Archived    bool
	HeaderErr   string // status, publish and delete failures
	Details     detailsForm
	Variants    []variantView
	NewVariant  variantView
	Bar         bucketBar
	AllocRows   []allocRow
	AllocErr    string
	Rules       []ruleView
	Targeting   jsonField
	Audiences   []audience
	AudienceID  string
	AudienceErr string
	History     historyView
	Results     resultsView
}

type detailsForm struct {
	Name, Description string
	Err               string
	Open              bool
}

type variantView struct {
	ID, Key, Name string
	Payload       jsonField
	Compact       string // the stored payload on one line; "" for none
	Class         string // the colour class, c0..c9 by position
	Share         string // its buckets' share, "" for none
	Err           string
	Open          bool // the edit form is open: it failed
}

type allocRow struct {
	VariantID, Start, End string
}

// failure is a form that the API (or the dashboard's own check) refused:
// which one, why, and what was submitted.
type failure struct {
	form   string // "details", "header", "variant-new", "variant-<id>", "alloc", "targeting", "audience"
	err    string
	field  string // "payload" or "targeting" when the JSON text was wrong
	values url.Values
	status int
}

func (d *dashboard) experimentPage(w http.ResponseWriter, r *http.Request) {
	d.showExperiment(w, r, r.PathValue("id"), failure{})
}

func (d *dashboard) showExperiment(w http.ResponseWriter, r *http.Request, id string, f failure) {
	p := experimentPage{view: d.newView(w, r, "Experiment", "experiments")}
	if f.status != 0 {
		p.Status = f.status
	}
	ctx := r.Context()
	e, err := d.api.experiment(ctx, id)
	if err != nil {
		p.Error, p.Status = err.Error(), statusOf(err)
		d.render(w, "experiment", &p)
		return
	}
	p.E, p.Title = e, e.Name
	p.Transitions = transitions[e.Status]
	p.CanPublish = e.Status == "RUNNING" || e.Status == "PAUSED"
	p.Archived = e.Status == "ARCHIVED"
	if f.form == "header" {
		p.HeaderErr = f.err
	}
	p.fillDetails(f)
	p.fillVariants(f)
	p.fillAllocations(f)
	p.fillTargeting(f)
	if auds, err := d.api.allAudiences(ctx, e.EnvironmentID); err != nil {
		p.AudienceErr = "The audiences could not be listed: " + err.Error()
	} else {
		p.Audiences = auds
	}
	if e.AudienceID != nil {
		p.AudienceID = *e.AudienceID
	}
	if f.form == "audience" {
		p.AudienceID, p.AudienceErr = f.values.Get("audienceId"), f.err
	}
	p.History = d.historyOf(r, e)
	p.Results = d.resultsOf(r, e.ID)
	d.render(w, "experiment", &p)
}

func (p *experimentPage) fillDetails(f failure) {
	p.Details = detailsForm{Name: p.E.Name}
	if p.E.Description != nil {
		p.Details.Description = *p.E.Description
	}
	if f.form == "details" {
		p.Details = detailsForm{Name: f.values.Get("name"), Description: f.values.Get("description"), Err: f.err, Open: true}
	}
}

func (p *experimentPage) fillVariants(f failure) {
	shares := map[string]int{}
	for _, a := range p.E.Allocations {
		shares[a.VariantID] += a.RangeEnd - a.RangeStart + 1
	}
	for i, v := range p.E.Variants {
		vv := variantView{ID: v.ID, Key: v.Key, Name: v.Name, Payload: jsonField{Text: prettyJSON(v.Payload)}, Compact: compactJSON(v.Payload), Class: colour(i)}
		if n := shares[v.ID]; n > 0 {
			vv.Share = pct(n)
		}
		if f.form == "variant-"+v.ID {
			vv.Key, vv.Name, vv.Payload.Text, vv.Open = f.values.Get("key"), f.values.Get("name"), f.values.Get("payload"), true
			vv.setErr(f)
		}
		p.Variants = append(p.Variants, vv)
	}
	if f.form == "variant-new" {
		p.NewVariant = variantView{Key: f.values.Get("key"), Name: f.values.Get("name"), Payload: jsonField{Text: f.values.Get("payload")}, Open: true}
		p.NewVariant.setErr(f)
	}
}

func (v *variantView) setErr(f failure) {
	if f.field == "payload" {
		v.Payload.Error = f.err
	} else {
		v.Err = f.err
	}
}

// blankAllocRows is how many empty rows the allocation form offers below
// the existing allocations.
const blankAllocRows = 2

// maxAllocRows bounds the rows a submitted allocation form may have.
const maxAllocRows = 200

func (p *experimentPage) fillAllocations(f failure) {
	p.Bar = newBucketBar(p.E)
	if f.form == "alloc" {
		p.AllocRows, p.AllocErr = submittedRows(f.values), f.err
		return
	}
	for _, a := range p.E.Allocations {
		p.AllocRows = append(p.AllocRows, allocRow{VariantID: a.VariantID, Start: strconv.Itoa(a.RangeStart), End: strconv.Itoa(a.RangeEnd)})
	}
	for range blankAllocRows {
		p.AllocRows = append(p.AllocRows, allocRow{})
	}
}

// submittedRows reads the allocation form's rows: variant-N, start-N and
// end-N for N below rows.
func submittedRows(f url.Values) []allocRow {
	n, _ := strconv.Atoi(f.Get("rows"))
	n = min(max(n, 0), maxAllocRows)
	rows := make([]allocRow, 0, n)
	for i := range n {
		s := strconv.Itoa(i)
		rows = append(rows, allocRow{VariantID: f.Get("variant-" + s), Start: f.Get("start-" + s), End: f.Get("end-" + s)})
	}
	return rows
}

func (p *experimentPage) fillTargeting(f failure) {
	p.Rules = readableRules(p.E.TargetingRules)
	p.Targeting = jsonField{Text: prettyJSON(p.E.TargetingRules)}
	if f.form == "targeting" {
		p.Targeting = jsonField{Text: f.values.Get("targetingRules"), Error: f.err}
	}
}

// ---- the forms ----

func (d *dashboard) experimentPath(r *http.Request) string {
	return "/experiments/" + url.PathEscape(r.PathValue("id"))
}

// refuse shows the experiment page again with the form's failure; an API
// error keeps the API's status.
func (d *dashboard) refuse(w http.ResponseWriter, r *http.Request, form string, err error) {
	d.showExperiment(w, r, r.PathValue("id"), failure{form: form, err: err.Error(), values: r.PostForm, status: statusOf(err)})
}

func (d *dashboard) editDetails(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	body := map[string]any{"name": f.Get("name")}
	// A description can be emptied but, as in the API, not removed.
	if desc := f.Get("description"); desc != "" || f.Get("hadDescription") == "yes" {
		body["description"] = desc
	}
	if _, err := d.api.updateExperiment(r.Context(), r.PathValue("id"), body); err != nil {
		d.refuse(w, r, "details", err)
		return
	}
	d.done(w, r, d.experimentPath(r), flash{Text: "Saved the name and description."})
}

func (d *dashboard) setStatus(w http.ResponseWriter, r *http.Request) {
	to := r.PostForm.Get("status")
	pub, err := d.api.setStatus(r.Context(), r.PathValue("id"), to)
	if err != nil {
		d.refuse(w, r, "header", err)
		return
	}
	d.done(w, r, d.experimentPath(r), publishFlash("The experiment is now "+to+".", pub))
}

func (d *dashboard) publish(w http.ResponseWriter, r *http.Request) {
	snap, err := d.api.publish(r.Context(), r.PathValue("id"))
	if err != nil {
		d.refuse(w, r, "header", err)
		return
	}
	d.done(w, r, d.experimentPath(r), flash{Text: "Published version " + strconv.FormatInt(snap.Version, 10) + " of environment " + quote(snap.Environment) + "."})
}

func (d *dashboard) deleteExperiment(w http.ResponseWriter, r *http.Request) {
	if r.PostForm.Get("confirm") != "yes" {
		d.refuse(w, r, "header", inputError("tick the box to confirm the deletion"))
		return
	}
	pub, err := d.api.deleteExperiment(r.Context(), r.PathValue("id"))
	if err != nil {
		d.refuse(w, r, "header", err)
		return
	}
	d.done(w, r, "/experiments", publishFlash("Deleted the experiment.", pub))
}

// variantFields reads a variant form: key, name and the payload, which
// must be blank or a JSON object.
func variantFields(f url.Values) (key, name string, payload json.RawMessage, err error) {
	payload, err = parseJSONField("The payload", f.Get("payload"), "object")
	return f.Get("key"), f.Get("name"), payload, err
}

func (d *dashboard) addVariant(w http.ResponseWriter, r *http.Request) {
	key, name, payload, err := variantFields(r.PostForm)
	if err != nil {
		d.showExperiment(w, r, r.PathValue("id"), failure{form: "variant-new", field: "payload", err: err.Error(), values: r.PostForm, status: http.StatusBadRequest})
		return
	}
	item := map[string]any{"key": key, "name": name}
	if payload != nil {
		item["payload"] = payload
	}
	_, pub, err := d.api.updateVariants(r.Context(), r.PathValue("id"), variantBatch{Create: []map[string]any{item}})
	if err != nil {
		d.refuse(w, r, "variant-new", err)
		return
	}
	d.done(w, r, d.experimentPath(r), publishFlash("Added variant "+quote(key)+".", pub))
}

// editVariant saves a variant's name and payload (a blank payload is
// null: a nil json.RawMessage encodes as null). The API cannot change a key, so a new key replaces the variant:
// one batch deletes it and creates one with the new key, and the
// allocations that named the old variant are moved to the new one.
func (d *dashboard) editVariant(w http.ResponseWriter, r *http.Request) {
	form := "variant-" + r.PathValue("vid")
	key, name, payload, err := variantFields(r.PostForm)
	if err != nil {
		d.showExperiment(w, r, r.PathValue("id"), failure{form: form, field: "payload", err: err.Error(), values: r.PostForm, status: http.StatusBadRequest})
		return
	}
	ctx, id, vid := r.Context(), r.PathValue("id"), r.PathValue("vid")
	e, err := d.api.experiment(ctx, id)
	if err != nil {
		d.refuse(w, r, form, err)
		return
	}
	var old *variant
	for i := range e.Variants {
		if e.Variants[i].ID == vid {
			old = &e.Variants[i]
		}
	}
	if old == nil {
		d.refuse(w, r, form, &apiError{Status: http.StatusNotFound, Message: "Variant not found"})
		return
	}
	if key == old.Key {
		_, pub, err := d.api.updateVariants(ctx, id, variantBatch{Update: []map[string]any{{"id": vid, "name": name, "payload": payload}}})
		if err != nil {
			d.refuse(w, r, form, err)
			return
		}
		d.done(w, r, d.experimentPath(r), publishFlash("Saved variant "+quote(key)+".", pub))
		return
	}
	item := map[string]any{"key": key, "name": name}
	if payload != nil {
		item["payload"] = payload
	}
	vs, pub, err := d.api.updateVariants(ctx, id, variantBatch{Delete: []map[string]any{{"id": vid}}, Create: []map[string]any{item}})
	if err != nil {
		d.refuse(w, r, form, err)
		return
	}
	msg := "Renamed variant " + quote(old.Key) + " to " + quote(key) + " (it has a new id)."
	if pub2, moved, err := d.moveAllocations(r, e, vid, key, vs); err != nil {
		d.done(w, r, d.experimentPath(r), flash{Warn: true, Text: msg + " Moving its allocations to the new variant failed: " + err.Error()})
		return
	} else if moved {
		msg += " Its allocations moved with it."
		pub = pub2
	}
	d.done(w, r, d.experimentPath(r), publishFlash(msg, pub))
}

// moveAllocations points the allocations of the deleted variant oldID at
// the variant with key newKey in vs.
func (d *dashboard) moveAllocations(r *http.Request, e experimentRow, oldID, newKey string, vs []variant) (published, bool, error) {
	newID := ""
	for _, v := range vs {
		if v.Key == newKey {
			newID = v.ID
		}
	}
	as := make([]allocation, 0, len(e.Allocations))
	moved := false
	for _, a := range e.Allocations {
		if a.VariantID == oldID {
			a.VariantID, moved = newID, true
		}
		as = append(as, allocation{VariantID: a.VariantID, RangeStart: a.RangeStart, RangeEnd: a.RangeEnd})
	}
	if !moved || newID == "" {
		return published{}, false, nil
	}
	pub, err := d.api.setAllocations(r.Context(), e.ID, as)
	return pub, err == nil, err
}

func (d *dashboard) deleteVariant(w http.ResponseWriter, r *http.Request) {
	vid := r.PathValue("vid")
	_, pub, err := d.api.updateVariants(r.Context(), r.PathValue("id"), variantBatch{Delete: []map[string]any{{"id": vid}}})
	if err != nil {
		d.refuse(w, r, "variant-"+vid, err)
		return
	}
	d.done(w, r, d.experimentPath(r), publishFlash("Deleted the variant.", pub))
}

// setAllocations sends the form's rows as typed (rows with no start and
// no end are skipped), so the platform's validation decides and its
// messages are the ones shown.
func (d *dashboard) setAllocations(w http.ResponseWriter, r *http.Request) {
	as := []map[string]any{}
	for _, row := range submittedRows(r.PostForm) {
		if row.Start == "" && row.End == "" {
			continue
		}
		as = append(as, map[string]any{"variantId": row.VariantID, "rangeStart": formNumber(row.Start), "rangeEnd": formNumber(row.End)})
	}
	pub, err := d.api.setAllocations(r.Context(), r.PathValue("id"), as)
	if err != nil {
		d.refuse(w, r, "alloc", err)
		return
	}
	d.done(w, r, d.experimentPath(r), publishFlash("Saved the allocations.", pub))
}

// splitEvenly allocates the 10000 buckets to the variants in equal
// contiguous ranges, in variant order: two variants get 0-4999 and
// 5000-9999.
func (d *dashboard) splitEvenly(w http.ResponseWriter, r *http.Request) {
	e, err := d.api.experiment(r.Context(), r.PathValue("id"))
	if err != nil {
		d.refuse(w, r, "alloc", err)
		return
	}
	if len(e.Variants) == 0 {
		d.refuse(w, r, "alloc", inputError("add variants before splitting the buckets between them"))
		return
	}
	pub, err := d.api.setAllocations(r.Context(), e.ID, evenSplit(e.Variants))
	if err != nil {
		d.refuse(w, r, "alloc", err)
		return
	}
	d.done(w, r, d.experimentPath(r), publishFlash("Split the buckets evenly between "+plural(len(e.Variants), "variant", "variants")+".", pub))
}

func evenSplit(vs []variant) []allocation {
	as := make([]allocation, 0, len(vs))
	start := 0
	for i, v := range vs {
		size := buckets / len(vs)
		if i < buckets%len(vs) {
			size++
		}
		as = append(as, allocation{VariantID: v.ID, RangeStart: start, RangeEnd: start + size - 1})
		start += size
	}
	return as
}

func (d *dashboard) setTargeting(w http.ResponseWriter, r *http.Request) {
	rules, err := parseJSONField("The targeting rules", r.PostForm.Get("targetingRules"), "array")
	if err != nil {
		d.showExperiment(w, r, r.PathValue("id"), failure{form: "targeting", err: err.Error(), values: r.PostForm, status: http.StatusBadRequest})
		return
	}
	if rules == nil {
		rules = json.RawMessage("[]")
	}
	pub, err := d.api.updateExperiment(r.Context(), r.PathValue("id"), map[string]any{"targetingRules": rules})
	if err != nil {
		d.refuse(w, r, "targeting", err)
		return
	}
	d.done(w, r, d.experimentPath(r), publishFlash("Saved the targeting rules.", pub))
}

func (d *dashboard) setAudience(w http.ResponseWriter, r *http.Request) {
	var aud any // null detaches
	if a := r.PostForm.Get("audienceId"); a != "" {
		aud = a
	}
	pub, err := d.api.updateExperiment(r.Context(), r.PathValue("id"), map[string]any{"audienceId": aud})
	if err != nil {
		d.refuse(w, r, "audience", err)
		return
	}
	msg := "Detached the audience."
	if aud != nil {
		msg = "Set the audience."
	}
	d.done(w, r, d.experimentPath(r), publishFlash(msg, pub))
}

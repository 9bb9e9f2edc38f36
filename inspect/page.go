package inspect

import "html/template"

// pageTemplate renders a *page. It has no script, loads nothing, and uses
// only relative links ("?", "#exp-N") and a form without an action, so it
// works under any mount prefix.
var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>` + pageCSS + `</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
{{- if .Config}}
<dl class="meta">
<div><dt>Environment</dt><dd>{{if .Env}}{{.Env}}{{else}}<span class="none">none</span>{{end}}</dd></div>
<div><dt>Config version</dt><dd>{{.Version}}</dd></div>
<div><dt>Experiments</dt><dd>{{len .Experiments}} ({{.Running}} running)</dd></div>
<div><dt>Group salt</dt><dd><code>{{printf "%q" .GroupSalt}}</code></dd></div>
{{- with .Status}}
<div><dt>Source</dt><dd><code>{{.Source}}</code></dd></div>
<div><dt>Loaded</dt><dd>{{if .LoadedAt}}{{.LoadedAt}}{{else}}<span class="none">never</span>{{end}}</dd></div>
{{- end}}
</dl>
{{- else}}
<p class="alert">No config is loaded.</p>
{{- end}}
{{- with .Status}}
{{- if .Fallback}}
<p class="alert">The fallback config is serving: no config has loaded from <code>{{.Source}}</code> yet.</p>
{{- end}}
{{- if .LastError}}
<div class="alert" id="last-error"><strong>Last reload failed</strong>{{if .LastErrorAt}} at {{.LastErrorAt}}{{end}}; the config above keeps serving.
<pre>{{.LastError}}</pre></div>
{{- end}}
{{- end}}
</header>

<form method="get" class="ask">
<label>User id <input name="user" value="{{with .Query}}{{.User}}{{end}}" placeholder="user-123" size="18"></label>
<label class="wide">Attributes (JSON object) <input name="attrs" value="{{with .Query}}{{.Attrs}}{{end}}" placeholder='{"country": "US", "plan": "pro"}' size="50"></label>
<label>At (RFC 3339, optional) <input name="at" value="{{with .Query}}{{.At}}{{end}}" placeholder="2026-03-01T09:00:00Z" size="22"></label>
<button type="submit">Explain</button>
{{- if .Query}} <a href="?">clear</a>{{end}}
</form>

{{- with .Query}}
{{- if .Error}}
<p class="alert" id="query-error">{{.Error}}</p>
{{- end}}
{{- end}}

{{- if and .Query (not .Query.Error) .Config}}
<section class="answer" id="answer">
<h2>User <code>{{printf "%q" .Query.User}}</code>{{if .Query.Shown}} with <code>{{.Query.Shown}}</code>{{end}}: in {{.Query.On}} of {{len .Experiments}}</h2>
<table>
<thead><tr><th>Experiment</th><th>Variant</th><th>Reason</th><th>Why</th></tr></thead>
<tbody>
{{- range .Experiments}}
<tr{{if .Duplicate}} class="dim"{{end}}><td><a href="#{{.Anchor}}">{{.Key}}</a></td>
{{- with .Result}}
<td>{{if .On}}<span class="chip {{.Class}}">{{.Variant}}</span>{{else}}<span class="none">off</span>{{end}}</td><td><span class="reason {{if .On}}on{{else}}off{{end}}">{{.Reason}}</span></td><td>{{.Detail}}</td>
{{- else}}
<td colspan="3" class="none">duplicate key: evaluation by name uses the first experiment with this key</td>
{{- end}}</tr>
{{- end}}
</tbody>
</table>
</section>
{{- end}}

{{- if .Warnings}}
<details class="warnings"><summary>{{len .Warnings}} config warning{{if ne (len .Warnings) 1}}s{{end}}</summary>
<ul>{{range .Warnings}}<li>{{.}}</li>{{end}}</ul>
</details>
{{- end}}

{{- range .Experiments}}
<section class="exp{{if not .Running}} stopped{{end}}" id="{{.Anchor}}">
<h2><span class="key">{{.Key}}</span> <span class="badge {{if .Running}}running{{else}}off{{end}}">{{if .Running}}running{{else}}not running{{end}}</span></h2>
<dl class="kv">
{{- if .ID}}<div><dt>id</dt><dd><code>{{.ID}}</code></dd></div>{{end}}
<div><dt>salt</dt><dd><code>{{printf "%q" .Salt}}</code></dd></div>
</dl>
{{- if .Design}}
<ul class="design">{{range .Design}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
{{- if .Duplicate}}
<p class="note">An earlier experiment has the same key: evaluating by name uses the first one, never this one.</p>
{{- end}}
{{- if not .Running}}
<p class="note">Not running (status other than running, or written as false): nobody is assigned.</p>
{{- end}}
{{- with .Result}}
<p class="result {{if .On}}on{{else}}off{{end}}">{{if .On}}Gets <span class="chip {{.Class}}">{{.Variant}}</span>{{else}}Off{{end}}
<span class="reason {{if .On}}on{{else}}off{{end}}">{{.Reason}}</span> {{.Detail}}
{{- if .Rule}}<br>Matched targeting rule: <code>{{.Rule}}</code>{{end}}</p>
{{- end}}

<div class="rules">
{{- if .Rules}}
{{- range .Rules}}
<div class="rulegroup"><span class="label">{{.Label}}</span>
<ol>{{range .Rules}}<li{{if .Matched}} class="matched"{{end}}>{{if .Conds}}{{range $i, $c := .Conds}}{{if $i}} <span class="and">AND</span> {{end}}<code>{{$c}}</code>{{end}}{{else}}<span class="none">no conditions: matches everyone</span>{{end}}</li>{{end}}</ol>
{{- if gt (len .Rules) 1}}<span class="hint">any rule may match (OR); all conditions of a rule must (AND)</span>{{end}}
</div>
{{- end}}
{{- else}}
<div class="rulegroup"><span class="label">targeting</span> <span class="none">none: every user qualifies</span></div>
{{- end}}
</div>

{{template "bar" .Bar}}
{{- with .GroupBar}}
{{template "bar" .}}
{{- end}}

<ul class="legend">
{{- range .Variants}}
<li{{if .Chosen}} class="chosen"{{end}}><span class="swatch {{.Class}}"></span><strong>{{.Key}}</strong>{{if .ID}} <code class="dim">{{.ID}}</code>{{end}}
{{- if .Share}} <span class="share">{{.Share}} of buckets</span>{{end}}
{{- if .GShare}} <span class="share">{{.GShare}} of group buckets</span>{{end}}
{{- if .Payload}} <code class="payload">{{.Payload}}</code>{{else}} <span class="none">no payload</span>{{end}}</li>
{{- end}}
{{- if .Gap}}
<li><span class="swatch gap"></span><strong>unassigned</strong> <span class="share">{{.Gap}} of buckets</span> <span class="none">no variant{{if .ByUser}}, unless a group or user id assigns one{{end}}</span></li>
{{- end}}
</ul>
{{- if or .Notes .Shadowed}}
<ul class="notes">
{{- range .Notes}}
<li><span class="chip {{.Class}}">{{.Label}}</span> {{.Text}}</li>
{{- end}}
{{- range .Shadowed}}
<li class="dim">{{.}}</li>
{{- end}}
</ul>
{{- end}}
</section>
{{- else}}
{{- if .Config}}
<p class="none">The config has no experiments.</p>
{{- end}}
{{- end}}
<footer>Allocations are tried in order and the first that holds the user wins; within one, user ids and group percentages come before its own percentage ranges. Buckets are <code>murmur3(user:salt) mod 10000</code>.</footer>
</body>
</html>
{{define "bar"}}
<figure class="bucketbar{{if .Marker}} marked{{end}}">
<figcaption>{{.Label}}</figcaption>
<div class="bar{{if .Off}} faded{{end}}">
{{- range .Segments}}
<div class="seg {{.Class}}" style="{{.Style}}" title="{{.Title}}">{{if .Wide}}{{.Label}}{{end}}</div>
{{- end}}
{{- with .Marker}}
<div class="mark{{if .Right}} right{{end}}" style="{{.Style}}" title="the user's bucket: {{.Bucket}}"><span>{{.Bucket}}</span></div>
{{- end}}
</div>
<div class="axis"><span>0</span><span>2500</span><span>5000</span><span>7500</span><span>10000</span></div>
</figure>
{{end}}`

const pageCSS = `
*{box-sizing:border-box}
body{margin:0 auto;max-width:1160px;padding:20px 28px 40px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d232b;background:#f6f7f9}
h1{font-size:22px;margin:0 0 10px}
h2{font-size:16px;margin:0 0 8px}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
pre{white-space:pre-wrap;word-break:break-word;margin:6px 0 0}
a{color:#1f5fbf}
.none{color:#7a8491;font-style:italic}
.dim{color:#7a8491}
.meta{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0 0 14px}
.meta div,.kv div{display:flex;gap:6px;align-items:baseline}
dt{color:#5d6875}
dt:after{content:":"}
dd{margin:0;font-weight:600}
.kv{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0 0 8px}
.kv dd{font-weight:normal}
.alert{background:#fdecea;border:1px solid #f2b8b5;color:#7d1d17;border-radius:6px;padding:8px 12px;margin:0 0 12px}
.ask{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:flex-end;background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:12px 14px;margin:0 0 14px}
.ask label{display:flex;flex-direction:column;gap:3px;color:#5d6875;font-size:12.5px}
.ask label.wide{flex:1 1 320px}
.ask input{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:6px 8px;border:1px solid #b9c0c8;border-radius:5px;color:#1d232b;width:100%}
.ask button{font:inherit;font-weight:600;padding:6px 16px;border:1px solid #1f5fbf;background:#1f5fbf;color:#fff;border-radius:5px}
.answer,.exp,.warnings{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 16px;margin:0 0 14px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #edf0f2;vertical-align:top}
th{color:#5d6875;font-weight:600;font-size:12.5px}
tr.dim td{color:#7a8491}
.warnings summary{font-weight:600;color:#8a5a00}
.warnings ul{margin:8px 0 0;padding-left:20px}
.exp h2 .key{font-size:17px;word-break:break-all}
.exp.stopped{background:#fafbfc}
.badge{display:inline-block;font-size:11.5px;font-weight:600;padding:1px 8px;border-radius:10px;vertical-align:2px}
.badge.running{background:#e3f4e6;color:#1e6b2f}
.badge.off{background:#eceef1;color:#5d6875}
.note{color:#5d6875;margin:0 0 8px}
.result{margin:0 0 10px;padding:7px 10px;border-radius:6px;border-left:4px solid #2e8b47;background:#f1f9f3}
.result.off{border-left-color:#9aa3ad;background:#f4f5f7}
.reason{display:inline-block;white-space:nowrap;font:600 11.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:0 6px;border-radius:4px;margin:0 4px}
.reason.on{background:#d7efdc;color:#1e6b2f}
.reason.off{background:#e4e7eb;color:#4b5560}
.chip{display:inline-block;font-weight:600;font-size:12.5px;padding:0 7px;border-radius:4px}
.rules{margin:0 0 6px}
.rulegroup{margin:0 0 6px}
.rulegroup .label{color:#5d6875;font-weight:600;font-size:12.5px}
.rulegroup ol{margin:2px 0 2px;padding-left:24px}
.rulegroup li.matched{background:#f1f9f3;outline:1px solid #bfe3c7;border-radius:4px}
.rulegroup li.matched:after{content:" \2190 matched";color:#1e6b2f;font-weight:600;font-size:12px}
.and{color:#5d6875;font-size:11.5px;font-weight:600}
.hint{color:#7a8491;font-size:12px}
.bucketbar{margin:12px 0 4px}
.bucketbar figcaption{color:#5d6875;font-size:12px;margin:0 0 5px}
.bucketbar.marked figcaption{margin-bottom:20px}
.bar{position:relative;height:30px;border:1px solid #aeb6bf;border-radius:4px;background:#f3f4f6 repeating-linear-gradient(135deg,transparent 0 6px,#e3e6ea 6px 12px)}
.bar.faded .seg{opacity:.35}
.seg{position:absolute;top:0;bottom:0;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;padding:0 6px;font-size:12px;font-weight:600;line-height:30px;box-shadow:inset -1px 0 0 rgba(255,255,255,.85)}
.seg.all{background-image:repeating-linear-gradient(45deg,rgba(255,255,255,.28) 0 5px,transparent 5px 10px)}
.mark{position:absolute;top:-7px;bottom:-7px;width:0;border-left:2px solid #111;margin-left:-1px}
.mark span{position:absolute;top:-15px;left:3px;font:600 11px/1 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#111;color:#fff;padding:1px 4px;border-radius:3px;white-space:nowrap}
.mark.right span{left:auto;right:3px}
.axis{display:flex;justify-content:space-between;color:#7a8491;font-size:11px;margin-top:9px}
.legend,.notes{list-style:none;margin:8px 0 0;padding:0}
.design{margin:0 0 8px;padding-left:18px;color:#3d4650}
.legend li,.notes li{margin:3px 0}
.legend li.chosen{font-weight:600}
.legend li.chosen:after{content:" \2190 the user's variant";color:#1e6b2f;font-size:12px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;vertical-align:-1px;margin-right:6px}
.swatch.gap{border:1px solid #aeb6bf;background:repeating-linear-gradient(135deg,#f3f4f6 0 3px,#d5d9de 3px 6px)}
.share{color:#5d6875;margin:0 6px}
.payload{background:#f3f4f6;border-radius:4px;padding:1px 5px;word-break:break-all}
footer{color:#7a8491;font-size:12px;margin-top:18px}
.c0{background:#4e79a7;color:#fff}.c1{background:#f28e2b;color:#1d232b}.c2{background:#59a14f;color:#fff}
.c3{background:#e15759;color:#fff}.c4{background:#76b7b2;color:#1d232b}.c5{background:#edc948;color:#1d232b}
.c6{background:#b07aa1;color:#fff}.c7{background:#ff9da7;color:#1d232b}.c8{background:#9c755f;color:#fff}
.c9{background:#bab0ac;color:#1d232b}
.cx{background:#5d6875 repeating-linear-gradient(45deg,transparent 0 4px,rgba(255,255,255,.25) 4px 8px);color:#fff}
`

package dashboard

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/inprocess/experiment/analysis/analyze"
)

// stylePath is where the dashboard serves its one stylesheet; the pages'
// Content-Security-Policy allows no other style.
const stylePath = "/static/dashboard.css"

var styleETag = func() string {
	sum := sha256.Sum256([]byte(styleCSS))
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

func serveStyle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "dashboard: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", styleETag)
	if strings.Contains(r.Header.Get("If-None-Match"), styleETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write([]byte(styleCSS))
}

// styleCSS is the dashboard's stylesheet, the results' plots included.
var styleCSS = baseCSS + resultsCSS + analyze.PlotCSS

const baseCSS = `*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d232b;background:#f6f7f9}
main{max-width:1160px;margin:0 auto;padding:18px 28px 48px}
h1{font-size:21px;margin:0 0 12px}
h2{font-size:16px;margin:0 0 10px}
h3{font-size:14px;margin:0 0 8px;color:#3a434d}
a{color:#1f5fbf}
code,.mono,textarea.mono,input.mono{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
.none{color:#7a8491;font-style:italic}
.dim{color:#7a8491}
.hint{color:#6b7480;font-size:12.5px;margin:4px 0}
.note{color:#5d6875;background:#fff8e6;border:1px solid #f1dca4;border-radius:6px;padding:6px 10px}
.top{display:flex;align-items:center;gap:22px;background:#1d232b;color:#fff;padding:10px 28px}
.top a{color:#d5dbe2;text-decoration:none}
.top .brand{font-weight:700;color:#fff;font-size:15px}
.top nav{display:flex;gap:16px;flex:1}
.top nav a.on{color:#fff;border-bottom:2px solid #6ea8ff;padding-bottom:2px}
.top .logout{margin:0}
.top .logout button{color:#d5dbe2}
.card{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 16px;margin:0 0 14px}
.card.narrow{max-width:420px;margin:40px auto}
.title{display:flex;align-items:center;justify-content:space-between;gap:12px;flex-wrap:wrap}
.title h1,.title h2{margin:0 0 8px}
.actions{display:flex;gap:8px;flex-wrap:wrap}
.actions form{margin:0}
.alert{background:#fdecea;border:1px solid #f2b8b5;color:#7d1d17;border-radius:6px;padding:8px 12px;margin:0 0 12px;white-space:pre-wrap;word-break:break-word}
.alert.inline{margin:8px 0 0}
.flash{background:#e3f4e6;border:1px solid #b5dfbf;color:#1e5b2c;border-radius:6px;padding:8px 12px;margin:0 0 12px}
.flash.warn{background:#fff4e0;border-color:#f0cf8e;color:#74480b}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #edf0f2;vertical-align:top}
th{color:#5d6875;font-weight:600;font-size:12.5px}
td.right{text-align:right}
tr.editrow td{border-bottom:1px solid #dde1e6;padding-top:0}
tr.this td{background:#eef5ff}
tr.disagree td{background:#fdecea}
form{margin:0}
label{display:flex;flex-direction:column;gap:3px;color:#5d6875;font-size:12.5px}
label.check{flex-direction:row;align-items:center;gap:6px;color:#1d232b;font-size:13px}
input,select,textarea{font:inherit;font-size:13px;padding:6px 8px;border:1px solid #b9c0c8;border-radius:5px;color:#1d232b;background:#fff}
textarea{width:100%;resize:vertical}
.bad{border-color:#d9534f;background:#fff7f7}
button,.button{font:inherit;font-weight:600;font-size:13px;padding:6px 14px;border:1px solid #1f5fbf;background:#1f5fbf;color:#fff;border-radius:5px;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#fff;color:#1f5fbf}
button.danger{background:#c9302c;border-color:#c9302c}
button.link{background:none;border:none;padding:0;color:#1f5fbf;font-weight:normal}
button.link.danger{color:#c9302c}
button.t-running{background:#2e8b47;border-color:#2e8b47}
button.t-paused{background:#d08b00;border-color:#d08b00}
button.t-archived{background:#fff;color:#c9302c;border-color:#c9302c}
.row{display:flex;flex-wrap:wrap;gap:10px 14px;align-items:flex-end;margin:8px 0 0}
.row label.wide{flex:1 1 300px}
.stack{display:flex;flex-direction:column;gap:10px;align-items:stretch;margin:8px 0 0}
.stack button{align-self:flex-start}
.card.row,.card.stack{margin:0 0 14px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:10px 14px;margin:8px 0}
.grid .wide{grid-column:1 / -1}
.grid button{justify-self:start}
.inline-form{display:inline}
details.edit{margin:10px 0 0}
details.edit summary,details summary{cursor:pointer;color:#1f5fbf;font-size:13px}
details.danger summary{color:#c9302c}
.kv{display:flex;flex-wrap:wrap;gap:4px 22px;margin:6px 0}
.kv div{display:flex;gap:6px;align-items:baseline}
dt{color:#5d6875}
dt:after{content:":"}
dd{margin:0}
.desc{margin:6px 0;color:#3a434d}
.badge{display:inline-block;font-size:11.5px;font-weight:600;padding:1px 8px;border-radius:10px;vertical-align:3px;background:#eceef1;color:#5d6875}
.badge.s-running{background:#e3f4e6;color:#1e6b2f}
.badge.s-paused{background:#fff1d6;color:#7a5200}
.badge.s-archived{background:#f4e3e3;color:#7d1d17}
.badge.s-reshuffle{background:#fdecea;color:#7d1d17}
.stats{display:flex;gap:14px;margin:0 0 14px}
.stat{flex:1;background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:14px 16px;color:#5d6875;text-decoration:none}
.stat strong{display:block;font-size:26px;color:#1d232b}
.pager{display:flex;gap:16px;align-items:center;margin:10px 0 0;color:#5d6875}
.split{display:grid;grid-template-columns:1fr 1fr;gap:24px}
.rules{margin:2px 0 6px;padding-left:22px}
.and{color:#5d6875;font-size:11.5px;font-weight:600}
.payload{background:#f3f4f6;border-radius:4px;padding:1px 5px;word-break:break-all}
.bucketbar{margin:4px 0 8px}
svg.bar{display:block;border:1px solid #aeb6bf;border-radius:4px}
svg.bar rect.empty{fill:#eef0f3}
svg.bar rect.seg{stroke:#fff;stroke-width:1}
svg.bar text.label{font:600 12px system-ui,sans-serif;fill:#fff}
svg.bar text.label.c1,svg.bar text.label.c4,svg.bar text.label.c5,svg.bar text.label.c7,svg.bar text.label.c9{fill:#1d232b}
.axis{display:flex;justify-content:space-between;color:#7a8491;font-size:11px;margin-top:3px}
.legend{list-style:none;margin:4px 0 10px;padding:0;display:flex;flex-wrap:wrap;gap:4px 18px}
.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;vertical-align:-1px;margin-right:6px;background:#ccc}
.swatch.gap{border:1px solid #aeb6bf;background:#eef0f3}
table.alloc{width:auto}
table.alloc td,table.alloc th{border:none;padding:3px 8px 3px 0}
.chip{display:inline-block;font-weight:600;font-size:12.5px;padding:0 7px;border-radius:4px;background:#ccc}
.reason{display:inline-block;font:600 11.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:0 6px;border-radius:4px;background:#e4e7eb;color:#4b5560}
.reason.on{background:#d7efdc;color:#1e6b2f}
.diff{margin:12px 0 0}
.c0{background:#4e79a7;fill:#4e79a7;color:#fff}.c1{background:#f28e2b;fill:#f28e2b}.c2{background:#59a14f;fill:#59a14f;color:#fff}
.c3{background:#e15759;fill:#e15759;color:#fff}.c4{background:#76b7b2;fill:#76b7b2}.c5{background:#edc948;fill:#edc948}
.c6{background:#b07aa1;fill:#b07aa1;color:#fff}.c7{background:#ff9da7;fill:#ff9da7}.c8{background:#9c755f;fill:#9c755f;color:#fff}
.c9{background:#bab0ac;fill:#bab0ac}.cx{background:#5d6875;fill:#5d6875;color:#fff}
svg.bar text.label.c0,svg.bar text.label.c2,svg.bar text.label.c3,svg.bar text.label.c6,svg.bar text.label.c8,svg.bar text.label.cx{fill:#fff}
@media (max-width:760px){.split,.grid{grid-template-columns:1fr}}
`

// resultsCSS styles the results section around analyze's fragment.
const resultsCSS = `#results .settings{color:#5d6875}
#results .status{padding:6px 10px;border-radius:6px;margin:6px 0;background:#f6f7f9}
#results .status.bad{background:#ffebe9;color:#82071e}
#results .status.warn{background:#fff8c5;color:#4d2d00}
#results h2{font-size:15px;margin:18px 0 6px}
#results table.results td,#results table.traffic td{text-align:right}
#results table.results td:first-child,#results table.traffic td:first-child{text-align:left}
#results .metric-row{display:flex;gap:8px;align-items:center;margin:4px 0}
`

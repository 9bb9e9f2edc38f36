package analyze

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
)

// The report's two plots, drawn as inline SVG so that the page needs
// nothing from the network.

// scale maps [lo, hi] onto [a, b] pixels.
type scale struct{ lo, hi, a, b float64 }

func (s scale) at(x float64) float64 {
	if s.hi == s.lo {
		return (s.a + s.b) / 2
	}
	return s.a + (x-s.lo)/(s.hi-s.lo)*(s.b-s.a)
}

// ticks returns round values (1, 2 or 5 × 10^k apart) covering [lo, hi].
func ticks(lo, hi float64, want int) []float64 {
	if !(hi > lo) {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(want)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []float64
	for t := math.Ceil(lo/step) * step; t <= hi+step*1e-9; t += step {
		v := math.Round(t/step) * step
		if math.Abs(v) < step*1e-9 {
			v = 0 // not -0, which prints as "-0.0%"
		}
		out = append(out, v)
	}
	return out
}

// bounds returns the range the plot must show: the values, 0, and some
// room.
func bounds(vals []float64) (float64, float64) {
	lo, hi := 0.0, 0.0
	for _, v := range vals {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo == hi {
		return -1e-3, 1e-3
	}
	pad := (hi - lo) * 0.08
	return lo - pad, hi + pad
}

type svgBuilder struct{ strings.Builder }

func (b *svgBuilder) f(format string, args ...any) { fmt.Fprintf(b, format, args...) }

func (b *svgBuilder) text(x, y float64, anchor, class, s string) {
	b.f(`<text x="%.1f" y="%.1f" text-anchor="%s" class="%s">%s</text>`, x, y, anchor, class, html.EscapeString(s))
}

// color is green for an interval above 0, red below, grey across it.
func color(res Result) string {
	switch {
	case res.Lower != nil && *res.Lower > 0:
		return "#1a7f37"
	case res.Upper != nil && *res.Upper < 0:
		return "#cf222e"
	}
	return "#6e7781"
}

// intervalPlot draws each variant's interval against the control as a
// bar with a dot at the estimate, around a line at 0.
func (r *Report) intervalPlot(m Metric) template.HTML {
	const width, left, right, row, top = 640.0, 130.0, 20.0, 34.0, 10.0
	var vals []float64
	for _, res := range m.Results {
		if res.Problem != "" {
			continue
		}
		vals = append(vals, res.Effect)
		for _, p := range []*float64{res.Lower, res.Upper} {
			if p != nil {
				vals = append(vals, *p)
			}
		}
	}
	lo, hi := bounds(vals)
	x := scale{lo, hi, left, width - right}
	height := top + row*float64(len(m.Results)) + 34
	var b svgBuilder
	b.f(`<svg class="plot intervals" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f">`, width, height, width, height)
	b.f(`<title>%s: effect of each variant against %s, with its %s interval</title>`, html.EscapeString(m.Metric), html.EscapeString(r.Control), r.level())
	axisY := top + row*float64(len(m.Results))
	for _, t := range ticks(lo, hi, 5) {
		b.f(`<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, x.at(t), x.at(t), top, axisY)
		b.text(x.at(t), axisY+16, "middle", "tick", r.effect(t))
	}
	b.f(`<line class="zero" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, x.at(0), x.at(0), top-4, axisY)
	for i, res := range m.Results {
		y := top + row*float64(i) + row/2
		b.text(left-10, y+4, "end", "label", res.Variant)
		if res.Problem != "" {
			b.text(left+6, y+4, "start", "note", res.Explanation)
			continue
		}
		x1, x2 := x.a, x.b
		if res.Lower != nil {
			x1 = x.at(*res.Lower)
		}
		if res.Upper != nil {
			x2 = x.at(*res.Upper)
		}
		c := color(res)
		b.f(`<line class="bar" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s"/>`, x1, x2, y, y, c)
		b.f(`<circle class="estimate" cx="%.1f" cy="%.1f" r="5" fill="%s"><title>%s %s %s</title></circle>`,
			x.at(res.Effect), y, c, html.EscapeString(res.Variant), r.effect(res.Effect), r.interval(res))
	}
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// palette colours the variants of the cumulative plot.
var palette = []string{"#0969da", "#bf3989", "#9a6700", "#1a7f37", "#8250df", "#cf222e"}

// cumulativePlot draws each variant's effect against the control, and its
// interval as a band, as users accumulated day by day.
func (r *Report) cumulativePlot(m Metric) template.HTML {
	const width, height, left, right, top, bottom = 640.0, 260.0, 70.0, 20.0, 14.0, 40.0
	var vals []float64
	for _, p := range m.Cumulative {
		for _, res := range p.Results {
			if res.Problem == "" {
				vals = append(vals, res.Effect)
				if res.Lower != nil && res.Upper != nil {
					vals = append(vals, *res.Lower, *res.Upper)
				}
			}
		}
	}
	lo, hi := bounds(vals)
	y := scale{lo, hi, height - bottom, top}
	n := len(m.Cumulative)
	x := scale{0, float64(max(n-1, 1)), left, width - right}
	if n == 1 {
		x = scale{0, 0, left, width - right}
	}
	var b svgBuilder
	b.f(`<svg class="plot cumulative" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f">`, width, height, width, height)
	b.f(`<title>%s: cumulative effect against %s by day of first exposure</title>`, html.EscapeString(m.Metric), html.EscapeString(r.Control))
	for _, t := range ticks(lo, hi, 5) {
		b.f(`<line class="grid" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, left, width-right, y.at(t), y.at(t))
		b.text(left-6, y.at(t)+4, "end", "tick", r.effect(t))
	}
	b.f(`<line class="zero" x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>`, left, width-right, y.at(0), y.at(0))
	step := max(1, n/6)
	for i, p := range m.Cumulative {
		if i%step == 0 || i == n-1 {
			b.text(x.at(float64(i)), height-bottom+18, "middle", "tick", p.Date[5:])
		}
	}
	for v := range m.Results {
		c := palette[v%len(palette)]
		var band, upper, lower, line []string
		for i, p := range m.Cumulative {
			res := p.Results[v]
			if res.Problem != "" {
				continue
			}
			px := x.at(float64(i))
			line = append(line, fmt.Sprintf("%.1f,%.1f", px, y.at(res.Effect)))
			if res.Lower != nil && res.Upper != nil {
				upper = append(upper, fmt.Sprintf("%.1f,%.1f", px, y.at(*res.Upper)))
				lower = append([]string{fmt.Sprintf("%.1f,%.1f", px, y.at(*res.Lower))}, lower...)
			}
		}
		band = append(upper, lower...)
		if len(band) > 2 {
			b.f(`<polygon class="band" points="%s" fill="%s"/>`, strings.Join(band, " "), c)
		}
		if len(line) > 1 {
			b.f(`<polyline class="effect" points="%s" stroke="%s"/>`, strings.Join(line, " "), c)
		}
		for _, pt := range line {
			xy := strings.Split(pt, ",")
			b.f(`<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`, xy[0], xy[1], c)
		}
		b.f(`<text x="%.1f" y="%.1f" text-anchor="end" class="legend" fill="%s">%s</text>`, width-right-4, top+12+14*float64(v), c, html.EscapeString(m.Results[v].Variant))
	}
	b.f(`</svg>`)
	return template.HTML(b.String())
}

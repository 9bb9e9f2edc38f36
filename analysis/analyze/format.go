package analyze

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The formatting shared by the text and HTML reports.

// effect formats an effect (or an interval's end) on the report's scale:
// a signed percentage for relative effects, a signed number for absolute.
func (r *Report) effect(x float64) string {
	if r.Settings.Effect == "relative" {
		// One decimal, or enough for a small effect not to read as 0.
		d, pct := 1, math.Abs(100*x)
		switch {
		case pct == 0 || pct >= 1:
		case pct >= 0.1:
			d = 2
		default:
			d = 3
		}
		return fmt.Sprintf("%+.*f%%", d, 100*x)
	}
	return fmt.Sprintf("%+.4g", x)
}

// interval formats [lower, upper], an open end as ∞.
func (r *Report) interval(res Result) string {
	lo, hi := "-∞", "+∞"
	if res.Lower != nil {
		lo = r.effect(*res.Lower)
	}
	if res.Upper != nil {
		hi = r.effect(*res.Upper)
	}
	return "[" + lo + ", " + hi + "]"
}

// level is the interval's coverage: "95%".
func (r *Report) level() string {
	return strconv.FormatFloat(100*(1-r.Settings.Alpha), 'f', -1, 64) + "%"
}

// verdict is a result's p-value or chance to win, or its problem.
func verdict(res Result) string {
	switch {
	case res.Problem != "":
		return res.Explanation
	case res.ChanceToWin != nil:
		return fmt.Sprintf("%.1f%%", 100**res.ChanceToWin)
	}
	s := pvalue(*res.PValue)
	if res.AdjustedPValue != nil {
		s += " (adjusted " + pvalue(*res.AdjustedPValue) + ")"
	}
	return s
}

func pvalue(p float64) string {
	if p >= 0.001 || p == 0 {
		return strconv.FormatFloat(p, 'g', 3, 64)
	}
	return strconv.FormatFloat(p, 'e', 1, 64)
}

// count formats n with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func mean(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }

func percent(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return strconv.FormatFloat(100*x, 'f', 1, 64) + "%"
}

// srmLine says what the SRM check found.
func (r *Report) srmLine() string {
	switch r.SRM.Status {
	case "mismatch":
		return fmt.Sprintf("MISMATCH (χ² %.1f, p = %s): the traffic split is not the configured one; do not trust these results until the cause is found",
			r.SRM.ChiSquare, pvalue(r.SRM.PValue))
	case "not-enough-traffic":
		return "not enough traffic to check (fewer than 8 users per variant)"
	}
	return fmt.Sprintf("ok (χ² %.2f, p = %s)", r.SRM.ChiSquare, pvalue(r.SRM.PValue))
}

func (r *Report) multipleLine() string {
	s := fmt.Sprintf("%s users (%.2f%%) exposed to more than one variant, excluded", count(r.Multiple.Users), 100*r.Multiple.Share)
	switch r.Multiple.Status {
	case "warning":
		return s + ": WARNING, at least 1% (is assignment sticky? did user ids change?)"
	case "not-enough-data":
		return s + ": too few users to judge"
	}
	return s + ": ok"
}

func (r *Report) describe() string {
	s := r.Settings
	parts := []string{s.Engine, s.Effect + " effect"}
	if s.Engine == "frequentist" {
		parts = append(parts, s.Alternative)
		if s.Sequential {
			parts = append(parts, fmt.Sprintf("sequential (N* %g)", s.Tuning))
		} else {
			parts = append(parts, "fixed horizon")
		}
	}
	if s.CUPED {
		parts = append(parts, "CUPED")
	}
	if s.Correction != "" {
		parts = append(parts, map[string]string{"holm": "Holm", "bh": "Benjamini-Hochberg"}[s.Correction]+" correction")
	}
	return strings.Join(parts, ", ") + ", " + r.level() + " intervals"
}

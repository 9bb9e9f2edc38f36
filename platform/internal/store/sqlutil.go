package store

import (
	"strconv"
	"strings"
)

// inList appends "($1, $2, ...)" for ids to prefix, with the ids as
// arguments after extra ones already numbered.
func inList(prefix string, ids []string, extra ...any) (string, []any) {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteByte('(')
	args := append([]any{}, extra...)
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, id)
		b.WriteString("$" + strconv.Itoa(len(args)))
	}
	b.WriteByte(')')
	return b.String(), args
}

// unique returns the distinct strings of in, in first-seen order.
func unique(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// nullJSON is a JSON column's argument: nil is SQL NULL.
func nullJSON(raw []byte) any {
	if raw == nil {
		return nil
	}
	return string(raw)
}

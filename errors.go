package experiment

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors for the kinds of load failure. Every error returned by
// Parse and Load is a *ConfigError that wraps exactly one of them, so callers
// can test the kind with errors.Is.
var (
	// ErrSyntax: the input is not well-formed YAML or JSON, or is empty.
	ErrSyntax = errors.New("syntax error")
	// ErrDuplicateKey: a mapping has the same key twice.
	ErrDuplicateKey = errors.New("duplicate key")
	// ErrUnknownKey: a key that is not allowed where it appears: at the top
	// level, or in a map whose keys are fixed (a long-form experiment, a
	// variant, a rule, a condition, a ramp, a layer, a holdout, a
	// requirement). The message lists the keys that are allowed there.
	ErrUnknownKey = errors.New("unknown key")
	// ErrMissingKey: a required key is absent (a variant's allocation, a
	// condition's attribute, operator or value, a ramp's from, to, start
	// or end, a holdout's share, a published experiment's id or key).
	ErrMissingKey = errors.New("missing key")
	// ErrInvalidValue: a value of the wrong type or shape, such as a number
	// other than 0 or 1 as an experiment, or a map where a list is expected.
	ErrInvalidValue = errors.New("invalid value")
	// ErrPercentage: a string ending in '%' that is not a valid percentage.
	ErrPercentage = errors.New("malformed percentage")
	// ErrOverlap: two variants of one experiment whose own percentage
	// ranges overlap, or two experiments of a layer whose ranges do.
	ErrOverlap = errors.New("overlapping variants")
	// ErrUnknownGroup: a reference to a group that is not defined.
	ErrUnknownGroup = errors.New("unknown group")
	// ErrUnknownAudience: a reference to an audience that is not defined.
	ErrUnknownAudience = errors.New("unknown audience")
	// ErrStatus: a status other than draft, running, paused or archived
	// (lowercase or uppercase).
	ErrStatus = errors.New("unknown status")
	// ErrOperator: a condition operator that is not in the operator table (see the README's "Targeting and audiences").
	ErrOperator = errors.New("unknown operator")
	// ErrRegexp: a "matches" condition whose value is not a string RE2
	// regular expression that compiles.
	ErrRegexp = errors.New("invalid regular expression")
	// ErrTooLarge: the input exceeds a documented size limit (see MaxConfigSize).
	ErrTooLarge = errors.New("config too large")
	// ErrPrerequisite: a requires that names an experiment or variant
	// that does not exist, or that makes experiments require each other
	// in a cycle.
	ErrPrerequisite = errors.New("invalid prerequisite")
	// ErrSchedule: a start, end or ramp that cannot be: a time that is not
	// RFC 3339, an end that is not after its start, a ramp whose share
	// would fall (a ramp only adds users).
	ErrSchedule = errors.New("invalid schedule")
	// ErrLayer: a layer or holdout that cannot be: a layer whose
	// experiments ask for more than all users, an experiment in two
	// layers, a layer naming an experiment that no part of the config
	// defines.
	ErrLayer = errors.New("invalid layer")
)

// Position is where in a config a problem is: the file, the line and
// column, and the key path. ConfigError and Warning embed it, so their
// File, Line, Column and Path are its fields. The zero Position is
// "unknown": no file, line or path. The JSON names are the ones
// experiment lint -json writes.
type Position struct {
	File   string `json:"file"`   // file name, URL or WithName; "" if none
	Line   int    `json:"line"`   // 1-based line, 0 if unknown
	Column int    `json:"column"` // 1-based column, 0 if unknown (and for some syntax errors)
	Path   string `json:"path"`   // key path, e.g. "experiments.featureTwo[1]"; "" for the document
}

// String formats the position as "FILE:LINE:COLUMN: PATH", leaving out
// the parts that are unknown (a column without a line is left out too);
// "" when all are.
func (p Position) String() string {
	s := strings.TrimSuffix(formatPosition(p.File, p.Line, p.Column), ": ")
	if p.Path != "" && s != "" {
		return s + ": " + p.Path
	}
	return s + p.Path
}

// prefix is the position as messages start with it: "FILE:LINE:COLUMN:
// PATH: ", or "" when all is unknown.
func (p Position) prefix() string {
	s := formatPosition(p.File, p.Line, p.Column)
	if p.Path != "" {
		s += p.Path + ": "
	}
	return s
}

// ConfigError describes why a config failed to load: where (its
// Position: file, line, column, key path) and what. Err is one of the
// Err* sentinels, returned by Unwrap; for a file that Load cannot read, it
// is the *fs.PathError. File is empty when the config was parsed from
// bytes without WithName. A *ConfigError is not modified after Parse, Check
// or Load returns it, and is safe to read from several goroutines.
type ConfigError struct {
	Position
	Err error  // the kind of failure: an Err* sentinel, or Load's read error
	Msg string // what was wrong and what was expected
}

// Error formats the error as
//
//	experiment: FILE:LINE:COLUMN: PATH: MSG
//
// leaving out the parts that are unknown.
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("experiment: ")
	b.WriteString(e.prefix())
	if e.Msg != "" {
		b.WriteString(e.Msg)
	} else if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel kind of the error.
func (e *ConfigError) Unwrap() error { return e.Err }

// Warning is a problem in a config that does not stop it from loading, such
// as a gap between two variants' ranges, a group nobody uses, or an
// environment override of an experiment that does not exist: where (its
// Position, as in ConfigError) and what. The zero Warning says nothing.
type Warning struct {
	Position
	Msg string
}

// String formats the warning as "FILE:LINE:COLUMN: PATH: MSG", leaving out
// the parts that are unknown.
func (w Warning) String() string {
	return w.prefix() + w.Msg
}

// formatPosition formats "file:line:col: " with the unknown parts left out.
func formatPosition(file string, line, col int) string {
	var parts []string
	if file != "" {
		parts = append(parts, file)
	}
	if line > 0 {
		parts = append(parts, strconv.Itoa(line))
		if col > 0 {
			parts = append(parts, strconv.Itoa(col))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ":") + ": "
}

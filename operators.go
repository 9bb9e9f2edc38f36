package experiment

import "strings"

// The condition operators, in one table: their names, what their value
// must be, and whether the platform seed knows them. Loading, messages,
// Explain and the CLI's help read it; evaluation switches on op.

// op is a condition operator (doc.go's "Targeting attributes").
type op uint8

const (
	opEq op = iota + 1
	opNeq
	opIn
	opNotIn
	opContains
	opGt
	opLt
	opGte
	opLte
	opMatches
	opSemverEq
	opSemverGt
	opSemverGte
	opSemverLt
	opSemverLte
	opFalse // a snapshot's operator the platform does not know
)

// operand is the kind of value an operator compares with.
type operand uint8

const (
	anyOperand     operand = iota // eq, neq: any value (a list or map never equals)
	listOperand                   // in, notIn
	stringOperand                 // contains
	numberOperand                 // gt, lt, gte, lte
	regexpOperand                 // matches: a string that compiles
	versionOperand                // semver operators
)

// operatorInfo describes one operator.
type operatorInfo struct {
	name     string
	op       op
	operand  operand
	platform bool // one of the seven the platform seed evaluates
	doc      string
}

// operatorTable lists the operators in documentation order.
var operatorTable = []operatorInfo{
	{"eq", opEq, anyOperand, true, "equal: same type, numbers by value"},
	{"neq", opNeq, anyOperand, true, "not eq"},
	{"in", opIn, listOperand, true, "equal to an element of the list"},
	{"notIn", opNotIn, listOperand, true, "not in (also true when the attribute is missing)"},
	{"contains", opContains, stringOperand, true, "the attribute is a string containing the value"},
	{"gt", opGt, numberOperand, true, "a number greater than the value"},
	{"lt", opLt, numberOperand, true, "a number less than the value"},
	{"gte", opGte, numberOperand, false, "a number at least the value"},
	{"lte", opLte, numberOperand, false, "a number at most the value"},
	{"matches", opMatches, regexpOperand, false, "a string matching the RE2 regular expression"},
	{"semverEq", opSemverEq, versionOperand, false, "a semantic version equal to the value"},
	{"semverGt", opSemverGt, versionOperand, false, "a semantic version greater than the value"},
	{"semverGte", opSemverGte, versionOperand, false, "a semantic version at least the value"},
	{"semverLt", opSemverLt, versionOperand, false, "a semantic version less than the value"},
	{"semverLte", opSemverLte, versionOperand, false, "a semantic version at most the value"},
}

// operators finds an operator by name.
var operators = func() map[string]operatorInfo {
	m := make(map[string]operatorInfo, len(operatorTable))
	for _, o := range operatorTable {
		m[o.name] = o
	}
	return m
}()

// operatorNames lists the operator names for messages: "eq, neq, ...".
var operatorNames = func() string {
	names := make([]string, len(operatorTable))
	for i, o := range operatorTable {
		names[i] = o.name
	}
	return strings.Join(names, ", ")
}()

// name returns the operator's name as written in configs.
func (o op) name() string {
	for _, info := range operatorTable {
		if info.op == o {
			return info.name
		}
	}
	return "(unknown operator)"
}

// OperatorHelp describes every condition operator, one per line, as
// "name: meaning", for help texts such as the CLI's. Operators that the
// platform's decision service does not know are marked "(extension)".
func OperatorHelp() string {
	var b strings.Builder
	for _, o := range operatorTable {
		b.WriteString(o.name + ": " + o.doc)
		if !o.platform {
			b.WriteString(" (extension)")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// PlatformOperators returns the names of the operators the platform
// seed's decision service evaluates, in documentation order; a published
// snapshot can use only these. The slice is new on each call.
func PlatformOperators() []string {
	var names []string
	for _, o := range operatorTable {
		if o.platform {
			names = append(names, o.name)
		}
	}
	return names
}

module github.com/inprocess/experiment/analysis

go 1.25.0

replace github.com/inprocess/experiment => ../

require (
	github.com/google/go-cmp v0.7.0
	gonum.org/v1/gonum v0.17.0
)

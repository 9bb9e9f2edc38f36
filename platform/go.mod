module github.com/inprocess/experiment/platform

go 1.25.0

replace github.com/inprocess/experiment => ../

require github.com/inprocess/experiment v0.0.0-00010101000000-000000000000

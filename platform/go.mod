module github.com/inprocess/experiment/platform

go 1.25.0

replace github.com/inprocess/experiment => ../

require (
	github.com/google/go-cmp v0.7.0
	github.com/inprocess/experiment v0.0.0-00010101000000-000000000000
)

require (
	github.com/kr/pretty v0.3.0 // indirect
	github.com/twmb/murmur3 v1.1.8 // indirect
	golang.org/x/mod v0.38.0 // indirect
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

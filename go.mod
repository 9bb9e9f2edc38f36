module github.com/inprocess/experiment

go 1.25.0

require (
	github.com/twmb/murmur3 v1.1.8
	golang.org/x/mod v0.38.0
	gopkg.in/yaml.v3 v3.0.1
)

require github.com/google/go-cmp v0.7.0

require golang.org/x/time v0.15.0

require (
	github.com/kr/pretty v0.3.1 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c // indirect
)

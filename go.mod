module github.com/inprocess/experiment

go 1.24.0

require (
	github.com/twmb/murmur3 v1.1.8
	golang.org/x/mod v0.33.0
	gopkg.in/yaml.v3 v3.0.1
)

require github.com/google/go-cmp v0.7.0

require golang.org/x/time v0.14.0

module github.com/inprocess/experiment/schema

go 1.25.0

replace github.com/inprocess/experiment => ../

require (
	github.com/google/go-cmp v0.7.0
	github.com/inprocess/experiment v0.1.0
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/kr/text v0.2.0 // indirect
	github.com/twmb/murmur3 v1.1.8 // indirect
	golang.org/x/mod v0.38.0 // indirect
	golang.org/x/text v0.14.0 // indirect
)

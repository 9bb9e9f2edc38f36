module github.com/inprocess/experiment/openfeature

go 1.25.0

replace github.com/inprocess/experiment => ../

require (
	github.com/google/go-cmp v0.7.0
	github.com/inprocess/experiment v0.1.0
	github.com/open-feature/go-sdk v1.18.0
)

require (
	github.com/kr/text v0.2.0 // indirect
	github.com/twmb/murmur3 v1.1.8 // indirect
	go.uber.org/mock v0.6.0 // indirect
	golang.org/x/mod v0.38.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

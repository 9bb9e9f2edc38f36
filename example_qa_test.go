package experiment_test

import (
	"fmt"
	"time"

	"github.com/inprocess/experiment"
)

func ExampleNewQA() {
	if _, err := experiment.NewQA([]byte("too short")); err != nil {
		fmt.Println(err)
	}
	qa, err := experiment.NewQA([]byte("0123456789abcdef0123456789abcdef")) // use 32 random bytes, kept secret
	if err != nil {
		panic(err)
	}
	token := qa.Token(map[string]string{"buttonColor": "green"}, time.Now().Add(24*time.Hour))
	fmt.Println(qa.Overrides(token))
	// Output:
	// experiment: QA key is 9 bytes; it must be at least 32 random bytes
	// map[buttonColor:green]
}

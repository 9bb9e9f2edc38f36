//go:build !unix

package experiment

import "errors"

func mkfifo(string) error { return errors.New("named pipes need a unix system") }

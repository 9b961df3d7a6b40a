package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	want := `user 1 exists already
user 1: {"name":"Ann Lee","languages":["go","rust"],"stats":{"visits":3},"city":"Oslo"}
names: ["Ann Lee"] ["Bo"]
user 2 visits if more than 3: [5]
second language: rust
`
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

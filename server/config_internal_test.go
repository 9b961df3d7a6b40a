package server

import (
	goflag "flag"
	"os"
	"testing"
)

var updateDocs = goflag.Bool("update-docs", false, "rewrite docs/CONFIG.md from the parameter table")

// TestConfigDocs keeps docs/CONFIG.md equal to what the parameter table
// says; run with -update-docs after changing the table.
func TestConfigDocs(t *testing.T) {
	want := configDocs()
	if *updateDocs {
		if err := os.WriteFile("../docs/CONFIG.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("../docs/CONFIG.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("docs/CONFIG.md is out of date: go test ./server -run TestConfigDocs -update-docs")
	}
}

func TestSplitConfigLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: `port 7000`, want: []string{"port", "7000"}},
		{in: `requirepass "a b\"c\x41\n"`, want: []string{"requirepass", "a b\"cA\n"}},
		{in: `requirepass 'it\'s'`, want: []string{"requirepass", "it's"}},
		{in: `save 3600 1   300 100`, want: []string{"save", "3600", "1", "300", "100"}},
		{in: `requirepass "unterminated`, err: true},
		{in: `requirepass "a"b`, err: true},
	} {
		got, err := splitConfigLine(tc.in)
		if (err != nil) != tc.err || (!tc.err && !equal(got, tc.want)) {
			t.Errorf("%q: got %q, %v", tc.in, got, err)
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseMemory(t *testing.T) {
	for in, want := range map[string]int64{"100": 100, "1k": 1000, "1kb": 1024, "100mb": 100 << 20, "2GB": 2 << 30, "1g": 1e9} {
		if got, err := parseMemory(in); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
	for _, in := range []string{"", "x", "1tb", "99999999999999gb"} {
		if _, err := parseMemory(in); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
}

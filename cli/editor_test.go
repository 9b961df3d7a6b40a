package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

func TestRender(t *testing.T) {
	e := &editor{hint: func(line string) string {
		if line == "get" {
			return " key"
		}
		return ""
	}}
	tests := []struct {
		buf   string
		pos   int
		cols  int
		hints bool
		want  string
	}{
		{"", 0, 80, true, "\r> \x1b[0K\r\x1b[2C"},
		{"get", 3, 80, true, "\r> get" + hintColor + " key\x1b[0m\x1b[0K\r\x1b[5C"},
		{"get", 3, 80, false, "\r> get\x1b[0K\r\x1b[5C"},
		{"get", 1, 80, true, "\r> get" + hintColor + " key\x1b[0m\x1b[0K\r\x1b[3C"},
		// The hint is cut at the terminal's edge.
		{"get", 3, 7, true, "\r> get" + hintColor + " k\x1b[0m\x1b[0K\r\x1b[5C"},
		// A line wider than the terminal scrolls to keep the cursor in view.
		{"0123456789", 10, 8, true, "\r> 56789\x1b[0K\r\x1b[7C"},
		{"0123456789", 0, 8, true, "\r> 012345\x1b[0K\r\x1b[2C"},
		{"héllo", 5, 80, true, "\r> héllo\x1b[0K\r\x1b[7C"},
	}
	for _, tt := range tests {
		ls := &lineState{e: e, prompt: "> ", buf: []rune(tt.buf), pos: tt.pos, hints: tt.hints}
		if got := string(ls.render(tt.cols)); got != tt.want {
			t.Errorf("render(%q, %d, %d)\n got %q\nwant %q", tt.buf, tt.pos, tt.cols, got, tt.want)
		}
	}
}

func TestHistoryFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hist")
	e := &editor{}
	if err := e.loadHistory(path); err != nil || len(e.history) != 0 {
		t.Fatalf("missing file: %v %q", err, e.history)
	}
	for _, l := range []string{"a", "b", "b", "c"} {
		e.addHistory(l)
	}
	if err := e.saveHistory(path); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "a\nb\nc\n" {
		t.Errorf("file %q", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	e2 := &editor{}
	if err := e2.loadHistory(path); err != nil || !reflect.DeepEqual(e2.history, []string{"a", "b", "c"}) {
		t.Errorf("loaded %q, %v", e2.history, err)
	}
	for i := 0; i < historyMax+10; i++ {
		e2.addHistory(strconv.Itoa(i))
	}
	if len(e2.history) != historyMax || e2.history[0] != "10" {
		t.Errorf("history kept %d, first %q", len(e2.history), e2.history[0])
	}
}

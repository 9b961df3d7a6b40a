package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// TestRender checks the redraw sequences of the multi-line mode; a pty
// comparison with redis-cli in tmux (same keys typed into a 30-column
// terminal) gave the same screen and cursor.
func TestRender(t *testing.T) {
	e := &editor{hint: func(line string) string {
		if line == "get" {
			return " key"
		}
		return ""
	}}
	const clr = "\r\x1b[0K"
	tests := []struct {
		buf    string
		pos    int
		cols   int
		hints  bool
		oldpos int
		rows   int // rows used by the previous drawing
		want   string
	}{
		{"", 0, 80, true, 0, 0, clr + "> \r\x1b[2C"},
		{"get", 3, 80, true, 0, 1, clr + "> get" + hintColor + " key\x1b[0m\r\x1b[5C"},
		{"get", 3, 80, false, 0, 1, clr + "> get\r\x1b[5C"},
		{"get", 1, 80, true, 3, 1, clr + "> get" + hintColor + " key\x1b[0m\r\x1b[3C"},
		// The hint is cut at the terminal's edge.
		{"get", 3, 7, true, 0, 1, clr + "> get" + hintColor + " k\x1b[0m\r\x1b[5C"},
		// A line wider than the terminal wraps; the cursor goes back up
		// to its row.
		{"0123456789", 3, 8, true, 0, 1, clr + "> 0123456789\x1b[1A\r\x1b[5C"},
		// Redrawing two rows with the cursor on the first: down to the
		// last, clear it, up, clear, then draw.
		{"0123456789", 10, 8, true, 3, 2, "\x1b[1B\r\x1b[0K\x1b[1A" + clr + "> 0123456789\r\x1b[4C"},
		// Ending exactly at the edge: start the next row.
		{"012345", 6, 8, true, 5, 1, clr + "> 012345\n\r\r"},
		{"héllo", 5, 80, true, 0, 1, clr + "> héllo\r\x1b[7C"},
	}
	for _, tt := range tests {
		ls := &lineState{e: e, prompt: "> ", buf: []rune(tt.buf), pos: tt.pos, hints: tt.hints,
			oldpos: tt.oldpos, maxRows: tt.rows}
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

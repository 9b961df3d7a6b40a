package cli

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/term"
)

// The line editor is a small Go rendition of linenoise, the editor inside
// redis-cli, in the multi-line mode redis-cli turns on: a line wider than
// the terminal wraps onto more rows; emacs keys, history, Tab completion
// that cycles through the candidates, and a grey hint after the text.
// golang.org/x/term switches the terminal to raw mode and reports its
// width. Characters are counted as one column each.

// errInterrupted is returned by readLine when the user types Ctrl-C.
var errInterrupted = errors.New("interrupted")

// historyMax is how many lines the history keeps (linenoise's default).
const historyMax = 100

// hintColor is the SGR sequence linenoise starts a hint with for
// redis-cli's hint colour (90, dark grey) without bold.
const hintColor = "\x1b[0;90;49m"

type editor struct {
	fd   int           // the terminal (standard input)
	in   *bufio.Reader // keys, read from fd
	out  io.Writer     // the terminal (standard output)
	dumb bool          // TERM cannot do escapes: no editing, like linenoise

	history []string

	// hint returns the text to show in grey after the line, or "".
	hint func(line string) string
	// complete returns the candidates Tab cycles through for line.
	complete func(line string) []string
}

func newEditor(in *os.File, out io.Writer) *editor {
	t := strings.ToLower(os.Getenv("TERM"))
	return &editor{
		fd:   int(in.Fd()),
		in:   bufio.NewReader(in),
		out:  out,
		dumb: t == "dumb" || t == "cons25" || t == "emacs",
	}
}

// cols is the terminal's width, 80 if it cannot be had.
func (e *editor) cols() int {
	if w, _, err := term.GetSize(e.fd); err == nil && w > 0 {
		return w
	}
	return 80
}

// addHistory appends line unless it repeats the last entry, dropping the
// oldest past historyMax.
func (e *editor) addHistory(line string) {
	if n := len(e.history); n > 0 && e.history[n-1] == line {
		return
	}
	e.history = append(e.history, line)
	if len(e.history) > historyMax {
		e.history = append(e.history[:0:0], e.history[len(e.history)-historyMax:]...)
	}
}

// loadHistory reads one entry per line; a missing file is no error.
func (e *editor) loadHistory(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimRight(l, "\r")
		if l != "" {
			e.addHistory(l)
		}
	}
	return nil
}

// saveHistory writes the whole history, readable by its owner only (it may
// hold keys and values).
func (e *editor) saveHistory(path string) error {
	var b strings.Builder
	for _, l := range e.history {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// readLine shows prompt and returns the line typed, without its newline.
// It returns io.EOF for Ctrl-D on an empty line or the end of input, and
// errInterrupted for Ctrl-C.
func (e *editor) readLine(prompt string) (string, error) {
	if e.dumb {
		io.WriteString(e.out, prompt)
		return e.readPlain()
	}
	old, err := term.MakeRaw(e.fd)
	if err != nil {
		io.WriteString(e.out, prompt)
		return e.readPlain()
	}
	line, err := e.edit(prompt)
	term.Restore(e.fd, old)
	if err != errInterrupted {
		io.WriteString(e.out, "\n")
	}
	return line, err
}

// readPlain reads a line without editing.
func (e *editor) readPlain() (string, error) {
	line, err := e.in.ReadString('\n')
	if err != nil && (line == "" || err != io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// lineState is the line being edited.
type lineState struct {
	e      *editor
	prompt string
	buf    []rune
	pos    int
	hints  bool

	oldpos  int // cursor position at the last refresh
	maxRows int // most rows the line has used: all are redrawn
}

const (
	keyCtrlA     = 1
	keyCtrlB     = 2
	keyCtrlC     = 3
	keyCtrlD     = 4
	keyCtrlE     = 5
	keyCtrlF     = 6
	keyCtrlH     = 8
	keyTab       = 9
	keyCtrlJ     = 10
	keyCtrlK     = 11
	keyCtrlL     = 12
	keyEnter     = 13
	keyCtrlN     = 14
	keyCtrlP     = 16
	keyCtrlT     = 20
	keyCtrlU     = 21
	keyCtrlW     = 23
	keyEsc       = 27
	keyBackspace = 127
)

func (e *editor) edit(prompt string) (string, error) {
	ls := &lineState{e: e, prompt: prompt, hints: true}
	// The history being browsed: the saved lines plus the one being typed.
	// Edits to a recalled line last until Enter, and never reach the
	// saved history.
	hist := append(append([]string(nil), e.history...), "")
	idx := 0 // distance from the newest entry
	browse := func(dir int) {
		if len(hist) <= 1 {
			return
		}
		hist[len(hist)-1-idx] = string(ls.buf)
		idx += dir
		if idx < 0 {
			idx = 0
			return
		}
		if idx >= len(hist) {
			idx = len(hist) - 1
			return
		}
		ls.buf = []rune(hist[len(hist)-1-idx])
		ls.pos = len(ls.buf)
		ls.refresh()
	}
	ls.refresh()
	for {
		r, _, err := e.in.ReadRune()
		if err != nil {
			if len(ls.buf) > 0 && err == io.EOF {
				return string(ls.buf), nil
			}
			return "", err
		}
		if r == keyTab && e.complete != nil {
			if r, err = ls.completeLine(); err != nil {
				return "", err
			}
			if r == 0 {
				continue
			}
		}
		switch r {
		case keyEnter, keyCtrlJ:
			// Show the whole line without its hint before leaving it.
			ls.pos = len(ls.buf)
			ls.hints = false
			ls.refresh()
			return string(ls.buf), nil
		case keyCtrlC:
			io.WriteString(e.out, "\r\n")
			return "", errInterrupted
		case keyBackspace, keyCtrlH:
			if ls.pos > 0 {
				ls.buf = append(ls.buf[:ls.pos-1], ls.buf[ls.pos:]...)
				ls.pos--
				ls.refresh()
			}
		case keyCtrlD:
			if len(ls.buf) == 0 {
				return "", io.EOF
			}
			ls.deleteAtCursor()
		case keyCtrlT:
			if ls.pos > 0 && ls.pos < len(ls.buf) {
				ls.buf[ls.pos-1], ls.buf[ls.pos] = ls.buf[ls.pos], ls.buf[ls.pos-1]
				if ls.pos != len(ls.buf)-1 {
					ls.pos++
				}
				ls.refresh()
			}
		case keyCtrlB:
			ls.move(ls.pos - 1)
		case keyCtrlF:
			ls.move(ls.pos + 1)
		case keyCtrlP:
			browse(1)
		case keyCtrlN:
			browse(-1)
		case keyCtrlU:
			ls.buf, ls.pos = ls.buf[:0], 0
			ls.refresh()
		case keyCtrlK:
			ls.buf = ls.buf[:ls.pos]
			ls.refresh()
		case keyCtrlA:
			ls.move(0)
		case keyCtrlE:
			ls.move(len(ls.buf))
		case keyCtrlL:
			io.WriteString(e.out, "\x1b[H\x1b[2J")
			ls.oldpos, ls.maxRows = 0, 0 // the old rows are gone
			ls.refresh()
		case keyCtrlW:
			p := ls.pos
			for p > 0 && ls.buf[p-1] == ' ' {
				p--
			}
			for p > 0 && ls.buf[p-1] != ' ' {
				p--
			}
			ls.buf = append(ls.buf[:p], ls.buf[ls.pos:]...)
			ls.pos = p
			ls.refresh()
		case keyEsc:
			seq, err := e.escape()
			if err != nil {
				return "", err
			}
			switch seq {
			case "[A", "OA":
				browse(1)
			case "[B", "OB":
				browse(-1)
			case "[C", "OC":
				ls.move(ls.pos + 1)
			case "[D", "OD":
				ls.move(ls.pos - 1)
			case "[H", "OH", "[1~", "[7~":
				ls.move(0)
			case "[F", "OF", "[4~", "[8~":
				ls.move(len(ls.buf))
			case "[3~":
				ls.deleteAtCursor()
			}
		default:
			if r < 32 || r == unicode.ReplacementChar {
				continue
			}
			ls.buf = append(ls.buf, 0)
			copy(ls.buf[ls.pos+1:], ls.buf[ls.pos:])
			ls.buf[ls.pos] = r
			ls.pos++
			ls.refresh()
		}
	}
}

// escape reads the rest of an escape sequence: "[A", "OH", "[3~", ...
func (e *editor) escape() (string, error) {
	a, err := e.in.ReadByte()
	if err != nil {
		return "", err
	}
	b, err := e.in.ReadByte()
	if err != nil {
		return "", err
	}
	seq := string([]byte{a, b})
	if a == '[' && b >= '0' && b <= '9' {
		// "[3~", or a longer one such as "[1;5C" (ignored).
		for {
			c, err := e.in.ReadByte()
			if err != nil {
				return "", err
			}
			seq += string(c)
			if c >= 0x40 && c <= 0x7e {
				break
			}
		}
	}
	return seq, nil
}

func (ls *lineState) move(pos int) {
	if pos < 0 || pos > len(ls.buf) || pos == ls.pos {
		return
	}
	ls.pos = pos
	ls.refresh()
}

func (ls *lineState) deleteAtCursor() {
	if ls.pos < len(ls.buf) {
		ls.buf = append(ls.buf[:ls.pos], ls.buf[ls.pos+1:]...)
		ls.refresh()
	}
}

// refresh redraws the line: prompt, text and hint, wrapped over as many
// rows as it needs, then puts the cursor back (linenoise's
// refreshMultiLine, the mode redis-cli uses).
func (ls *lineState) refresh() {
	ls.e.out.Write(ls.render(ls.e.cols()))
}

func (ls *lineState) render(cols int) []byte {
	plen := len([]rune(ls.prompt))
	n := len(ls.buf)
	rows := (plen + n + cols - 1) / cols // rows the line uses now
	rpos := (plen + ls.oldpos + cols) / cols
	oldRows := ls.maxRows
	if rows > ls.maxRows {
		ls.maxRows = rows
	}
	out := make([]byte, 0, 64+len(ls.prompt)+4*n)
	csi := func(n int, c byte) {
		out = append(out, "\x1b["...)
		out = strconv.AppendInt(out, int64(n), 10)
		out = append(out, c)
	}
	// Clear every row the previous drawing used, from the last one up.
	if oldRows-rpos > 0 {
		csi(oldRows-rpos, 'B')
	}
	for j := 0; j < oldRows-1; j++ {
		out = append(out, "\r\x1b[0K\x1b[1A"...)
	}
	out = append(out, "\r\x1b[0K"...)
	out = append(out, ls.prompt...)
	out = append(out, string(ls.buf)...)
	if ls.hints && ls.e.hint != nil && plen+n < cols {
		if h := []rune(ls.e.hint(string(ls.buf))); len(h) > 0 {
			if max := cols - (plen + n); len(h) > max {
				h = h[:max]
			}
			out = append(out, hintColor...)
			out = append(out, string(h)...)
			out = append(out, "\x1b[0m"...)
		}
	}
	// At the very end of a full row the terminal keeps the cursor on it:
	// start the next row.
	if ls.pos > 0 && ls.pos == n && (ls.pos+plen)%cols == 0 {
		out = append(out, "\n\r"...)
		rows++
		if rows > ls.maxRows {
			ls.maxRows = rows
		}
	}
	if up := rows - (plen+ls.pos+cols)/cols; up > 0 {
		csi(up, 'A')
	}
	out = append(out, '\r')
	if col := (plen + ls.pos) % cols; col > 0 {
		csi(col, 'C')
	}
	ls.oldpos = ls.pos
	return out
}

// completeLine shows the candidates for the line one by one on each Tab;
// Esc goes back to what was typed, any other key keeps the candidate shown
// and is returned to be handled (linenoise's completeLine).
func (ls *lineState) completeLine() (rune, error) {
	cands := ls.e.complete(string(ls.buf))
	if len(cands) == 0 {
		io.WriteString(ls.e.out, "\a")
		return 0, nil
	}
	i := 0
	for {
		if i < len(cands) {
			saved, savedPos := ls.buf, ls.pos
			ls.buf = []rune(cands[i])
			ls.pos = len(ls.buf)
			ls.refresh()
			ls.buf, ls.pos = saved, savedPos
		} else {
			ls.refresh()
		}
		r, _, err := ls.e.in.ReadRune()
		if err != nil {
			return 0, err
		}
		switch r {
		case keyTab:
			i = (i + 1) % (len(cands) + 1)
			if i == len(cands) {
				io.WriteString(ls.e.out, "\a")
			}
		case keyEsc:
			if i < len(cands) {
				ls.refresh()
			}
			return 0, nil
		default:
			if i < len(cands) {
				ls.buf = []rune(cands[i])
				ls.pos = len(ls.buf)
			}
			return r, nil
		}
	}
}

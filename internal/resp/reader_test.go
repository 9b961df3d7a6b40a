package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"strings"
	"testing"
)

// protoCase is raw client input and what Redis 7.0 answers to it, for a
// server that knows PING and ECHO. The same table runs against our Reader
// (TestProtocolCases) and against a real redis-server
// (TestProtocolCasesAgainstRedis).
type protoCase struct {
	name   string
	in     string
	out    string // replies, in order
	closed bool   // the server closes the connection after out
	// sizeDependent: Redis's outcome depends on how the input is cut into
	// reads, so the case is not rerun with tiny reads.
	sizeDependent bool
	// differs: why we deliberately answer differently from Redis, whose
	// answer is then redisOut and redisClosed.
	differs     string
	redisOut    string
	redisClosed bool
}

const (
	pong        = "+PONG\r\n"
	errProto    = "-ERR Protocol error: "
	invalidMb   = errProto + "invalid multibulk length\r\n"
	invalidBulk = errProto + "invalid bulk length\r\n"
	unbalanced  = errProto + "unbalanced quotes in request\r\n"
)

var protoCases = []protoCase{
	{name: "multibulk ping", in: "*1\r\n$4\r\nPING\r\n", out: pong},
	{name: "inline ping", in: "PING\r\n", out: pong},
	{name: "inline lower case LF only", in: "ping\n", out: pong},
	{name: "pipeline", in: "PING\r\nECHO hi\r\n*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n",
		out: pong + "$2\r\nhi\r\n$4\r\na\r\nb\r\n"},
	{name: "empty bulk", in: "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", out: "$0\r\n\r\n"},
	{name: "huge bulk length", in: "*1\r\n$9223372036854775807\r\n", out: invalidBulk, closed: true},
	{name: "bulk length overflow", in: "*1\r\n$99999999999999999999\r\n", out: invalidBulk, closed: true},
	{name: "bulk length above proto-max-bulk-len", in: "*1\r\n$536870913\r\n", out: invalidBulk, closed: true},
	{name: "bulk length at proto-max-bulk-len waits", in: "*1\r\n$536870912\r\nabc"},
	{name: "negative bulk length", in: "*1\r\n$-1\r\n", out: invalidBulk, closed: true},
	{name: "plus bulk length", in: "*1\r\n$+4\r\nPING\r\n", out: invalidBulk, closed: true},
	{name: "junk after bulk length", in: "*1\r\n$4x\r\nPING\r\n", out: invalidBulk, closed: true},
	{name: "space in bulk length", in: "*1\r\n$ 4\r\nPING\r\n", out: invalidBulk, closed: true},
	{name: "leading zero bulk length", in: "*1\r\n$04\r\nPING\r\n", out: invalidBulk, closed: true},
	{name: "empty bulk length", in: "*1\r\n$\r\n", out: invalidBulk, closed: true},
	{name: "multibulk count above our bound", in: "*1000000000\r\n", out: invalidMb, closed: true,
		differs: "Redis accepts counts up to INT_MAX; we bound them by MaxMultiBulkLen (1024*1024)"},
	{name: "multibulk count INT_MAX", in: "*2147483647\r\n", out: invalidMb, closed: true,
		differs: "Redis accepts counts up to INT_MAX; we bound them by MaxMultiBulkLen (1024*1024)"},
	{name: "multibulk count at our bound waits", in: "*1048576\r\n$4\r\nECHO\r\n"},
	{name: "multibulk count above INT_MAX", in: "*2147483648\r\n", out: invalidMb, closed: true},
	{name: "multibulk count 3e9", in: "*3000000000\r\n", out: invalidMb, closed: true},
	{name: "negative multibulk count is empty", in: "*-5\r\nPING\r\n", out: pong},
	{name: "zero multibulk count is empty", in: "*0\r\nPING\r\n", out: pong},
	{name: "plus multibulk count", in: "*+1\r\n", out: invalidMb, closed: true},
	{name: "leading zero multibulk count", in: "*01\r\n", out: invalidMb, closed: true},
	{name: "minus zero multibulk count", in: "*-0\r\n", out: invalidMb, closed: true},
	{name: "empty multibulk count", in: "*\r\n", out: invalidMb, closed: true},
	{name: "multibulk count LF only", in: "*1\n$4\r\nPING\r\n", out: invalidMb, closed: true},
	{name: "trailing bytes after payload unchecked", in: "*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", out: pong + pong},
	{name: "byte after count CR unchecked", in: "*1\rX$4\r\nPING\r\n", out: pong},
	{name: "byte after bulk length CR unchecked", in: "*1\r\n$4\rXPING\r\n", out: pong},
	{name: "expected dollar got CR", in: "*1\r\n\r\n", out: errProto + "expected '$', got ' '\r\n", closed: true},
	{name: "expected dollar got f", in: "*2\r\n$4\r\nECHO\r\nfooz\r\n", out: errProto + "expected '$', got 'f'\r\n", closed: true},
	{name: "expected dollar got high byte", in: "*1\r\n\x80\r\n", out: errProto + "expected '$', got '\x80'\r\n", closed: true},
	{name: "NUL in length line stalls", in: "*1\r\n\x00\r\n"},
	{name: "NUL in count line stalls", in: "*1\x00\r\n$4\r\nPING\r\n"},
	{name: "partial multibulk", in: "*1\r\n$4\r\nPI"},
	{name: "partial count line", in: "*1\r"},
	{name: "partial inline", in: "PING"},
	{name: "empty lines skipped", in: "\r\n\r\nPING\r\n", out: pong},
	{name: "blank line skipped", in: "   \r\nPING\n", out: pong},
	{name: "CR CR LF", in: "PING\r\r\n", out: pong},
	{name: "leading vertical tab", in: "\x0bPING\r\n", out: pong},
	{name: "inline spaces and tabs", in: "PING  \t hello \r\n", out: "$5\r\nhello\r\n"},
	{name: "NUL in inline stalls", in: "ECHO x\x00y\r\n"},
	{name: "unbalanced quote", in: "\"PING\r\n", out: unbalanced, closed: true},
	{name: "closing quote then byte", in: "ECHO \"a\"b\r\n", out: unbalanced, closed: true},
	{name: "closing single quote then byte", in: "ECHO 'a'b\r\n", out: unbalanced, closed: true},
	{name: "unterminated single quote", in: "ECHO 'x\r\n", out: unbalanced, closed: true},
	{name: "escaped quote at end", in: "ECHO \"\\\"\r\n", out: unbalanced, closed: true},
	{name: "quote inside arg", in: "ECHO a\"b c\"\r\n", out: "$4\r\nab c\r\n"},
	{name: "single quote escape", in: "ECHO 'a\\'b'\r\n", out: "$3\r\na'b\r\n"},
	{name: "single quotes no other escapes", in: "ECHO 'a\\nb'\r\n", out: "$4\r\na\\nb\r\n"},
	{name: "hex escapes", in: "ECHO \"\\x41\\x4g\\n\"\r\n", out: "$5\r\nAx4g\n\r\n"},
	{name: "short hex escape", in: "ECHO \"\\x4\"\r\n", out: "$2\r\nx4\r\n"},
	{name: "escapes", in: "ECHO \"\\t\\r\\b\\a\\q\\\\\\\"\"\r\n", out: "$7\r\n\t\r\b\aq\\\"\r\n"},
	{name: "hex escape in command name", in: "\"\\x50ING\"\r\n", out: pong},
	{name: "single quoted command", in: "'PING'\r\n", out: pong},
	{name: "empty quoted arg", in: "ECHO ''\r\n", out: "$0\r\n\r\n"},
	{name: "vertical tab inside arg", in: "ECHO a\x0bb\r\n", out: "$3\r\na\x0bb\r\n"},
	{name: "vertical tab after quote", in: "ECHO \"x\"\x0b\r\n", out: "$1\r\nx\r\n"},
	{name: "CR inside inline line", in: "ECHO a\rb\r\n", out: "-ERR wrong number of arguments for 'echo' command\r\n"},
	{name: "too big mbulk count string", in: "*" + strings.Repeat("1", 70000),
		out: errProto + "too big mbulk count string\r\n", closed: true},
	{name: "too big bulk count string", in: "*1\r\n$" + strings.Repeat("1", 70000),
		out: errProto + "too big bulk count string\r\n", closed: true},
	{name: "too big inline request", in: "PING" + strings.Repeat(" ", 70000),
		out: errProto + "too big inline request\r\n", closed: true},
	{name: "long inline line that arrives whole", in: "PING" + strings.Repeat(" ", 70000) + "\r\n", out: pong, sizeDependent: true},
	{name: "command then too big inline", in: "*1\r\n$4\r\nPING\r\n" + strings.Repeat("x", 70000),
		out: pong + errProto + "too big inline request\r\n", closed: true},
	{name: "NUL stalled line becomes too big", in: "*1\r\n$4\x00\r\n" + strings.Repeat("x", 70000),
		out: errProto + "too big bulk count string\r\n", closed: true},
}

// serve answers PING and ECHO from rd as Redis would, and reports whether
// the connection would be closed (as opposed to waiting for more input).
func serve(rd *Reader) (out string, closed bool) {
	w := NewWriter(nil)
	for {
		args, err := rd.ReadCommand()
		if err != nil {
			var pe *ProtocolError
			switch {
			case errors.As(err, &pe):
				w.AppendError(pe.Error())
				return string(w.Bytes()), true
			case errors.Is(err, ErrQueryBufferLimit):
				return string(w.Bytes()), true
			}
			return string(w.Bytes()), false
		}
		switch name := strings.ToUpper(string(args[0])); {
		case name == "PING" && len(args) == 1:
			w.AppendSimple("PONG")
		case (name == "PING" || name == "ECHO") && len(args) == 2:
			w.AppendBulk(args[1])
		case name == "ECHO" || name == "PING":
			w.AppendError("ERR wrong number of arguments for '" + strings.ToLower(name) + "' command")
		default:
			w.AppendError(fmt.Sprintf("unexpected command %q", args))
		}
	}
}

// chunkReader returns its data in reads of 1..max bytes (random), then EOF.
type chunkReader struct {
	data []byte
	max  int
	rnd  *rand.Rand
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := 1 + c.rnd.Intn(c.max)
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestProtocolCases(t *testing.T) {
	for _, tc := range protoCases {
		readers := map[string]func() io.Reader{
			"whole": func() io.Reader { return strings.NewReader(tc.in) },
		}
		if !tc.sizeDependent {
			readers["1-byte reads"] = func() io.Reader { return &chunkReader{data: []byte(tc.in), max: 1, rnd: rand.New(rand.NewSource(1))} }
			readers["random reads"] = func() io.Reader { return &chunkReader{data: []byte(tc.in), max: 7, rnd: rand.New(rand.NewSource(2))} }
		}
		for how, mk := range readers {
			out, closed := serve(NewReader(mk(), Limits{}))
			if out != tc.out || closed != tc.closed {
				t.Errorf("%s (%s): got %q closed=%v, want %q closed=%v", tc.name, how, out, closed, tc.out, tc.closed)
			}
		}
	}
}

func TestAuthRequiredLimits(t *testing.T) {
	for _, tc := range authCases {
		rd := NewReader(strings.NewReader(tc.in), Limits{})
		rd.SetAuthRequired(true)
		out, closed := serve(rd)
		if out != tc.out || closed != tc.closed {
			t.Errorf("%s: got %q closed=%v, want %q closed=%v", tc.name, out, closed, tc.out, tc.closed)
		}
	}
}

// authCases run with SetAuthRequired(true) and against a redis-server with
// requirepass (the commands themselves never complete).
var authCases = []protoCase{
	{name: "count 10 waits", in: "*10\r\n$4\r\nECHO\r\n"},
	{name: "count 11", in: "*11\r\n", out: errProto + "unauthenticated multibulk length\r\n", closed: true},
	{name: "count above our bound", in: "*2000000\r\n", out: errProto + "unauthenticated multibulk length\r\n", closed: true},
	{name: "count above INT_MAX", in: "*2147483648\r\n", out: invalidMb, closed: true},
	{name: "bulk 16384 waits", in: "*10\r\n$16384\r\n"},
	{name: "bulk 16385", in: "*10\r\n$16385\r\n", out: errProto + "unauthenticated bulk length\r\n", closed: true},
	{name: "bulk above max", in: "*1\r\n$536870913\r\n", out: invalidBulk, closed: true},
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		line string
		want []string // nil with ok false: unbalanced quotes
		ok   bool
	}{
		{"", []string{}, true},
		{"   \t ", []string{}, true},
		{"a", []string{"a"}, true},
		{"set  key\tvalue ", []string{"set", "key", "value"}, true},
		{"\x0b\x0ca", []string{"a"}, true},
		{"a\x0bb", []string{"a\x0bb"}, true},
		{`"hello world"`, []string{"hello world"}, true},
		{`"\x00\xff\xFf\x7"`, []string{"\x00\xff\xff" + "x7"}, true},
		{`"\n\r\t\b\a\z\"\\"`, []string{"\n\r\t\b\az\"\\"}, true},
		{`'it\'s' 'a\nb'`, []string{"it's", `a\nb`}, true},
		{`''`, []string{""}, true},
		{`"" x`, []string{"", "x"}, true},
		{`a"b c"d`, nil, false},
		{`a"b c" d`, []string{"ab c", "d"}, true},
		{`a'b c'`, []string{"ab c"}, true},
		{`"abc`, nil, false},
		{`'abc`, nil, false},
		{`"abc\`, nil, false},
		{`"a"b`, nil, false},
		{`'a'b`, nil, false},
		{"\"a\"\x0bb", []string{"a", "b"}, true},
		{"a\x00b c", []string{"a"}, true},
		{"\"a\x00\"", nil, false},
		{`"\x41\x42"`, []string{"AB"}, true},
	}
	for _, tt := range tests {
		line := []byte(tt.line)
		offs, ok := splitArgs(line, nil)
		if ok != tt.ok {
			t.Errorf("splitArgs(%q): ok %v, want %v", tt.line, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		got := []string{}
		for i := 0; i < len(offs); i += 2 {
			got = append(got, string(line[offs[i]:offs[i+1]]))
		}
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
			t.Errorf("splitArgs(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

// quoteArg renders b as a double-quoted inline arg that splitArgs must
// decode back to b.
func quoteArg(b []byte, rnd *rand.Rand) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\n' && rnd.Intn(2) == 0:
			sb.WriteString(`\n`)
		case c >= 0x20 && c < 0x7f && rnd.Intn(4) != 0:
			sb.WriteByte(c)
		default:
			fmt.Fprintf(&sb, `\x%02x`, c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

func randBytes(rnd *rand.Rand, n int) []byte {
	b := make([]byte, n)
	rnd.Read(b)
	// Sprinkle the bytes that matter to the protocol.
	alphabet := "ab\r\n\x00$*\"' \\x"
	for i := 0; i < n; i += 1 + rnd.Intn(3) {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return b
}

// TestRandomPipelines feeds random pipelines of random commands, multibulk
// and inline, split at random byte boundaries, and checks that every
// command comes out intact.
func TestRandomPipelines(t *testing.T) {
	rnd := rand.New(rand.NewSource(42))
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	for round := 0; round < rounds; round++ {
		var in []byte
		var want [][][]byte
		maxChunk := []int{1, 3, 100, 5000, 1 << 20}[rnd.Intn(5)]
		bigArg := 300 << 10
		if maxChunk < 100 {
			bigArg = 40 << 10 // tiny reads of big args are slow, and no different
		}
		for c := rnd.Intn(50) + 1; c > 0; c-- {
			nargs := rnd.Intn(8) + 1
			args := make([][]byte, nargs)
			for i := range args {
				n := rnd.Intn(20)
				switch rnd.Intn(40) {
				case 0:
					n = rnd.Intn(bigArg) // past the initial buffer, forces growth
				case 1:
					n = 0
				}
				args[i] = randBytes(rnd, n)
			}
			switch rnd.Intn(4) {
			case 0: // inline, quoted
				size := 0
				for _, a := range args {
					size += len(a)
				}
				if size > 8<<10 {
					in = AppendCommand(in, args...)
					break
				}
				var line []string
				for _, a := range args {
					line = append(line, quoteArg(a, rnd))
				}
				sep := []string{" ", "\t", "  "}[rnd.Intn(3)]
				in = append(in, strings.Join(line, sep)...)
				in = append(in, "\r\n\n"[rnd.Intn(2):]...)
			case 1: // empty commands in between, skipped
				in = append(in, []string{"\r\n", "*0\r\n", "*-1\r\n", "  \n"}[rnd.Intn(4)]...)
				in = AppendCommand(in, args...)
			default:
				in = AppendCommand(in, args...)
			}
			want = append(want, args)
		}
		rd := NewReader(&chunkReader{data: in, max: maxChunk, rnd: rnd}, Limits{})
		for i, w := range want {
			got, err := rd.ReadCommand()
			if err != nil {
				t.Fatalf("round %d command %d: %v", round, i, err)
			}
			if !equalArgs(got, w) {
				t.Fatalf("round %d command %d (chunk %d): got %d args, want %d: %.200q vs %.200q", round, i, maxChunk, len(got), len(w), got, w)
			}
		}
		if args, err := rd.ReadCommand(); err != io.EOF {
			t.Fatalf("round %d: after the pipeline got %q, %v; want EOF", round, args, err)
		}
	}
}

func equalArgs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestArgsCapacityIsBounded(t *testing.T) {
	rd := NewReader(strings.NewReader("*2\r\n$1\r\na\r\n$1\r\nb\r\n"), Limits{})
	args, err := rd.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	_ = append(args[0], 'X') // must not overwrite the buffer
	if string(args[0]) != "a" || string(args[1]) != "b" || cap(args[0]) != 1 {
		t.Fatalf("args %q cap %d", args, cap(args[0]))
	}
}

// stallReader returns data once, then reports EOF.
func TestDeclaredLengthsAreNotAllocated(t *testing.T) {
	// A declared 500 MB bulk with 10 bytes sent costs the initial buffer.
	rd := NewReader(strings.NewReader("*1\r\n$500000000\r\n0123456789"), Limits{})
	if _, err := rd.ReadCommand(); err != io.ErrUnexpectedEOF {
		t.Fatalf("err %v", err)
	}
	if len(rd.buf) > initBufSize {
		t.Fatalf("buffer grew to %d", len(rd.buf))
	}
	// 1 MiB sent of it: the buffer is at most about twice what arrived.
	in := append([]byte("*1\r\n$500000000\r\n"), make([]byte, 1<<20)...)
	rd = NewReader(bytes.NewReader(in), Limits{})
	if _, err := rd.ReadCommand(); err != io.ErrUnexpectedEOF {
		t.Fatalf("err %v", err)
	}
	if len(rd.buf) > 2*len(in)+minRead {
		t.Fatalf("buffer grew to %d for %d bytes", len(rd.buf), len(in))
	}
	// A declared count costs nothing until its elements arrive.
	rd = NewReader(strings.NewReader("*1000000\r\n$1\r\na\r\n"), Limits{})
	if _, err := rd.ReadCommand(); err != io.ErrUnexpectedEOF {
		t.Fatalf("err %v", err)
	}
	if cap(rd.offs) > 16 {
		t.Fatalf("offsets allocated for the declared count: cap %d", cap(rd.offs))
	}
	// A declared bulk reply of 500 MB with 10 bytes sent.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rd = NewReader(strings.NewReader("$500000000\r\n0123456789"), Limits{})
	if _, err := rd.ReadValue(); err != io.ErrUnexpectedEOF {
		t.Fatalf("err %v", err)
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Fatalf("ReadValue allocated %d bytes for a 10-byte partial bulk", d)
	}
	// And an array reply declaring 2^31-1 elements.
	runtime.ReadMemStats(&before)
	rd = NewReader(strings.NewReader("*2147483647\r\n:1\r\n"), Limits{})
	if _, err := rd.ReadValue(); err != io.ErrUnexpectedEOF {
		t.Fatalf("err %v", err)
	}
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Fatalf("ReadValue allocated %d bytes for a declared array", d)
	}
}

func TestLimits(t *testing.T) {
	lim := Limits{MaxBulkLen: 10, MaxMultiBulkLen: 3, MaxInlineLen: 8, MaxQueryBuffer: 40}
	tests := []struct {
		in   string
		want string // error text, or "" for success
	}{
		{"*3\r\n$1\r\na\r\n$1\r\nb\r\n$10\r\n0123456789\r\n", ""},
		{"*4\r\n", "ERR " + msgInvalidMultibulk},
		{"*1\r\n$11\r\n", "ERR " + msgInvalidBulk},
		{"PING 12345", "ERR " + msgTooBigInline},
		{"PING 12\r\n", ""}, // the newline arrives in time: not too big
		{"*123456789", "ERR " + msgTooBigMbulk},
		{"*1\r\n$123456789", "ERR " + msgTooBigBulk},
		{"*3\r\n$10\r\n0123456789\r\n$10\r\n0123456789\r\n$10\r\n0123456789\r\n", ErrQueryBufferLimit.Error()},
	}
	for _, tt := range tests {
		rd := NewReader(&chunkReader{data: []byte(tt.in), max: 1, rnd: rand.New(rand.NewSource(1))}, lim)
		_, err := rd.ReadCommand()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("%q: err %v, want %s", tt.in, err, tt.want)
		}
	}
	if got := NewReader(nil, Limits{}).Limits(); got != (Limits{DefaultMaxBulkLen, DefaultMaxMultiBulkLen, DefaultMaxInlineLen, DefaultMaxQueryBuffer}) {
		t.Errorf("default limits %+v", got)
	}
	rd := NewReader(strings.NewReader("*1\r\n$11\r\nhello world\r\n"), lim)
	rd.SetLimits(Limits{})
	if args, err := rd.ReadCommand(); err != nil || string(args[0]) != "hello world" {
		t.Errorf("after SetLimits: %q %v", args, err)
	}
}

func TestProtocolErrorText(t *testing.T) {
	err := error(&ProtocolError{Msg: msgInvalidMultibulk})
	if err.Error() != "ERR Protocol error: invalid multibulk length" {
		t.Fatal(err.Error())
	}
	var pe *ProtocolError
	if !errors.As(fmt.Errorf("wrapped: %w", err), &pe) || pe.Msg != msgInvalidMultibulk {
		t.Fatal("errors.As")
	}
}

// seqReader returns one chunk per Read.
type seqReader struct{ chunks []string }

func (s *seqReader) Read(p []byte) (int, error) {
	if len(s.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.chunks[0])
	s.chunks[0] = s.chunks[0][n:]
	if s.chunks[0] == "" {
		s.chunks = s.chunks[1:]
	}
	return n, nil
}

func TestBeforeReadAndBuffered(t *testing.T) {
	rd := NewReader(&seqReader{chunks: []string{"PING\r\nPING\r\nPI", "NG\r\n"}}, Limits{})
	var log []string
	rd.SetBeforeRead(func() error { log = append(log, "read"); return nil })
	step := func(wantBuffered int) {
		t.Helper()
		args, err := rd.ReadCommand()
		if err != nil || string(args[0]) != "PING" {
			t.Fatalf("%q %v", args, err)
		}
		log = append(log, "cmd")
		if rd.Buffered() != wantBuffered {
			t.Fatalf("Buffered %d, want %d", rd.Buffered(), wantBuffered)
		}
	}
	step(8)
	step(2) // a partial command is buffered
	step(0)
	if _, err := rd.ReadCommand(); err != io.EOF {
		t.Fatalf("err %v", err)
	}
	// The hook runs before each read, including before reading the rest of
	// the partial command, so replies never wait for it.
	if got := strings.Join(log, " "); got != "read cmd cmd read cmd read" {
		t.Fatalf("sequence %q", got)
	}
	boom := errors.New("flush failed")
	rd = NewReader(strings.NewReader("PING\r\n"), Limits{})
	rd.SetBeforeRead(func() error { return boom })
	if _, err := rd.ReadCommand(); err != boom {
		t.Fatalf("err %v", err)
	}
}

func TestBufferReleasedAfterBigCommand(t *testing.T) {
	big := make([]byte, 3<<20)
	in := AppendCommand(nil, []byte("SET"), []byte("k"), big)
	in = AppendCommandString(in, "GET", "k")
	rd := NewReader(bytes.NewReader(in), Limits{})
	args, err := rd.ReadCommand()
	if err != nil || len(args[2]) != len(big) {
		t.Fatal(err)
	}
	if args, err = rd.ReadCommand(); err != nil || string(args[0]) != "GET" {
		t.Fatal(args, err)
	}
	if _, err = rd.ReadCommand(); err != io.EOF {
		t.Fatal(err)
	}
	if len(rd.buf) != initBufSize {
		t.Fatalf("buffer of %d kept", len(rd.buf))
	}
}

func TestReaderReset(t *testing.T) {
	rd := NewReader(strings.NewReader("PI"), Limits{})
	rd.SetAuthRequired(true)
	if _, err := rd.ReadCommand(); err != io.ErrUnexpectedEOF {
		t.Fatal(err)
	}
	rd.Reset(strings.NewReader("*11\r\n$4\r\nPING\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n$1\r\n0\r\n"))
	if args, err := rd.ReadCommand(); err != nil || len(args) != 11 {
		t.Fatalf("after Reset: %q %v", args, err)
	}
}

// loopReader returns data over and over (never EOF).
type loopReader struct {
	data []byte
	pos  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.pos:])
	l.pos = (l.pos + n) % len(l.data)
	return n, nil
}

func setPipeline(n int) []byte {
	var in []byte
	for i := 0; i < n; i++ {
		in = AppendCommandString(in, "SET", fmt.Sprintf("key:%06d", i), "value-0123456789")
	}
	return in
}

func TestReadCommandAllocs(t *testing.T) {
	rd := NewReader(&loopReader{data: setPipeline(1000)}, Limits{})
	inline := NewReader(&loopReader{data: []byte("SET key \"quoted value\"\r\nGET key\r\n")}, Limits{})
	for i := 0; i < 100; i++ { // warm up args slices
		rd.ReadCommand()
		inline.ReadCommand()
	}
	if a := testing.AllocsPerRun(10000, func() {
		if _, err := rd.ReadCommand(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("multibulk: %v allocs per command", a)
	}
	if a := testing.AllocsPerRun(10000, func() {
		if _, err := inline.ReadCommand(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("inline: %v allocs per command", a)
	}
}

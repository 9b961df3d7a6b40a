package resp

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func TestWriterReplies(t *testing.T) {
	tests := []struct {
		name   string
		append func(w *Writer)
		resp2  string
		resp3  string
	}{
		{"ok", func(w *Writer) { w.AppendOK() }, "+OK\r\n", "+OK\r\n"},
		{"simple", func(w *Writer) { w.AppendSimple("PONG") }, "+PONG\r\n", "+PONG\r\n"},
		{"simple newlines", func(w *Writer) { w.AppendSimple("a\r\nb") }, "+a  b\r\n", "+a  b\r\n"},
		{"error", func(w *Writer) { w.AppendError("ERR unknown command 'x'") }, "-ERR unknown command 'x'\r\n", "-ERR unknown command 'x'\r\n"},
		{"error with dash", func(w *Writer) { w.AppendError("-WRONGTYPE x") }, "-WRONGTYPE x\r\n", "-WRONGTYPE x\r\n"},
		{"error newline", func(w *Writer) { w.AppendError("ERR a\nb") }, "-ERR a b\r\n", "-ERR a b\r\n"},
		{"protocol error", func(w *Writer) { w.AppendError((&ProtocolError{Msg: msgInvalidBulk}).Error()) },
			"-ERR Protocol error: invalid bulk length\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"int", func(w *Writer) { w.AppendInt(42) }, ":42\r\n", ":42\r\n"},
		{"int negative", func(w *Writer) { w.AppendInt(-7) }, ":-7\r\n", ":-7\r\n"},
		{"int min", func(w *Writer) { w.AppendInt(math.MinInt64) }, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"},
		{"bulk", func(w *Writer) { w.AppendBulk([]byte("hello")) }, "$5\r\nhello\r\n", "$5\r\nhello\r\n"},
		{"bulk binary", func(w *Writer) { w.AppendBulk([]byte("a\r\n\x00b")) }, "$5\r\na\r\n\x00b\r\n", "$5\r\na\r\n\x00b\r\n"},
		{"bulk empty", func(w *Writer) { w.AppendBulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"bulk string", func(w *Writer) { w.AppendBulkString("héllo") }, "$6\r\nhéllo\r\n", "$6\r\nhéllo\r\n"},
		{"null", func(w *Writer) { w.AppendNull() }, "$-1\r\n", "_\r\n"},
		{"null array", func(w *Writer) { w.AppendNullArray() }, "*-1\r\n", "_\r\n"},
		{"array", func(w *Writer) { w.AppendArrayLen(2); w.AppendInt(1); w.AppendBulkString("a") }, "*2\r\n:1\r\n$1\r\na\r\n", "*2\r\n:1\r\n$1\r\na\r\n"},
		{"empty array", func(w *Writer) { w.AppendArrayLen(0) }, "*0\r\n", "*0\r\n"},
		{"map", func(w *Writer) { w.AppendMapLen(1); w.AppendBulkString("k"); w.AppendInt(1) }, "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n"},
		{"empty map", func(w *Writer) { w.AppendMapLen(0) }, "*0\r\n", "%0\r\n"},
		{"set", func(w *Writer) { w.AppendSetLen(1); w.AppendBulkString("m") }, "*1\r\n$1\r\nm\r\n", "~1\r\n$1\r\nm\r\n"},
		{"push", func(w *Writer) { w.AppendPushLen(3) }, "*3\r\n", ">3\r\n"},
		{"double", func(w *Writer) { w.AppendDouble(0.1) }, "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n"},
		{"double int", func(w *Writer) { w.AppendDouble(5) }, "$1\r\n5\r\n", ",5\r\n"},
		{"double exp", func(w *Writer) { w.AppendDouble(1e300) }, "$23\r\n1.0000000000000001e+300\r\n", ",1.0000000000000001e+300\r\n"},
		{"double small", func(w *Writer) { w.AppendDouble(-2.5e-10) }, "$23\r\n-2.5000000000000002e-10\r\n", ",-2.5000000000000002e-10\r\n"},
		{"double zero", func(w *Writer) { w.AppendDouble(0) }, "$1\r\n0\r\n", ",0\r\n"},
		{"double neg zero", func(w *Writer) { w.AppendDouble(math.Copysign(0, -1)) }, "$2\r\n-0\r\n", ",-0\r\n"},
		{"double inf", func(w *Writer) { w.AppendDouble(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"double -inf", func(w *Writer) { w.AppendDouble(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"double nan", func(w *Writer) { w.AppendDouble(math.NaN()) }, "$3\r\nnan\r\n", ",nan\r\n"},
		{"bool true", func(w *Writer) { w.AppendBool(true) }, ":1\r\n", "#t\r\n"},
		{"bool false", func(w *Writer) { w.AppendBool(false) }, ":0\r\n", "#f\r\n"},
		{"verbatim", func(w *Writer) { w.AppendVerbatim("txt", []byte("Some string")) }, "$11\r\nSome string\r\n", "=15\r\ntxt:Some string\r\n"},
		{"verbatim bad format", func(w *Writer) { w.AppendVerbatim("markdown", []byte("x")) }, "$1\r\nx\r\n", "=5\r\ntxt:x\r\n"},
		{"big number", func(w *Writer) { w.AppendBigNumber("3492890328409238509324850943850943825024385") },
			"$43\r\n3492890328409238509324850943850943825024385\r\n", "(3492890328409238509324850943850943825024385\r\n"},
		{"raw", func(w *Writer) { w.AppendRaw([]byte("+x\r\n")) }, "+x\r\n", "+x\r\n"},
	}
	for _, tt := range tests {
		for _, proto := range []int{2, 3} {
			var out bytes.Buffer
			w := NewWriter(&out)
			w.SetProto(proto)
			tt.append(w)
			want := tt.resp2
			if proto == 3 {
				want = tt.resp3
			}
			if got := string(w.Bytes()); got != want {
				t.Errorf("%s RESP%d: appended %q, want %q", tt.name, proto, got, want)
			}
			if w.Len() != len(want) {
				t.Errorf("%s RESP%d: Len %d, want %d", tt.name, proto, w.Len(), len(want))
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != want || w.Len() != 0 {
				t.Errorf("%s RESP%d: flushed %q (Len after %d)", tt.name, proto, out.String(), w.Len())
			}
		}
	}
}

func TestWriterProto(t *testing.T) {
	w := NewWriter(nil)
	if w.Proto() != 2 {
		t.Fatalf("default proto %d", w.Proto())
	}
	for _, tc := range []struct{ set, want int }{{3, 3}, {2, 2}, {1, 2}, {4, 2}} {
		w.SetProto(tc.set)
		if w.Proto() != tc.want {
			t.Errorf("SetProto(%d): Proto %d, want %d", tc.set, w.Proto(), tc.want)
		}
	}
}

// countingWriter counts Write calls.
type countingWriter struct {
	bytes.Buffer
	writes int
	err    error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	if c.err != nil {
		return 0, c.err
	}
	return c.Buffer.Write(p)
}

func TestWriterFlushOneWrite(t *testing.T) {
	cw := &countingWriter{}
	w := NewWriter(cw)
	for i := 0; i < 1000; i++ {
		w.AppendBulk(bytes.Repeat([]byte("x"), 100))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if cw.writes != 1 {
		t.Fatalf("%d writes for one flush", cw.writes)
	}
	if err := w.Flush(); err != nil || cw.writes != 1 {
		t.Fatalf("empty flush: err %v, writes %d", err, cw.writes)
	}
	// A big reply's buffer is released after the flush.
	w.AppendBulk(make([]byte, 3<<20))
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if cap(w.buf) > maxIdleWrite {
		t.Fatalf("buffer of %d kept after flush", cap(w.buf))
	}
}

func TestWriterStickyError(t *testing.T) {
	boom := errors.New("boom")
	cw := &countingWriter{err: boom}
	w := NewWriter(cw)
	w.AppendOK()
	if err := w.Flush(); !errors.Is(err, boom) {
		t.Fatalf("Flush: %v", err)
	}
	w.AppendOK()
	if err := w.Flush(); !errors.Is(err, boom) || cw.writes != 1 {
		t.Fatalf("second Flush: %v after %d writes", err, cw.writes)
	}
	w.Reset(&cw.Buffer)
	w.AppendOK()
	if err := w.Flush(); err != nil || cw.String() != "+OK\r\n" {
		t.Fatalf("after Reset: %v %q", err, cw.String())
	}
}

func TestWriterTruncateDiscard(t *testing.T) {
	w := NewWriter(nil)
	w.AppendOK()
	n := w.Len()
	w.AppendArrayLen(2)
	w.AppendInt(1)
	w.Truncate(n)
	if string(w.Bytes()) != "+OK\r\n" {
		t.Fatalf("after Truncate: %q", w.Bytes())
	}
	w.Truncate(100) // beyond Len: no-op
	w.Truncate(-1)
	if string(w.Bytes()) != "+OK\r\n" {
		t.Fatalf("after bad Truncate: %q", w.Bytes())
	}
	w.Discard()
	if w.Len() != 0 {
		t.Fatal("Discard left bytes")
	}
}

func TestAppendCommand(t *testing.T) {
	got := AppendCommand([]byte("x"), []byte("SET"), []byte("k"), []byte(""), []byte("a\r\nb"))
	want := "x*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n$4\r\na\r\nb\r\n"
	if string(got) != want {
		t.Fatalf("AppendCommand = %q, want %q", got, want)
	}
	if s := AppendCommandString(nil, "SET", "k", "", "a\r\nb"); string(s) != want[1:] {
		t.Fatalf("AppendCommandString = %q", s)
	}
	if s := AppendCommand(nil); string(s) != "*0\r\n" {
		t.Fatalf("no args: %q", s)
	}
}

func TestWriterAllocs(t *testing.T) {
	w := NewWriter(discard{})
	w.SetProto(3)
	val := []byte("some value")
	allocs := testing.AllocsPerRun(1000, func() {
		w.AppendOK()
		w.AppendBulk(val)
		w.AppendInt(12345)
		w.AppendDouble(3.14)
		w.AppendMapLen(1)
		w.AppendBulkString("k")
		w.AppendNull()
		w.AppendError("ERR x")
		_ = w.Flush()
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per reply batch", allocs)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

package resp

import (
	"errors"
	"io"
	"math"
	"math/rand"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func str(t byte, s string) Value { return Value{Type: t, Str: []byte(s)} }

func arr(t byte, elems ...Value) Value {
	if elems == nil {
		elems = []Value{}
	}
	return Value{Type: t, Elems: elems}
}

func TestReadValue(t *testing.T) {
	tests := []struct {
		in   string
		want Value
	}{
		{"+OK\r\n", str('+', "OK")},
		{"+\r\n", str('+', "")},
		{"-ERR unknown command\r\n", str('-', "ERR unknown command")},
		{":0\r\n", Value{Type: ':'}},
		{":-9223372036854775808\r\n", Value{Type: ':', Int: math.MinInt64}},
		{":+5\r\n", Value{Type: ':', Int: 5}},
		{"$5\r\nhello\r\n", str('$', "hello")},
		{"$0\r\n\r\n", str('$', "")},
		{"$4\r\na\r\nb\r\n", str('$', "a\r\nb")},
		{"$-1\r\n", Value{Type: '$', Null: true}},
		{"*-1\r\n", Value{Type: '*', Null: true}},
		{"*0\r\n", arr('*')},
		{"*2\r\n:1\r\n$1\r\na\r\n", arr('*', Value{Type: ':', Int: 1}, str('$', "a"))},
		{"*2\r\n*1\r\n+x\r\n*0\r\n", arr('*', arr('*', str('+', "x")), arr('*'))},
		{"_\r\n", Value{Type: '_', Null: true}},
		{",3.14\r\n", Value{Type: ',', Float: 3.14, Str: []byte("3.14")}},
		{",inf\r\n", Value{Type: ',', Float: math.Inf(1), Str: []byte("inf")}},
		{",-inf\r\n", Value{Type: ',', Float: math.Inf(-1), Str: []byte("-inf")}},
		{",1e400\r\n", Value{Type: ',', Float: math.Inf(1), Str: []byte("1e400")}},
		{"#t\r\n", Value{Type: '#', Bool: true}},
		{"#f\r\n", Value{Type: '#'}},
		{"(3492890328409238509324850943850943825024385\r\n", str('(', "3492890328409238509324850943850943825024385")},
		{"(-1\r\n", str('(', "-1")},
		{"!21\r\nSYNTAX invalid syntax\r\n", str('!', "SYNTAX invalid syntax")},
		{"=15\r\ntxt:Some string\r\n", Value{Type: '=', Format: "txt", Str: []byte("Some string")}},
		{"=2\r\nab\r\n", str('=', "ab")},
		{"%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n", arr('%', str('+', "a"), Value{Type: ':', Int: 1}, str('+', "b"), Value{Type: ':', Int: 2})},
		{"~1\r\n+m\r\n", arr('~', str('+', "m"))},
		{">2\r\n+message\r\n+hi\r\n", arr('>', str('+', "message"), str('+', "hi"))},
		{"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*1\r\n:2\r\n",
			Value{Type: '*', Elems: []Value{{Type: ':', Int: 2}}, Attrs: []Value{
				str('+', "key-popularity"),
				arr('%', str('$', "a"), Value{Type: ',', Float: 0.19, Str: []byte("0.19")}),
			}}},
		{"*1\r\n|1\r\n+a\r\n+b\r\n+c\r\n", arr('*', Value{Type: '+', Str: []byte("c"), Attrs: []Value{str('+', "a"), str('+', "b")}})},
		{"|1\r\n+a\r\n+b\r\n|1\r\n+c\r\n+d\r\n:1\r\n", Value{Type: ':', Int: 1, Attrs: []Value{str('+', "a"), str('+', "b"), str('+', "c"), str('+', "d")}}},
	}
	for _, tt := range tests {
		for _, max := range []int{1, 3, 1 << 20} {
			rd := NewReader(&chunkReader{data: []byte(tt.in), max: max, rnd: rand.New(rand.NewSource(1))}, Limits{})
			got, err := rd.ReadValue()
			if err != nil {
				t.Errorf("%q: %v", tt.in, err)
				continue
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%q: got %+v, want %+v", tt.in, got, tt.want)
			}
			if _, err := rd.ReadValue(); err != io.EOF {
				t.Errorf("%q: after the value: %v", tt.in, err)
			}
		}
	}
}

func TestReadValueErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error // nil: any *ProtocolError
	}{
		{"", io.EOF},
		{"+OK", io.ErrUnexpectedEOF},
		{"$5\r\nhel", io.ErrUnexpectedEOF},
		{"$5\r\nhello", io.ErrUnexpectedEOF},
		{"*2\r\n:1\r\n", io.ErrUnexpectedEOF},
		{"+OK\n", nil},
		{"\r\n", nil},
		{"?\r\n", nil},
		{":abc\r\n", nil},
		{":99999999999999999999\r\n", nil},
		{":\r\n", nil},
		{"$-2\r\n", nil},
		{"$x\r\n", nil},
		{"$?\r\n", nil},
		{"*?\r\n", nil},
		{"%?\r\n", nil},
		{"$3\r\nabcde\r\n", nil},
		{"$536870913\r\n", nil},
		{"*2147483648\r\n", nil},
		{"*-2\r\n", nil},
		{"|-1\r\n", nil},
		{"#x\r\n", nil},
		{"#\r\n", nil},
		{"_x\r\n", nil},
		{",abc\r\n", nil},
		{"(12a\r\n", nil},
		{"(\r\n", nil},
		{strings.Repeat("*1\r\n", 600) + ":1\r\n", nil},
	}
	for _, tt := range tests {
		_, err := NewReader(strings.NewReader(tt.in), Limits{}).ReadValue()
		var pe *ProtocolError
		switch {
		case tt.want == nil && !errors.As(err, &pe):
			t.Errorf("%.40q: err %v, want a protocol error", tt.in, err)
		case tt.want != nil && err != tt.want:
			t.Errorf("%.40q: err %v, want %v", tt.in, err, tt.want)
		}
	}
}

// TestWriterReadValueRoundTrip writes each reply type with the Writer in
// both protocols and reads it back.
func TestWriterReadValueRoundTrip(t *testing.T) {
	type tcase struct {
		name         string
		append       func(w *Writer)
		resp2, resp3 Value
	}
	i := func(n int64) Value { return Value{Type: ':', Int: n} }
	tests := []tcase{
		{"ok", func(w *Writer) { w.AppendOK() }, str('+', "OK"), str('+', "OK")},
		{"error", func(w *Writer) { w.AppendError("WRONGTYPE x") }, str('-', "WRONGTYPE x"), str('-', "WRONGTYPE x")},
		{"int", func(w *Writer) { w.AppendInt(-5) }, i(-5), i(-5)},
		{"bulk", func(w *Writer) { w.AppendBulk([]byte("a\x00\r\n")) }, str('$', "a\x00\r\n"), str('$', "a\x00\r\n")},
		{"null", func(w *Writer) { w.AppendNull() }, Value{Type: '$', Null: true}, Value{Type: '_', Null: true}},
		{"null array", func(w *Writer) { w.AppendNullArray() }, Value{Type: '*', Null: true}, Value{Type: '_', Null: true}},
		{"double", func(w *Writer) { w.AppendDouble(1.5) }, str('$', "1.5"), Value{Type: ',', Float: 1.5, Str: []byte("1.5")}},
		{"double inf", func(w *Writer) { w.AppendDouble(math.Inf(-1)) }, str('$', "-inf"), Value{Type: ',', Float: math.Inf(-1), Str: []byte("-inf")}},
		{"bool", func(w *Writer) { w.AppendBool(true) }, i(1), Value{Type: '#', Bool: true}},
		{"verbatim", func(w *Writer) { w.AppendVerbatim("mkd", []byte("# hi")) }, str('$', "# hi"), Value{Type: '=', Format: "mkd", Str: []byte("# hi")}},
		{"big number", func(w *Writer) { w.AppendBigNumber("-123456789012345678901234567890") },
			str('$', "-123456789012345678901234567890"), str('(', "-123456789012345678901234567890")},
		{"map", func(w *Writer) {
			w.AppendMapLen(2)
			w.AppendBulkString("a")
			w.AppendInt(1)
			w.AppendBulkString("b")
			w.AppendSetLen(1)
			w.AppendBool(false)
		},
			arr('*', str('$', "a"), i(1), str('$', "b"), arr('*', i(0))),
			arr('%', str('$', "a"), i(1), str('$', "b"), arr('~', Value{Type: '#'})),
		},
		{"push", func(w *Writer) {
			w.AppendPushLen(3)
			w.AppendBulkString("message")
			w.AppendBulkString("ch")
			w.AppendBulkString("hi")
		},
			arr('*', str('$', "message"), str('$', "ch"), str('$', "hi")),
			arr('>', str('$', "message"), str('$', "ch"), str('$', "hi")),
		},
		{"empty aggregates", func(w *Writer) {
			w.AppendArrayLen(3)
			w.AppendArrayLen(0)
			w.AppendMapLen(0)
			w.AppendSetLen(0)
		},
			arr('*', arr('*'), arr('*'), arr('*')),
			arr('*', arr('*'), arr('%'), arr('~')),
		},
	}
	for _, proto := range []int{2, 3} {
		// All replies in one pipeline, read back in order.
		w := NewWriter(nil)
		w.SetProto(proto)
		for _, tt := range tests {
			tt.append(w)
		}
		rd := NewReader(&chunkReader{data: w.Bytes(), max: 5, rnd: rand.New(rand.NewSource(3))}, Limits{})
		for _, tt := range tests {
			want := tt.resp2
			if proto == 3 {
				want = tt.resp3
			}
			got, err := rd.ReadValue()
			if err != nil {
				t.Fatalf("RESP%d %s: %v", proto, tt.name, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("RESP%d %s: got %+v, want %+v", proto, tt.name, got, want)
			}
		}
		if _, err := rd.ReadValue(); err != io.EOF {
			t.Errorf("RESP%d: trailing data: %v", proto, err)
		}
	}
}

// TestDoubleRoundTrip checks that every double survives AppendDouble and
// ReadValue exactly (%.17g is lossless for float64).
func TestDoubleRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewSource(7))
	w := NewWriter(nil)
	w.SetProto(3)
	var want []float64
	for n := 0; n < 2000; n++ {
		f := math.Float64frombits(rnd.Uint64())
		if math.IsNaN(f) {
			continue
		}
		want = append(want, f)
		w.AppendDouble(f)
	}
	rd := NewReader(strings.NewReader(string(w.Bytes())), Limits{})
	for _, f := range want {
		v, err := rd.ReadValue()
		if err != nil || v.Float != f {
			t.Fatalf("%v: got %v, %v", f, v.Float, err)
		}
		if string(v.Str) != strconv.FormatFloat(f, 'g', 17, 64) && !math.IsInf(f, 0) {
			t.Fatalf("%v: text %q", f, v.Str)
		}
	}
}

// TestReadValueBigBulk reads a bulk much larger than the Reader's buffer,
// in small reads, without growing the buffer.
func TestReadValueBigBulk(t *testing.T) {
	payload := randBytes(rand.New(rand.NewSource(9)), 3<<20)
	w := NewWriter(nil)
	w.AppendBulk(payload)
	w.AppendOK()
	rd := NewReader(&chunkReader{data: w.Bytes(), max: 70000, rnd: rand.New(rand.NewSource(1))}, Limits{})
	v, err := rd.ReadValue()
	if err != nil || string(v.Str) != string(payload) {
		t.Fatalf("bulk: %v (len %d)", err, len(v.Str))
	}
	if len(rd.buf) != initBufSize {
		t.Fatalf("buffer grew to %d", len(rd.buf))
	}
	if cap(v.Str) > 2*len(payload) {
		t.Fatalf("cap %d for %d bytes", cap(v.Str), len(payload))
	}
	if v, err = rd.ReadValue(); err != nil || string(v.Str) != "OK" {
		t.Fatalf("after bulk: %+v %v", v, err)
	}
}

func TestReadValueAfterCommandStream(t *testing.T) {
	// A client reads replies that arrive in pieces and interleaved with
	// pushes, one value at a time.
	in := ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n+OK\r\n"
	rd := NewReader(&chunkReader{data: []byte(in), max: 2, rnd: rand.New(rand.NewSource(1))}, Limits{})
	v, err := rd.ReadValue()
	if err != nil || v.Type != '>' || len(v.Elems) != 3 {
		t.Fatalf("%+v %v", v, err)
	}
	if v, err = rd.ReadValue(); err != nil || v.Type != '+' {
		t.Fatalf("%+v %v", v, err)
	}
}

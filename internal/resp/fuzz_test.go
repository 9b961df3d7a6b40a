package resp

import (
	"bytes"
	"errors"
	"math/rand"
	"reflect"
	"strconv"
	"testing"
)

// fuzzLimits are small so that fuzzing reaches every limit.
var fuzzLimits = Limits{MaxBulkLen: 1 << 12, MaxMultiBulkLen: 64, MaxInlineLen: 256, MaxQueryBuffer: 1 << 14}

type cmdResult struct {
	cmds [][][]byte
	err  error
}

func readAllCommands(rd *Reader) cmdResult {
	var res cmdResult
	for {
		args, err := rd.ReadCommand()
		if err != nil {
			res.err = err
			return res
		}
		cp := make([][]byte, len(args))
		for i, a := range args {
			cp[i] = bytes.Clone(a)
		}
		res.cmds = append(res.cmds, cp)
	}
}

// sizeDependent reports errors whose occurrence depends on how the input
// is cut into reads (as in Redis).
func sizeDependent(err error) bool {
	var pe *ProtocolError
	if errors.As(err, &pe) {
		switch pe.Msg {
		case msgTooBigInline, msgTooBigMbulk, msgTooBigBulk:
			return true
		}
	}
	return errors.Is(err, ErrQueryBufferLimit)
}

func FuzzReadCommand(f *testing.F) {
	for _, tc := range protoCases {
		if len(tc.in) < 1000 {
			f.Add([]byte(tc.in))
		}
	}
	f.Add(setPipeline(3))
	f.Add([]byte("*2\r\n$3\r\nGET\r\n$4000\r\n"))
	f.Add([]byte("SET k \"a\\x00b\" 'c d'\r\nGET k\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := readAllCommands(NewReader(bytes.NewReader(data), fuzzLimits))
		for _, cmd := range whole.cmds {
			if len(cmd) == 0 || int64(len(cmd)) > fuzzLimits.MaxMultiBulkLen {
				t.Fatalf("command of %d args", len(cmd))
			}
			for _, a := range cmd {
				// (Inline args are not bound by MaxBulkLen, as in Redis:
				// a long inline line that arrives whole is accepted.)
				if int64(len(a)) > fuzzLimits.MaxQueryBuffer {
					t.Fatalf("arg of %d bytes", len(a))
				}
			}
			// A command re-encoded as a multibulk reads back the same.
			again, err := NewReader(bytes.NewReader(AppendCommand(nil, cmd...)), Limits{}).ReadCommand()
			if err != nil || !equalArgs(again, cmd) {
				t.Fatalf("re-encoded %q read back as %q, %v", cmd, again, err)
			}
		}
		if whole.err == nil {
			t.Fatal("no final error")
		}
		// Tiny reads must give the same commands, up to an error that
		// depends on read sizes.
		rnd := rand.New(rand.NewSource(int64(len(data))))
		tiny := readAllCommands(NewReader(&chunkReader{data: data, max: 3, rnd: rnd}, fuzzLimits))
		n := min(len(whole.cmds), len(tiny.cmds))
		for i := 0; i < n; i++ {
			if !equalArgs(whole.cmds[i], tiny.cmds[i]) {
				t.Fatalf("command %d: %q whole, %q in tiny reads", i, whole.cmds[i], tiny.cmds[i])
			}
		}
		if sizeDependent(whole.err) || sizeDependent(tiny.err) {
			return
		}
		if len(whole.cmds) != len(tiny.cmds) || whole.err.Error() != tiny.err.Error() {
			t.Fatalf("whole: %d commands then %v; tiny reads: %d commands then %v", len(whole.cmds), whole.err, len(tiny.cmds), tiny.err)
		}
	})
}

// appendValue encodes v as RESP3 the way ReadValue decoded it.
func appendValue(dst []byte, v Value) []byte {
	if v.Attrs != nil {
		dst = append(dst, '|')
		dst = strconv.AppendInt(dst, int64(len(v.Attrs)/2), 10)
		dst = append(dst, '\r', '\n')
		for _, a := range v.Attrs {
			dst = appendValue(dst, a)
		}
	}
	dst = append(dst, v.Type)
	switch v.Type {
	case '+', '-', '(', ',':
		dst = append(dst, v.Str...)
	case ':':
		dst = strconv.AppendInt(dst, v.Int, 10)
	case '#':
		if v.Bool {
			dst = append(dst, 't')
		} else {
			dst = append(dst, 'f')
		}
	case '_':
	case '$', '!', '=':
		if v.Null {
			dst = append(dst, "-1"...)
			break
		}
		payload := v.Str
		if v.Format != "" {
			payload = append([]byte(v.Format+":"), v.Str...)
		}
		dst = strconv.AppendInt(dst, int64(len(payload)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, payload...)
	default: // aggregates
		if v.Null {
			dst = append(dst, "-1\r\n"...)
			return dst
		}
		n := len(v.Elems)
		if v.Type == '%' {
			n /= 2
		}
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, '\r', '\n')
		for _, e := range v.Elems {
			dst = appendValue(dst, e)
		}
		return dst
	}
	return append(dst, '\r', '\n')
}

type valueResult struct {
	vals []Value
	err  error
}

func readAllValues(rd *Reader) valueResult {
	var res valueResult
	for {
		v, err := rd.ReadValue()
		if err != nil {
			res.err = err
			return res
		}
		res.vals = append(res.vals, v)
	}
}

func FuzzReadValue(f *testing.F) {
	for _, s := range []string{
		"+OK\r\n", "-ERR x\r\n", ":12\r\n", "$3\r\nabc\r\n", "$-1\r\n", "*-1\r\n", "*2\r\n:1\r\n$1\r\na\r\n",
		"_\r\n", ",1.5\r\n", ",inf\r\n", "#t\r\n", "(123\r\n", "!3\r\nERR\r\n", "=7\r\ntxt:abc\r\n",
		"%1\r\n+a\r\n:1\r\n", "~1\r\n+m\r\n", ">2\r\n+a\r\n+b\r\n", "|1\r\n+a\r\n+b\r\n:1\r\n", "$?\r\n",
		"*3\r\n%1\r\n~0\r\n|1\r\n_\r\n#f\r\n=4\r\nabcd\r\n,-0\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := readAllValues(NewReader(bytes.NewReader(data), fuzzLimits))
		if whole.err == nil {
			t.Fatal("no final error")
		}
		for _, v := range whole.vals {
			// Each value re-encoded reads back the same.
			enc := appendValue(nil, v)
			again, err := NewReader(bytes.NewReader(enc), fuzzLimits).ReadValue()
			if err != nil || !reflect.DeepEqual(again, v) {
				t.Fatalf("%+v encoded as %q read back as %+v, %v", v, enc, again, err)
			}
		}
		rnd := rand.New(rand.NewSource(int64(len(data))))
		tiny := readAllValues(NewReader(&chunkReader{data: data, max: 3, rnd: rnd}, fuzzLimits))
		if !reflect.DeepEqual(whole.vals, tiny.vals) {
			t.Fatalf("values differ with tiny reads: %+v vs %+v", whole.vals, tiny.vals)
		}
		if whole.err.Error() != tiny.err.Error() {
			t.Fatalf("whole: %v; tiny reads: %v", whole.err, tiny.err)
		}
	})
}

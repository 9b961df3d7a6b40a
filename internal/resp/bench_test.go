package resp

import (
	"testing"
)

// BenchmarkReadCommand reads a pipeline of SET commands (as redis-benchmark
// -P sends them); one op is one command.
func BenchmarkReadCommand(b *testing.B) {
	in := setPipeline(1000)
	rd := NewReader(&loopReader{data: in}, Limits{})
	b.SetBytes(int64(len(in) / 1000))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		args, err := rd.ReadCommand()
		if err != nil || len(args) != 3 {
			b.Fatal(args, err)
		}
	}
}

// BenchmarkReadCommandInline reads inline commands with quotes.
func BenchmarkReadCommandInline(b *testing.B) {
	in := []byte("SET key:000001 \"value 0123456789\"\r\nGET key:000001\r\n")
	rd := NewReader(&loopReader{data: in}, Limits{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rd.ReadCommand(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriter appends a typical mix of replies (one op is one reply)
// and flushes every 100 replies, as a pipelined connection does.
func BenchmarkWriter(b *testing.B) {
	w := NewWriter(discard{})
	val := []byte("value-0123456789")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		switch i % 5 {
		case 0:
			w.AppendOK()
		case 1:
			w.AppendBulk(val)
		case 2:
			w.AppendInt(int64(i))
		case 3:
			w.AppendArrayLen(2)
			w.AppendBulk(val)
			w.AppendNull()
		case 4:
			w.AppendDouble(float64(i) / 3)
		}
		if i%100 == 99 {
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReadValue reads replies as a client does (values are copied
// out, so it allocates).
func BenchmarkReadValue(b *testing.B) {
	w := NewWriter(nil)
	w.SetProto(3)
	for i := 0; i < 100; i++ {
		w.AppendBulkString("value-0123456789")
		w.AppendInt(42)
		w.AppendArrayLen(2)
		w.AppendBulkString("a")
		w.AppendNull()
	}
	rd := NewReader(&loopReader{data: append([]byte{}, w.Bytes()...)}, Limits{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rd.ReadValue(); err != nil {
			b.Fatal(err)
		}
	}
}

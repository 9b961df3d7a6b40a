package resp

import (
	"bytes"
	"io"
	"math/rand"
	"runtime"
	"testing"
)

// A bulk past BigArg that has not arrived whole is read into one buffer
// of its declared size: reading a 64 MB SET allocates about 64 MB, not
// the ~128 MB of a doubling buffer (plus the copies), and the shared
// buffer stays small.
func TestBigBulkReadIntoOneBuffer(t *testing.T) {
	const size = 64 << 20
	val := make([]byte, size)
	for i := range val {
		val[i] = byte(i * 7)
	}
	in := AppendCommand(nil, []byte("SET"), []byte("k"), val)
	in = AppendCommandString(in, "GET", "k")
	rd := NewReader(&chunkReader{data: in, max: 256 << 10, rnd: rand.New(rand.NewSource(1))}, Limits{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	args, err := rd.ReadCommand()
	runtime.ReadMemStats(&after)
	if err != nil || len(args) != 3 || !bytes.Equal(args[2], val) || string(args[1]) != "k" {
		t.Fatalf("SET: %d args, %v", len(args), err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size+size/8 {
		t.Fatalf("reading a %d MB bulk allocated %d MB", size>>20, alloc>>20)
	}
	if len(rd.buf) > 1<<20 {
		t.Fatalf("the shared buffer grew to %d bytes", len(rd.buf))
	}
	if args, err = rd.ReadCommand(); err != nil || len(args) != 2 || string(args[0]) != "GET" {
		t.Fatalf("next command: %q, %v", args, err)
	}
	if len(rd.bigs) != 0 {
		t.Fatal("the big arg is kept after the next command began")
	}
	if _, err := rd.ReadCommand(); err != io.EOF {
		t.Fatal(err)
	}
}

// Big and small args mixed, split at random points, pipelined: the same
// commands as an all-at-once read; and the query buffer limit counts big
// args.
func TestBigArgsPipelined(t *testing.T) {
	rnd := rand.New(rand.NewSource(2))
	var in []byte
	var want [][][]byte
	for c := 0; c < 6; c++ {
		var args [][]byte
		for a := 0; a < 1+rnd.Intn(4); a++ {
			n := rnd.Intn(100)
			if rnd.Intn(2) == 0 {
				n = BigArg + rnd.Intn(BigArg)
			}
			b := make([]byte, n)
			rnd.Read(b)
			args = append(args, b)
		}
		want = append(want, args)
		in = AppendCommand(in, args...)
	}
	for _, max := range []int{1 << 10, 100 << 10, 4 << 20} {
		rd := NewReader(&chunkReader{data: in, max: max, rnd: rnd}, Limits{})
		for i, w := range want {
			got, err := rd.ReadCommand()
			if err != nil || len(got) != len(w) {
				t.Fatalf("max %d, command %d: %d args, %v", max, i, len(got), err)
			}
			for j := range w {
				if !bytes.Equal(got[j], w[j]) {
					t.Fatalf("max %d, command %d arg %d differs", max, i, j)
				}
			}
		}
		if _, err := rd.ReadCommand(); err != io.EOF {
			t.Fatal(err)
		}
	}
	// Two big args of 600 KB against a 1 MB query buffer limit.
	two := AppendCommand(nil, []byte("MSET"), make([]byte, 600<<10), make([]byte, 600<<10))
	rd := NewReader(&chunkReader{data: two, max: 64 << 10, rnd: rnd}, Limits{MaxQueryBuffer: 1 << 20})
	if _, err := rd.ReadCommand(); err != ErrQueryBufferLimit {
		t.Fatalf("two big args over the query buffer limit: %v", err)
	}
	// A stream that ends inside a big arg.
	cut := AppendCommand(nil, []byte("SET"), []byte("k"), make([]byte, 2*BigArg))
	rd = NewReader(bytes.NewReader(cut[:len(cut)-100]), Limits{})
	if _, err := rd.ReadCommand(); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated big arg: %v", err)
	}
}

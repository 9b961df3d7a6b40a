package server

import (
	"bytes"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"rustypotato/internal/resp"
)

// A command with a bulk past bigCommand (and FLUSHALL) returns memory to
// the OS shortly after (once for a burst); small commands do not.
func TestMemoryReturnedAfterBigCommand(t *testing.T) {
	var calls atomic.Int32
	old := freeOSMemory
	freeOSMemory = func() { calls.Add(1) }
	defer func() { freeOSMemory = old }()

	s := &Server{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	defer s.Close()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	rd := resp.NewReader(nc, resp.Limits{})
	do := func(args ...[]byte) {
		t.Helper()
		if _, err := nc.Write(resp.AppendCommand(nil, args...)); err != nil {
			t.Fatal(err)
		}
		if _, err := rd.ReadValue(); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 50; i++ {
		do([]byte("SET"), []byte("small"), []byte("v"))
	}
	time.Sleep(2 * memReturnDelay)
	if n := calls.Load(); n != 0 {
		t.Fatalf("small commands returned memory %d times", n)
	}
	do([]byte("SET"), []byte("big"), bytes.Repeat([]byte("x"), bigCommand))
	do([]byte("SET"), []byte("big2"), bytes.Repeat([]byte("x"), bigCommand))
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(2 * memReturnDelay)
	n := calls.Load()
	if n < 1 || n > 2 {
		t.Fatalf("two big SETs returned memory %d times, want once (twice if they were slow)", n)
	}
	do([]byte("FLUSHALL"))
	time.Sleep(3 * memReturnDelay)
	if got := calls.Load(); got != n+1 {
		t.Fatalf("after FLUSHALL: %d returns, want %d", got, n+1)
	}
}

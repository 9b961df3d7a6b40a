package wasm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"rustypotato/internal/plugintest"
)

// fakeHost answers GET and SET from a map, with RESP replies.
type fakeHost struct {
	mu   sync.Mutex
	kv   map[string]string
	logs []string
	cmds []string
}

func (h *fakeHost) Call(args [][]byte, proto int) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	var parts []string
	for _, a := range args {
		parts = append(parts, string(a))
	}
	h.cmds = append(h.cmds, strings.Join(parts, " "))
	switch strings.ToUpper(string(args[0])) {
	case "GET":
		v, ok := h.kv[string(args[1])]
		if !ok {
			return []byte("$-1\r\n")
		}
		return []byte(fmt.Sprintf("$%d\r\n%s\r\n", len(v), v))
	case "SET":
		h.kv[string(args[1])] = string(args[2])
		return []byte("+OK\r\n")
	}
	return []byte("-ERR unknown\r\n")
}

func (h *fakeHost) Log(level int, msg string) {
	h.mu.Lock()
	h.logs = append(h.logs, fmt.Sprintf("%d %s", level, msg))
	h.mu.Unlock()
}

func compileHostile(t testing.TB, cfg Config) *Module {
	t.Helper()
	code := plugintest.WAT(t, "../../server/testdata/plugins/hostile.wat")
	m, err := Compile(context.Background(), code, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func callT(t *testing.T, m *Module, ctx context.Context, fn string, h Host, keys, args []string) ([]byte, error) {
	t.Helper()
	f := m.Function(fn)
	if f == nil {
		t.Fatalf("no function %q", fn)
	}
	bk := make([][]byte, len(keys))
	for i, k := range keys {
		bk[i] = []byte(k)
	}
	ba := make([][]byte, len(args))
	for i, a := range args {
		ba[i] = []byte(a)
	}
	return m.Call(ctx, f, bk, ba, time.Unix(1700000000, 0), h, nil)
}

func TestManifest(t *testing.T) {
	m := compileHostile(t, Config{})
	if m.Name() != "hostile" {
		t.Fatalf("name %q", m.Name())
	}
	var names []string
	for _, f := range m.Functions() {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "get loop bomb trap undeclared huge badresp set ro fail calls" {
		t.Fatalf("functions %q", got)
	}
	if f := m.Function("get"); f.Flags != FlagNoWrites || f.Description != "Gets a key" {
		t.Fatalf("get: %+v", f)
	}
}

func TestCallsAndPool(t *testing.T) {
	m := compileHostile(t, Config{MaxIdle: 2})
	h := &fakeHost{kv: map[string]string{"k": "v"}}
	got, err := callT(t, m, context.Background(), "get", h, []string{"k"}, nil)
	if err != nil || string(got) != "$1\r\nv\r\n" {
		t.Fatalf("get = %q, %v", got, err)
	}
	got, err = callT(t, m, context.Background(), "set", h, []string{"k"}, []string{"new"})
	if err != nil || string(got) != "+OK\r\n" || h.kv["k"] != "new" {
		t.Fatalf("set = %q, %v, kv %v", got, err, h.kv)
	}
	if len(h.logs) != 1 || h.logs[0] != "2 hello from the guest" {
		t.Fatalf("logs %q", h.logs)
	}
	// Concurrent calls get their own instances; at most MaxIdle stay.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := callT(t, m, context.Background(), "get", h, []string{"k"}, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := m.Idle(); n < 1 || n > 2 {
		t.Fatalf("idle instances %d, want 1..2", n)
	}
}

func TestHostileGuests(t *testing.T) {
	m := compileHostile(t, Config{MaxMemory: 1 << 20})
	h := &fakeHost{kv: map[string]string{}}

	ctx, cancel := context.WithTimeoutCause(context.Background(), 50*time.Millisecond, errors.New("too slow"))
	defer cancel()
	start := time.Now()
	_, err := callT(t, m, ctx, "loop", h, nil, nil)
	if err == nil || err.Error() != "too slow" || time.Since(start) > 5*time.Second {
		t.Fatalf("loop: %v after %v", err, time.Since(start))
	}

	var ctl Control
	go func() {
		for !ctl.Stop(errors.New("killed")) {
			time.Sleep(5 * time.Millisecond)
		}
	}()
	f := m.Function("loop")
	if _, err := m.Call(context.Background(), f, nil, nil, time.Now(), h, &ctl); err == nil || err.Error() != "killed" {
		t.Fatalf("loop stopped by Control: %v", err)
	}

	got, err := callT(t, m, context.Background(), "bomb", h, nil, nil)
	if err != nil || string(got) != "+capped\r\n" {
		t.Fatalf("bomb = %q, %v", got, err)
	}

	_, err = callT(t, m, context.Background(), "trap", h, []string{"k"}, []string{"v"})
	var we *Error
	if !errors.As(err, &we) || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("trap: %v", err)
	}

	_, err = callT(t, m, context.Background(), "huge", h, nil, nil)
	if !errors.As(err, &we) || !strings.Contains(err.Error(), "out of bounds") {
		t.Fatalf("huge: %v", err)
	}

	got, err = callT(t, m, context.Background(), "fail", h, []string{"k"}, []string{"v"})
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 1 || string(se.Reply) != "-ERR guest says no\r\n" {
		t.Fatalf("fail = %q, %v", got, err)
	}

	// The module still serves calls after all that.
	h.kv["k"] = "fine"
	got, err = callT(t, m, context.Background(), "get", h, []string{"k"}, nil)
	if err != nil || string(got) != "$4\r\nfine\r\n" {
		t.Fatalf("get after hostile calls = %q, %v", got, err)
	}
}

type retry struct{}

type panicHost struct{ fakeHost }

func (h *panicHost) Call(args [][]byte, proto int) []byte { panic(retry{}) }

func TestHostPanicIsReraised(t *testing.T) {
	m := compileHostile(t, Config{})
	defer func() {
		if r := recover(); r != (retry{}) {
			t.Fatalf("recovered %v, want the host's panic", r)
		}
	}()
	callT(t, m, context.Background(), "get", &panicHost{}, []string{"k"}, nil)
	t.Fatal("no panic")
}

func TestCompileRefusals(t *testing.T) {
	for _, tc := range []struct {
		code []byte
		want string
	}{
		{[]byte("\x00asm\x01\x00\x00\x00"), "does not export rp_run"},
		{[]byte("#!lua name=x\n"), "not a WebAssembly module"},
		{[]byte("\x00asm\x01\x00\x00\x00\xff"), "Error compiling"},
	} {
		_, err := Compile(context.Background(), tc.code, Config{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%q) = %v, want %q", tc.code, err, tc.want)
		}
	}
}

// pongHost answers every command with +PONG.
type pongHost struct{}

func (pongHost) Call(args [][]byte, proto int) []byte { return pong }
func (pongHost) Log(int, string)                      {}

var pong = []byte("+PONG\r\n")

// BenchmarkCall is one call of a function that issues one command.
func BenchmarkCall(b *testing.B) {
	m := compileHostile(b, Config{})
	f := m.Function("get")
	keys := [][]byte{[]byte("k")}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Call(context.Background(), f, keys, nil, now, pongHost{}, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHostCall is the cost of one rp.call from the guest to a host
// that answers at once (the function makes 1000 of them per call).
func BenchmarkHostCall(b *testing.B) {
	m := compileHostile(b, Config{})
	f := m.Function("calls")
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Call(context.Background(), f, nil, nil, now, pongHost{}, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/hostcall")
}

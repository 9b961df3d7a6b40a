package server_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"rustypotato"
	"rustypotato/internal/plugintest"
	"rustypotato/server"
	"rustypotato/server/servertest"
)

// The example plugins of examples/plugins, built by their toolchains
// and run through the server.

func TestExamplePluginRateLimit(t *testing.T) {
	code := plugintest.Go(t, "../examples/plugins/ratelimit")
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	if err := c.FunctionLoad(ctx, string(code)).Err(); err != nil {
		t.Fatal(err)
	}
	// Capacity 3, refilling one token per 1000 s: three calls pass, the
	// fourth is limited.
	var got [][]any
	for i := 0; i < 4; i++ {
		v, err := c.FCall(ctx, "ratelimit", []string{"bucket:u1"}, 3, 0.001).Result()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.([]any))
	}
	want := [][]any{{int64(1), int64(2)}, {int64(1), int64(1)}, {int64(1), int64(0)}, {int64(0), int64(0)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ratelimit replies %v, want %v", got, want)
	}
	if ttl := c.PTTL(ctx, "bucket:u1").Val(); ttl <= 0 {
		t.Fatalf("bucket has no TTL: %v", ttl)
	}
	if err := c.FCall(ctx, "ratelimit", []string{"b"}, "x", 1).Err(); err == nil || err.Error() != "ERR capacity and refill rate must be positive numbers, cost a non-negative one" {
		t.Fatalf("bad arguments: %v", err)
	}
}

func TestExamplePluginCAS(t *testing.T) {
	code := plugintest.Go(t, "../examples/plugins/cas")
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	if err := c.FunctionLoad(ctx, string(code)).Err(); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		fn   string
		ro   bool
		args []any
		want any
	}{
		{"cas_create", false, []any{"v1"}, int64(1)},
		{"cas_create", false, []any{"v2"}, int64(0)},
		{"cas", false, []any{"nope", "v2"}, int64(0)},
		{"cas", false, []any{"v1", "v2"}, int64(1)},
		{"cas_version", true, nil, "v2"},
	}
	for _, st := range steps {
		var v any
		var err error
		if st.ro {
			v, err = c.FCallRO(ctx, st.fn, []string{"cfg"}, st.args...).Result()
		} else {
			v, err = c.FCall(ctx, st.fn, []string{"cfg"}, st.args...).Result()
		}
		if err != nil || v != st.want {
			t.Fatalf("%s %v = %v, %v; want %v", st.fn, st.args, v, err, st.want)
		}
	}
	if err := c.FCall(ctx, "cas", []string{"cfg"}).Err(); err == nil || err.Error() != "ERR wrong number of keys or arguments" {
		t.Fatalf("usage error: %v", err)
	}
}

func TestExamplePluginHook(t *testing.T) {
	code := plugintest.Go(t, "../examples/plugins/hook")
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	if err := c.FunctionLoad(ctx, string(code)).Err(); err != nil {
		t.Fatal(err)
	}
	// Through FCALL, with the hook ABI's arguments.
	if v, err := c.FCall(ctx, "email_hook", []string{"user:1:email"}, "set", "", " Ann@Example.COM ").Result(); err != nil || v != "ann@example.com" {
		t.Fatalf("FCALL email_hook = %v, %v", v, err)
	}
	// Through the Go entry point, inside a transaction.
	cases := []struct {
		op, new string
		want    server.HookResult
	}{
		{"set", "ann@example.com", server.HookResult{}},
		{"set", "Ann@Example.com", server.HookResult{Replace: true, Value: []byte("ann@example.com")}},
		{"set", "not an address", server.HookResult{Reject: "ERR value of user:1:email is not an e-mail address"}},
		{"del", "", server.HookResult{}},
	}
	for _, tc := range cases {
		var got server.HookResult
		err := ts.DB.Update(func(tx *potato.Tx) error {
			var err error
			got, err = ts.Server.CallHookFunction(tx, 0, "email_hook", "user:1:email", tc.op, nil, []byte(tc.new))
			return err
		})
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("hook %s %q = %+v, %v; want %+v", tc.op, tc.new, got, err, tc.want)
		}
	}
	err := ts.DB.Update(func(tx *potato.Tx) error {
		_, err := ts.Server.CallHookFunction(tx, 0, "nope", "k", "set", nil, nil)
		return err
	})
	if err != server.ErrNoHookFunction {
		t.Fatalf("unknown hook function: %v", err)
	}
}

func TestExamplePluginWAT(t *testing.T) {
	code := plugintest.WAT(t, "../examples/plugins/wat/kv.wat")
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	if err := c.FunctionLoad(ctx, string(code)).Err(); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 200<<10)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	c.Set(ctx, "small", "v", 0)
	c.Set(ctx, "big", big, 0)
	if v, err := c.FCallRO(ctx, "wat_get", []string{"small"}).Result(); err != nil || v != "v" {
		t.Fatalf("wat_get small = %v, %v", v, err)
	}
	// A reply larger than the guest's buffer is fetched with rp.reply.
	if v, err := c.FCallRO(ctx, "wat_get", []string{"big"}).Result(); err != nil || v != string(big) {
		t.Fatalf("wat_get big: %v (len %d)", err, len(v.(string)))
	}
	if v, err := c.FCall(ctx, "wat_ping", nil).Result(); err != nil || v != "PONG" {
		t.Fatalf("wat_ping = %v, %v", v, err)
	}
}

func TestExamplePluginRust(t *testing.T) {
	code := plugintest.Rust(t, "../examples/plugins/rust/counter.rs")
	ts := servertest.New(t)
	c := goRedis(t, ts.Addr)
	ctx := context.Background()
	if err := c.FunctionLoad(ctx, string(code)).Err(); err != nil {
		t.Fatal(err)
	}
	for want := int64(5); want <= 10; want += 5 {
		if v, err := c.FCall(ctx, "rust_incrby", []string{"n"}, 5).Result(); err != nil || v != want {
			t.Fatalf("rust_incrby = %v, %v; want %d", v, err, want)
		}
	}
	if v, err := c.FCallRO(ctx, "rust_len", []string{"n"}).Result(); err != nil || v != int64(2) {
		t.Fatalf("rust_len = %v, %v", v, err)
	}
}

// TestPluginLoad checks PLUGIN LOAD: only files under plugin-dir.
func TestPluginLoad(t *testing.T) {
	code := plugintest.WAT(t, "../examples/plugins/wat/kv.wat")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kv.wasm"), code, 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "kv.wasm")
	os.WriteFile(outside, code, 0o644)
	os.Symlink(outside, filepath.Join(dir, "link.wasm"))

	off := servertest.New(t)
	if got := dialRaw(t, off.Addr).do("plugin", "load", "watkv", "kv.wasm"); got != "-ERR PLUGIN LOAD is disabled: set plugin-dir in the configuration" {
		t.Fatalf("without plugin-dir: %s", got)
	}
	cf, err := server.ParseConfig("", []string{"--plugin-dir", dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{}
	if err := srv.ApplyConfig(cf); err != nil {
		t.Fatal(err)
	}
	ts := servertest.NewServer(t, srv)
	raw := dialRaw(t, ts.Addr)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"plugin", "load", "watkv", outside}, "-ERR plugin path is outside plugin-dir"},
		{[]string{"plugin", "load", "watkv", "../" + filepath.Base(filepath.Dir(outside)) + "/kv.wasm"}, "-ERR plugin path is outside plugin-dir"},
		{[]string{"plugin", "load", "watkv", "link.wasm"}, "-ERR plugin path is outside plugin-dir"},
		{[]string{"plugin", "load", "watkv", "missing.wasm"}, "-ERR no such plugin file under plugin-dir"},
		{[]string{"plugin", "load", "other", "kv.wasm"}, "-ERR the plugin registers library 'watkv', not 'other'"},
		{[]string{"plugin", "load", "watkv", "kv.wasm"}, `"watkv"`},
		{[]string{"plugin", "load", "watkv", "kv.wasm"}, "-ERR Library 'watkv' already exists"},
		{[]string{"plugin", "load", "watkv", filepath.Join(dir, "kv.wasm"), "replace"}, `"watkv"`},
		{[]string{"fcall", "wat_ping", "0"}, "+PONG"},
		{[]string{"config", "set", "plugin-dir", "/"}, "-ERR CONFIG SET failed (possibly related to argument 'plugin-dir') - can't set immutable config"},
	} {
		if got := raw.do(tc.args...); got != tc.want {
			t.Errorf("%q = %s, want %s", tc.args, got, tc.want)
		}
	}
}

package server_test

import (
	"context"
	"testing"

	"rustypotato/internal/plugintest"
	"rustypotato/server/servertest"
)

// BenchmarkFCallGet is FCALL_RO of a WASM function doing one GET, over
// the wire, 16 commands per round trip.
func BenchmarkFCallGet(b *testing.B) {
	code := plugintest.WAT(b, "../examples/plugins/wat/kv.wat")
	ts := servertest.New(b)
	c := goRedis(b, ts.Addr)
	ctx := context.Background()
	if err := c.FunctionLoad(ctx, string(code)).Err(); err != nil {
		b.Fatal(err)
	}
	c.Set(ctx, "key", "value", 0)
	b.ResetTimer()
	for i := 0; i < b.N; i += 16 {
		p := c.Pipeline()
		for j := 0; j < 16; j++ {
			p.FCallRO(ctx, "wat_get", []string{"key"})
		}
		if _, err := p.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

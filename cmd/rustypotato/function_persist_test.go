package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"rustypotato/internal/plugintest"
)

// TestFunctionsSurviveKill9 loads a WebAssembly library, kills the
// server with SIGKILL right after, restarts it on the same directory and
// calls the function: FUNCTION LOAD is durable when it replies, and the
// restart finds wazero's compilation cache in the data directory.
func TestFunctionsSurviveKill9(t *testing.T) {
	code := plugintest.WAT(t, "../../examples/plugins/wat/kv.wat")
	dir := t.TempDir()
	ctx := context.Background()
	s := startServer(t, dir)
	c := s.client()
	if name, err := c.FunctionLoad(ctx, string(code)).Result(); err != nil || name != "watkv" {
		t.Fatalf("FUNCTION LOAD = %q, %v", name, err)
	}
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.kill()

	s = startServer(t, dir)
	c = s.client()
	defer c.Close()
	if v, err := c.FCallRO(ctx, "wat_get", []string{"k"}).Result(); err != nil || v != "v" {
		t.Fatalf("FCALL after kill -9 and restart = %v, %v", v, err)
	}
	if entries, err := os.ReadDir(filepath.Join(dir, "wasm-cache")); err != nil || len(entries) == 0 {
		t.Fatalf("no compilation cache in the data directory: %v, %v", entries, err)
	}
}

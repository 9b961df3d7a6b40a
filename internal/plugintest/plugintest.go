// Package plugintest builds WebAssembly guests for tests: hand-written
// .wat files with wabt's wat2wasm, Go guests with GOOS=wasip1, and Rust
// guests with a rustc that has the wasm32 standard library. A test whose
// toolchain is missing skips, unless POTATO_REQUIRE_TOOLCHAINS=1 (set by
// CI, which installs them all): then it fails.
package plugintest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("POTATO_REQUIRE_TOOLCHAINS") == "1" {
		t.Fatalf("%s is required (POTATO_REQUIRE_TOOLCHAINS=1) but not available", what)
	}
	t.Skipf("%s not available", what)
}

var (
	buildMu sync.Mutex
	built   = map[string][]byte{}
)

// cached builds key once per test binary.
func cached(t testing.TB, key string, build func() ([]byte, error)) []byte {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if b, ok := built[key]; ok {
		return b
	}
	b, err := build()
	if err != nil {
		t.Fatalf("building %s: %v", key, err)
	}
	built[key] = b
	return b
}

func run(cmd *exec.Cmd) error {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return &buildError{err: err, out: out.String()}
	}
	return nil
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + ":\n" + e.out }

// WAT compiles the .wat file at path with wat2wasm.
func WAT(t testing.TB, path string) []byte {
	t.Helper()
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		missing(t, "wat2wasm (Debian package wabt)")
	}
	abs, _ := filepath.Abs(path)
	return cached(t, "wat:"+abs, func() ([]byte, error) {
		out := filepath.Join(os.TempDir(), "plugintest-"+filepath.Base(path)+".wasm")
		defer os.Remove(out)
		if err := run(exec.Command(bin, abs, "-o", out)); err != nil {
			return nil, err
		}
		return os.ReadFile(out)
	})
}

// Go builds the Go guest package in dir (a main package for
// GOOS=wasip1 GOARCH=wasm using the SDK) as a WASI reactor.
func Go(t testing.TB, dir string) []byte {
	t.Helper()
	abs, _ := filepath.Abs(dir)
	return cached(t, "go:"+abs, func() ([]byte, error) {
		out, err := os.CreateTemp("", "plugintest-*.wasm")
		if err != nil {
			return nil, err
		}
		out.Close()
		defer os.Remove(out.Name())
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-buildmode=c-shared", "-trimpath", "-o", out.Name(), ".")
		cmd.Dir = abs
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
		if err := run(cmd); err != nil {
			return nil, err
		}
		return os.ReadFile(out.Name())
	})
}

// rustc returns a rustc that can build wasm32-unknown-unknown cdylibs
// (Debian's rustc with libstd-rust-dev-wasm32 and lld), trying $RUSTC,
// /usr/bin/rustc and the one on PATH, and the linker flag it needs.
func rustc(t testing.TB) (bin string, args []string) {
	t.Helper()
	var cands []string
	if r := os.Getenv("RUSTC"); r != "" {
		cands = append(cands, r)
	}
	cands = append(cands, "/usr/bin/rustc")
	if p, err := exec.LookPath("rustc"); err == nil {
		cands = append(cands, p)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "probe.rs")
	os.WriteFile(src, []byte("#[no_mangle] pub extern \"C\" fn probe() -> i32 { 1 }\n"), 0o644)
	for _, c := range cands {
		for _, extra := range [][]string{nil, {"-C", "linker=wasm-ld"}} {
			a := append([]string{"--target", "wasm32-unknown-unknown", "--crate-type", "cdylib", "-O"}, extra...)
			cmd := exec.Command(c, append(a, "-o", filepath.Join(dir, "probe.wasm"), src)...)
			if run(cmd) == nil {
				return c, a
			}
		}
	}
	missing(t, "rustc with the wasm32-unknown-unknown target (Debian packages rustc, libstd-rust-dev-wasm32, lld)")
	return "", nil
}

// Rust compiles the single-file Rust guest at path to a wasm32 cdylib.
func Rust(t testing.TB, path string) []byte {
	t.Helper()
	abs, _ := filepath.Abs(path)
	buildMu.Lock()
	b, ok := built["rust:"+abs]
	buildMu.Unlock()
	if ok {
		return b
	}
	bin, args := rustc(t)
	return cached(t, "rust:"+abs, func() ([]byte, error) {
		dir, err := os.MkdirTemp("", "plugintest-rust")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "guest.wasm")
		if err := run(exec.Command(bin, append(args, "-C", "strip=symbols", "-o", out, abs)...)); err != nil {
			return nil, err
		}
		return os.ReadFile(out)
	})
}

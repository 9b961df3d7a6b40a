package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rustypotato/server"
	"rustypotato/server/servertest"
)

func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "inc.conf", "timeout 30\n")
	p := writeFile(t, dir, "a.conf", `# comment
port 7000
  requirepass "s3cret pass"
proto-max-bulk-len 2mb
include inc.conf
maxclients 50
`)
	cf, err := server.ParseConfig(p, []string{"--maxclients", "60", "--loglevel", "warning"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"port": "7000", "requirepass": "s3cret pass", "timeout": "30", "maxclients": "60"} {
		if got, _ := cf.Value(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	srv := &server.Server{}
	if err := srv.ApplyConfig(cf); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"port": "7000", "requirepass": "s3cret pass", "timeout": "30",
		"maxclients": "60", "proto-max-bulk-len": "2097152", "loglevel": "warning", "bind": "127.0.0.1"} {
		if got, _ := srv.ConfigValue(name); got != want {
			t.Errorf("applied %s = %q, want %q", name, got, want)
		}
	}

	// Errors name the file, the line and the directive.
	for _, tc := range []struct{ file, want string }{
		{"port 7000\nnosuch 1\n", "b.conf:2: nosuch: Bad directive"},
		{"\n\nrequirepass \"x\n", "b.conf:3: unbalanced quotes"},
		{"timeout\n", "b.conf:1: timeout: wrong number of arguments"},
		{"include missing.conf\n", "missing.conf"},
	} {
		_, err := server.ParseConfig(writeFile(t, dir, "b.conf", tc.file), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.file, err, tc.want)
		}
	}
	for _, tc := range []struct{ file, want string }{
		{"maxclients abc\n", "c.conf:1: maxclients: argument couldn't be parsed into an integer"},
		{"port 70000\n", "c.conf:1: port: argument must be between 0 and 65535 inclusive"},
		{"protected-mode maybe\n", "c.conf:1: protected-mode: argument must be 'yes' or 'no'"},
		{"loglevel loud\n", "c.conf:1: loglevel: argument(s) must be one of the following"},
	} {
		cf, err := server.ParseConfig(writeFile(t, dir, "c.conf", tc.file), nil)
		if err == nil {
			err = (&server.Server{}).ApplyConfig(cf)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.file, err, tc.want)
		}
	}
	if _, err := server.ParseConfig("", []string{"port", "1"}); err == nil {
		t.Error("bare word on the command line accepted")
	}
}

func TestConfigGetSet(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	for _, step := range [][2]string{
		{"CONFIG GET maxclients", `["maxclients" "10000"]`},
		{"CONFIG SET maxclients 100 timeout 5", "+OK"},
		{"CONFIG GET max*ients timeo*", `["maxclients" "100" "timeout" "5"]`},
		// All or nothing: the bad timeout leaves maxclients alone.
		{"CONFIG SET maxclients 200 timeout abc", "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"},
		{"CONFIG GET maxclients", `["maxclients" "100"]`},
		{"CONFIG SET maxclients 1 maxclients 2", "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - duplicate parameter"},
		{"CONFIG SET port 7000", "-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"},
		{"CONFIG SET nosuch 1", "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"},
		{"CONFIG SET maxclients 0", "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 2147483647 inclusive"},
		{"CONFIG SET proto-max-bulk-len 1gb", "+OK"},
		{"CONFIG GET proto-max-bulk-len", `["proto-max-bulk-len" "1073741824"]`},
		{"CONFIG SET protected-mode no loglevel debug", "+OK"},
		{"CONFIG REWRITE", "-ERR The server is running without a config file"},
		{"CONFIG RESETSTAT", "+OK"},
	} {
		if got := c.do(splitCmd(t, step[0])...); got != step[1] {
			t.Errorf("%s: got %s, want %s", step[0], got, step[1])
		}
	}
}

// startWithConfig serves a Server configured from path on a random port.
func startWithConfig(t *testing.T, path string) (*server.Server, string) {
	t.Helper()
	cf, err := server.ParseConfig(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{}
	if err := srv.ApplyConfig(cf); err != nil {
		t.Fatal(err)
	}
	ts := servertest.NewServer(t, srv)
	return srv, ts.Addr
}

func TestConfigRewriteAndReload(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "r.conf", "# top comment\nmaxclients 50\n\n# timeout below\ntimeout 10\ntimeout 20\n")
	srv, addr := startWithConfig(t, p)
	c := dialRaw(t, addr)
	if got := c.do("CONFIG", "SET", "timeout", "7", "requirepass", "a b"); got != "+OK" {
		t.Fatal(got)
	}
	if got := c.do("CONFIG", "REWRITE"); got != "+OK" {
		t.Fatal(got)
	}
	if info := c.do("INFO", "server"); !strings.Contains(info, "config_file:"+p+"\\r\\n") {
		t.Errorf("INFO config_file missing: %s", info)
	}
	data, _ := os.ReadFile(p)
	want := "# top comment\nmaxclients 50\n\n# timeout below\ntimeout 7\n# Generated by CONFIG REWRITE\n"
	// (The harness's port, and values that differ from their defaults,
	// are appended too.)
	if !strings.HasPrefix(string(data), want) || !strings.Contains(string(data), "\nrequirepass \"a b\"\n") ||
		strings.Count(string(data), "timeout") != 2 || strings.Count(string(data), "maxclients") != 1 {
		t.Fatalf("rewritten file:\n%s\nwant:\n%s", data, want)
	}
	// Reload applies what changed in the file.
	writeFile(t, dir, "r.conf", "maxclients 77\ntimeout 7\nrequirepass \"a b\"\n")
	if err := srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if v, _ := srv.ConfigValue("maxclients"); v != "77" {
		t.Errorf("maxclients after reload = %s", v)
	}
	// A bad file changes nothing.
	writeFile(t, dir, "r.conf", "maxclients 99\ntimeout abc\n")
	if err := srv.Reload(); err == nil || !strings.Contains(err.Error(), "r.conf:2: timeout") {
		t.Errorf("bad reload: %v", err)
	}
	if v, _ := srv.ConfigValue("maxclients"); v != "77" {
		t.Errorf("maxclients after bad reload = %s", v)
	}
}

func TestConfigLiveTimeoutAndMaxclients(t *testing.T) {
	ts := servertest.New(t)
	c := dialRaw(t, ts.Addr)
	if got := c.do("CONFIG", "SET", "maxclients", "1"); got != "+OK" {
		t.Fatal(got)
	}
	c2 := dialRaw(t, ts.Addr)
	v, err := c2.read(5 * time.Second)
	if err != nil || render(v) != "-ERR max number of clients reached" {
		t.Fatalf("second client: %v %v", render(v), err)
	}
	if got := c.do("CONFIG", "SET", "maxclients", "100", "timeout", "1"); got != "+OK" {
		t.Fatal(got)
	}
	c3 := dialRaw(t, ts.Addr)
	if got := c3.do("PING"); got != "+PONG" {
		t.Fatal(got)
	}
	if _, err := c3.read(4 * time.Second); err == nil {
		t.Fatal("idle client not closed by the live timeout")
	}
}

// TestExampleConfig: the annotated rustypotato.conf at the repository
// root parses and applies.
func TestExampleConfig(t *testing.T) {
	cf, err := server.ParseConfig("../rustypotato.conf", nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{}
	if err := srv.ApplyConfig(cf); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for name, want := range map[string]string{"port": "6379", "bind": "127.0.0.1", "maxclients": "10000", "protected-mode": "yes",
		"proto-max-bulk-len": "536870912", "client-query-buffer-limit": "1073741824", "dir": "./data"} {
		if got, _ := srv.ConfigValue(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

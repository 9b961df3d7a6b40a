package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rustypotato"
	"rustypotato/server"
	"rustypotato/server/servertest"
)

// snapshotServer serves a durable store in a data directory of its own
// (inside a parent directory the test watches for escapes) with the
// given command-line directives.
func snapshotServer(t *testing.T, args ...string) (addr, parent, dir string) {
	parent = t.TempDir()
	dir = filepath.Join(parent, "data")
	db, err := potato.Open(potato.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := &server.Server{DB: db}
	cf, err := server.ParseConfig("", args)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ApplyConfig(cf); err != nil {
		t.Fatal(err)
	}
	return servertest.NewServer(t, srv).Addr, parent, dir
}

// SNAPSHOT EXPORT and IMPORT reach only files inside the data directory
// unless enable-snapshot-paths allows more.
func TestSnapshotPathsConfined(t *testing.T) {
	addr, parent, dir := snapshotServer(t)
	c := persistClient(t, addr)
	if got := reply(c, "set", "k", "v"); got != "OK" {
		t.Fatal(got)
	}
	outside := filepath.Join(t.TempDir(), "abs.rpz")
	refused := "ERR: ERR SNAPSHOT EXPORT refused: the path must be a file name inside the data directory (absolute paths and '..' need enable-snapshot-paths)"
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"snapshot", "export", "backup.rpz"}, "1"},
		{[]any{"snapshot", "export", "sub/../backup2.rpz"}, "1"},
		{[]any{"snapshot", "import", "backup.rpz"}, "1"},
		{[]any{"snapshot", "export", "../escape.rpz"}, refused},
		{[]any{"snapshot", "export", "../../../../../../.." + filepath.Join(parent, "escape2.rpz")}, refused},
		{[]any{"snapshot", "export", outside}, refused},
		{[]any{"snapshot", "export", ""}, refused},
		{[]any{"snapshot", "import", "/etc/passwd"}, strings.Replace(refused, "EXPORT", "IMPORT", 1)},
		{[]any{"snapshot", "import", "../data/backup.rpz"}, strings.Replace(refused, "EXPORT", "IMPORT", 1)},
		{[]any{"snapshot", "export", "db/MANIFEST-000001"}, "ERR: ERR SNAPSHOT EXPORT refused: 'db' is kept by the store in the data directory"},
		{[]any{"snapshot", "import", "snapshots/x"}, "ERR: ERR SNAPSHOT IMPORT refused: 'snapshots' is kept by the store in the data directory"},
		{[]any{"snapshot", "export", ".hidden"}, "ERR: ERR SNAPSHOT EXPORT refused: names starting with '.' are the store's temporary files"},
		{[]any{"config", "get", "enable-snapshot-paths"}, "map[enable-snapshot-paths:no]"},
		{[]any{"config", "set", "enable-snapshot-paths", "yes"}, "ERR: ERR CONFIG SET failed (possibly related to argument 'enable-snapshot-paths') - can't set immutable config"},
	} {
		if got := reply(c, tc.args...); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.args, got, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "backup.rpz")); err != nil {
		t.Errorf("a relative name is not written in the data directory: %v", err)
	}
	for _, p := range []string{filepath.Join(parent, "escape.rpz"), filepath.Join(parent, "escape2.rpz"), outside} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("SNAPSHOT EXPORT wrote %s outside the data directory", p)
		}
	}
}

// enable-snapshot-paths yes (or local, for a loopback client) lets
// absolute paths and '..' through; relative ones start from the data
// directory.
func TestSnapshotPathsEnabled(t *testing.T) {
	for _, mode := range []string{"yes", "local"} {
		t.Run(mode, func(t *testing.T) {
			addr, parent, _ := snapshotServer(t, "--enable-snapshot-paths", mode)
			c := persistClient(t, addr)
			reply(c, "set", "k", "v")
			abs := filepath.Join(t.TempDir(), "abs.rpz")
			for _, tc := range []struct {
				args []any
				want string
			}{
				{[]any{"snapshot", "export", abs}, "1"},
				{[]any{"snapshot", "import", abs}, "1"},
				{[]any{"snapshot", "export", "../beside.rpz"}, "1"},
				{[]any{"snapshot", "import", "../beside.rpz"}, "1"},
				{[]any{"config", "get", "enable-snapshot-paths"}, "map[enable-snapshot-paths:" + mode + "]"},
			} {
				if got := reply(c, tc.args...); got != tc.want {
					t.Errorf("%v: %q, want %q", tc.args, got, tc.want)
				}
			}
			if _, err := os.Stat(filepath.Join(parent, "beside.rpz")); err != nil {
				t.Errorf("'../beside.rpz' is not beside the data directory: %v", err)
			}
		})
	}
	if _, err := server.ParseConfig("", []string{"--enable-snapshot-paths", "maybe"}); err != nil {
		t.Fatal(err) // values are checked by ApplyConfig
	}
	srv := &server.Server{}
	cf, _ := server.ParseConfig("", []string{"--enable-snapshot-paths", "maybe"})
	if err := srv.ApplyConfig(cf); err == nil || !strings.Contains(err.Error(), "argument(s) must be one of the following: no, yes, local") {
		t.Fatalf("bad value: %v", err)
	}
}

package potato

import (
	"errors"
	"testing"
)

// RESTORE goes through the mutation path: it survives a restart, and a
// failed RESTORE changes nothing.
func TestDumpRestorePersists(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set("src", []byte("a value long enough to be compressed by LZF, yes")); err != nil {
		t.Fatal(err)
	}
	p, err := db.Dump("src")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Restore("dst", p, RestoreArgs{TTL: 100000, IdleTime: -1, Freq: -1}); err != nil {
		t.Fatal(err)
	}
	if err := db.Restore("dst", p, RestoreArgs{IdleTime: -1, Freq: -1}); !errors.Is(err, ErrBusyKey) {
		t.Fatalf("second restore: %v", err)
	}
	bad := append([]byte{}, p...)
	bad[len(bad)-1] ^= 1
	if err := db.Restore("dst", bad, RestoreArgs{Replace: true, IdleTime: -1, Freq: -1}); !errors.Is(err, ErrDumpPayload) {
		t.Fatalf("bad crc: %v", err)
	}
	if _, err := db.Dump("missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("dump missing: %v", err)
	}
	db.Close()
	db, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.Get("dst")
	if err != nil || string(v) != "a value long enough to be compressed by LZF, yes" {
		t.Fatalf("after restart: %q %v", v, err)
	}
	if ttl, err := db.TTL("dst"); err != nil || ttl <= 0 {
		t.Fatalf("ttl after restart: %v %v", ttl, err)
	}
}

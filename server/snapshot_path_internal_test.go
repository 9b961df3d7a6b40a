package server

import (
	"net"
	"strings"
	"testing"

	"rustypotato"
)

// peerConn is a net.Conn with the given peer address.
type peerConn struct {
	net.Conn
	peer string
}

func (c peerConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.ParseIP(c.peer), Port: 4000}
}

// With enable-snapshot-paths local, a client that is not local still
// gets only the data directory.
func TestSnapshotPathsLocalOnly(t *testing.T) {
	db, err := potato.Open(potato.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := &Server{DB: db}
	s.init()
	if err := s.cfg.byName["enable-snapshot-paths"].set(s, "local"); err != nil {
		t.Fatal(err)
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	remote := &Conn{s: s, nc: peerConn{a, "192.0.2.7"}}
	if _, refused := remote.snapshotFile("EXPORT", "/tmp/x.rpz"); !strings.Contains(refused, "not local") {
		t.Fatalf("remote client with 'local': %q", refused)
	}
	if p, refused := remote.snapshotFile("EXPORT", "x.rpz"); refused != "" || !strings.HasPrefix(p, db.Persistence().Dir) {
		t.Fatalf("remote client, file name: %q %q", p, refused)
	}
	local := &Conn{s: s, nc: peerConn{a, "::1"}}
	if p, refused := local.snapshotFile("EXPORT", "/tmp/x.rpz"); refused != "" || p != "/tmp/x.rpz" {
		t.Fatalf("loopback client with 'local': %q %q", p, refused)
	}
}

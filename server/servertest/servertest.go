// Package servertest starts a real RESP endpoint on a random loopback port
// for tests, like net/http/httptest.
package servertest

import (
	"net"
	"testing"

	"rustypotato"
	"rustypotato/server"
)

// Server is a running test server.
type Server struct {
	// Addr is "127.0.0.1:port".
	Addr string
	// DB is the store being served; tests may use it directly.
	DB *potato.DB
	// Server is the underlying server.
	Server *server.Server
}

// New starts a server over a new in-memory store on a random
// 127.0.0.1 port; t.Cleanup closes both.
func New(t testing.TB) *Server {
	t.Helper()
	db, err := potato.Open(potato.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return NewWithDB(t, db)
}

// NewWithDB serves db on a random 127.0.0.1 port; t.Cleanup closes the
// server and then db.
func NewWithDB(t testing.TB, db *potato.DB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{DB: db}
	srv.SetConfigValue("port", itoa(l.Addr().(*net.TCPAddr).Port))
	srv.SetConfigValue("bind", "127.0.0.1")
	go srv.Serve(l)
	t.Cleanup(func() {
		srv.Close()
		db.Close()
	})
	return &Server{Addr: l.Addr().String(), DB: db, Server: srv}
}

// NewServer serves a configured srv (for example after
// server.ApplyConfig) on a random 127.0.0.1 port; t.Cleanup closes it.
// Its DB is the one srv serves (srv opens one if it has none).
func NewServer(t testing.TB, srv *server.Server) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.SetConfigValue("port", itoa(l.Addr().(*net.TCPAddr).Port))
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return &Server{Addr: l.Addr().String(), DB: srv.DB, Server: srv}
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

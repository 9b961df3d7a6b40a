package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"rustypotato/server"
)

// testPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate, all made here with crypto/x509, as PEM files in dir.
type testPKI struct {
	ca, serverCert, serverKey, clientCert, clientKey string
	pool                                             *x509.CertPool
	client                                           tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := key()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "potato test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, name string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		k := key()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(caCert)
	p.ca = write("ca.crt", "CERTIFICATE", caDER)
	sDER, sKey := leaf(2, "server", x509.ExtKeyUsageServerAuth)
	p.serverCert = write("server.crt", "CERTIFICATE", sDER)
	skb, _ := x509.MarshalECPrivateKey(sKey)
	p.serverKey = write("server.key", "EC PRIVATE KEY", skb)
	cDER, cKey := leaf(3, "client", x509.ExtKeyUsageClientAuth)
	p.clientCert = write("client.crt", "CERTIFICATE", cDER)
	ckb, _ := x509.MarshalECPrivateKey(cKey)
	p.clientKey = write("client.key", "EC PRIVATE KEY", ckb)
	p.client, err = tls.LoadX509KeyPair(p.clientCert, p.clientKey)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startTLS serves a server configured with the tls-* parameters on a
// random loopback TLS port.
func startTLS(t *testing.T, p *testPKI, auth string) string {
	t.Helper()
	cf, err := server.ParseConfig("", []string{"--tls-port", "1", "--tls-cert-file", p.serverCert,
		"--tls-key-file", p.serverKey, "--tls-ca-cert-file", p.ca, "--tls-auth-clients", auth})
	if err != nil {
		t.Fatal(err)
	}
	srv := &server.Server{}
	if err := srv.ApplyConfig(cf); err != nil {
		t.Fatal(err)
	}
	get := func(n string) string { v, _ := srv.ConfigValue(n); return v }
	tcfg, err := server.TLSConfig(get("tls-cert-file"), get("tls-key-file"), get("tls-ca-cert-file"), get("tls-auth-clients"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", tcfg)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

func TestTLSGoRedis(t *testing.T) {
	p := newTestPKI(t)
	addr := startTLS(t, p, "yes")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, TLSConfig: &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{p.client}}})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatal(v, err)
	}
	// tls-auth-clients yes: no client certificate, no service.
	nc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, TLSConfig: &tls.Config{RootCAs: p.pool}})
	defer nc.Close()
	if err := nc.Ping(ctx).Err(); err == nil {
		t.Fatal("client without a certificate served")
	}
	// tls-auth-clients no: no certificate needed.
	addr2 := startTLS(t, p, "no")
	nc2 := redis.NewClient(&redis.Options{Addr: addr2, TLSConfig: &tls.Config{RootCAs: p.pool}})
	defer nc2.Close()
	if err := nc2.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := server.TLSConfig(p.serverCert, "", "", "no"); err == nil {
		t.Error("TLSConfig without a key file accepted")
	}
	if _, err := server.TLSConfig(p.serverCert, p.serverKey, "", "yes"); err == nil {
		t.Error("tls-auth-clients yes without a CA accepted")
	}
}

func TestTLSRedisCLI(t *testing.T) {
	bin, err := exec.LookPath("redis-cli")
	if err != nil {
		requireOrSkip(t, "redis-cli")
	}
	if out, _ := exec.Command(bin, "--help").CombinedOutput(); !strings.Contains(string(out), "--tls") {
		t.Skip("redis-cli built without TLS")
	}
	p := newTestPKI(t)
	addr := startTLS(t, p, "yes")
	_, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command(bin, "--tls", "--cacert", p.ca, "--cert", p.clientCert, "--key", p.clientKey,
		"-h", "127.0.0.1", "-p", port, "SET", "tk", "hello").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("redis-cli --tls SET: %q %v", out, err)
	}
	out, err = exec.Command(bin, "--tls", "--cacert", p.ca, "--cert", p.clientCert, "--key", p.clientKey,
		"-h", "127.0.0.1", "-p", port, "GET", "tk").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "hello" {
		t.Fatalf("redis-cli --tls GET: %q %v", out, err)
	}
}

// fakeRemote is a listener whose connections claim to come from a
// non-loopback address, to exercise protected mode.
type fakeRemote struct{ net.Listener }

type fakeRemoteConn struct{ net.Conn }

func (f fakeRemote) Accept() (net.Conn, error) {
	c, err := f.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return fakeRemoteConn{c}, nil
}

func (fakeRemoteConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 4242}
}

func TestProtectedMode(t *testing.T) {
	srv := &server.Server{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(fakeRemote{l})
	t.Cleanup(func() { srv.Close() })
	addr := l.Addr().String()

	c := dialRaw(t, addr)
	v, err := c.read(5 * time.Second)
	if err != nil || !strings.HasPrefix(render(v), "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user.") {
		t.Fatalf("remote client in protected mode: %s %v", render(v), err)
	}
	if _, err := c.read(time.Second); err == nil {
		t.Fatal("connection not closed")
	}
	// A password lifts protected mode (the client must still AUTH).
	cf, _ := server.ParseConfig("", []string{"--requirepass", "pw"})
	if err := srv.ApplyConfig(cf); err != nil {
		t.Fatal(err)
	}
	c2 := dialRaw(t, addr)
	if got := c2.do("PING"); got != "-NOAUTH Authentication required." {
		t.Fatal(got)
	}
	if got := c2.do("AUTH", "pw"); got != "+OK" {
		t.Fatal(got)
	}
	if got := c2.do("CONFIG", "SET", "requirepass", "", "protected-mode", "no"); got != "+OK" {
		t.Fatal(got)
	}
	c3 := dialRaw(t, addr)
	if got := c3.do("PING"); got != "+PONG" {
		t.Fatal(got)
	}
}

package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
)

// TLSConfig builds the crypto/tls configuration of the tls-* parameters:
// the server's certificate and key (PEM files), the CA certificates
// client certificates must chain to, and tls-auth-clients ("yes": a
// client certificate is required, "optional": verified if given, "no":
// not asked for). Serve a tls.NewListener(l, cfg) to accept TLS clients.
func TLSConfig(certFile, keyFile, caFile, authClients string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("tls-port needs tls-cert-file and tls-key-file")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls-cert-file/tls-key-file: %v", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	auth := strings.ToLower(authClients)
	if auth == "" {
		auth = "yes"
	}
	if auth != "no" {
		if caFile == "" {
			return nil, fmt.Errorf("tls-auth-clients %s needs tls-ca-cert-file", auth)
		}
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("tls-ca-cert-file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls-ca-cert-file %s: no PEM certificate", caFile)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		if auth == "optional" {
			cfg.ClientAuth = tls.VerifyClientCertIfGiven
		}
	}
	return cfg, nil
}

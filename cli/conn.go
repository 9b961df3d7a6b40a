package cli

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"rustypotato/internal/resp"
)

// conn is one connection to the server. It is used by one goroutine, except
// close, which may be called from a signal handler to abort a blocking read.
type conn struct {
	nc  net.Conn
	w   *bufio.Writer
	r   *resp.Reader
	buf []byte
}

// dialTimeout bounds the TCP connect; redis-cli has none, but a client that
// hangs forever on a black-holed address helps nobody.
const dialTimeout = 10 * time.Second

func dial(network, addr string) (*conn, error) {
	nc, err := net.DialTimeout(network, addr, dialTimeout)
	if err != nil {
		return nil, err
	}
	return &conn{
		nc: nc,
		w:  bufio.NewWriter(nc),
		// A client reads what the server sends: no request limits apply,
		// but a bulk stays bounded by Redis's largest (proto-max-bulk-len
		// can be raised to this).
		r: resp.NewReader(nc, resp.Limits{MaxBulkLen: 1 << 40}),
	}, nil
}

// send writes one command without reading its reply.
func (c *conn) send(args [][]byte) error {
	c.buf = resp.AppendCommand(c.buf[:0], args...)
	if _, err := c.w.Write(c.buf); err != nil {
		return err
	}
	return c.w.Flush()
}

// read reads one reply.
func (c *conn) read() (resp.Value, error) {
	return c.r.ReadValue()
}

// do sends a command and reads its reply, skipping RESP3 pushes (which a
// connection may receive at any time).
func (c *conn) do(args ...string) (resp.Value, error) {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	if err := c.send(b); err != nil {
		return resp.Value{}, err
	}
	for {
		v, err := c.read()
		if err != nil || v.Type != '>' {
			return v, err
		}
	}
}

func (c *conn) close() error { return c.nc.Close() }

// connError is the text redis-cli prints after "Could not connect to Redis
// at addr: " and "Error: ": the C library's wording where Go's differs.
func connError(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "Server closed the connection"
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return capitalize(errno.Error())
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return "Name or service not known"
		}
		return capitalize(dnsErr.Err)
	}
	var pe *resp.ProtocolError
	if errors.As(err, &pe) {
		return pe.Msg
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return "Connection timed out"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return capitalize(oe.Err.Error())
	}
	return err.Error()
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// address is host:port as redis-cli prints it in prompts and errors
// (IPv6 in brackets), or the socket path.
func (c *Config) address() string {
	if c.Socket != "" {
		return c.Socket
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

func (c *Config) network() string {
	if c.Socket != "" {
		return "unix"
	}
	return "tcp"
}

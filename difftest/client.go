package difftest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"rustypotato/internal/resp"
)

// ReplyTimeout bounds the wait for one reply: a server that does not
// answer shows up as a difference instead of a hung test.
var ReplyTimeout = 5 * time.Second

// Client is a raw RESP connection: it sends commands encoded by
// resp.AppendCommand (or arbitrary bytes) and returns each reply as the
// exact bytes the server sent. It is not safe for concurrent use.
type Client struct {
	nc  net.Conn
	br  *bufio.Reader
	out []byte
}

// Dial connects to addr.
func Dial(addr string) (*Client, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &Client{nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.nc.Close() }

// Send writes one command without reading its reply.
func (c *Client) Send(args ...[]byte) error {
	c.Append(args...)
	return c.Flush()
}

// Append buffers one command; Flush sends the buffered commands in one
// write (a pipeline).
func (c *Client) Append(args ...[]byte) {
	c.out = resp.AppendCommand(c.out, args...)
}

// Flush writes the commands buffered by Append.
func (c *Client) Flush() error {
	if len(c.out) == 0 {
		return nil
	}
	err := c.SendRaw(c.out)
	c.out = c.out[:0]
	return err
}

// SendRaw writes b as it is (inline commands, malformed protocol).
func (c *Client) SendRaw(b []byte) error {
	c.nc.SetWriteDeadline(time.Now().Add(ReplyTimeout))
	_, err := c.nc.Write(b)
	return err
}

// Do sends one command and returns its raw reply.
func (c *Client) Do(args ...[]byte) ([]byte, error) {
	if err := c.Send(args...); err != nil {
		return nil, err
	}
	return c.Read()
}

// Read reads exactly one reply and returns its raw bytes.
func (c *Client) Read() ([]byte, error) {
	c.nc.SetReadDeadline(time.Now().Add(ReplyTimeout))
	return ReadReply(c.br, nil)
}

// Closed reports whether the server has closed the connection: the next
// read ends with EOF (or a reset) without any bytes. Bytes that arrive
// instead are returned.
func (c *Client) Closed(wait time.Duration) (bool, []byte) {
	c.nc.SetReadDeadline(time.Now().Add(wait))
	b := make([]byte, 256)
	n, err := c.br.Read(b)
	if n > 0 {
		return false, b[:n]
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false, nil
	}
	return err != nil, nil
}

// maxReplyLen bounds one bulk in a reply; nothing the programs make
// comes close.
const maxReplyLen = 64 << 20

// ReadReply reads exactly one RESP2/RESP3 reply from br, attributes
// included, and appends its raw bytes to dst.
func ReadReply(br *bufio.Reader, dst []byte) ([]byte, error) {
	return readReply(br, dst, 0)
}

func readReply(br *bufio.Reader, dst []byte, depth int) ([]byte, error) {
	if depth > 64 {
		return dst, errors.New("difftest: reply nested too deeply")
	}
	line, err := br.ReadBytes('\n')
	dst = append(dst, line...)
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return dst, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return dst, fmt.Errorf("difftest: malformed reply line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-', ':', ',', '#', '_', '(':
		return dst, nil
	case '$', '!', '=':
		n, err := strconv.Atoi(string(body))
		if err != nil || n < -1 || n > maxReplyLen {
			return dst, fmt.Errorf("difftest: bad bulk length %q", line)
		}
		if n < 0 {
			return dst, nil
		}
		start := len(dst)
		dst = append(dst, make([]byte, n+2)...)
		if _, err := io.ReadFull(br, dst[start:]); err != nil {
			return dst, io.ErrUnexpectedEOF
		}
		return dst, nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(string(body))
		if err != nil || n < -1 || n > maxReplyLen {
			return dst, fmt.Errorf("difftest: bad aggregate length %q", line)
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if dst, err = readReply(br, dst, depth+1); err != nil {
				return dst, err
			}
		}
		if line[0] == '|' { // an attribute precedes the value it describes
			return readReply(br, dst, depth+1)
		}
		return dst, nil
	}
	return dst, fmt.Errorf("difftest: unknown reply type %q", line)
}

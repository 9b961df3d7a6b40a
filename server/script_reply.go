package server

import (
	"bytes"
	"errors"

	"rustypotato/internal/resp"
)

// A function's reply arrives as RESP from the guest. It is checked to be
// exactly one well-formed value (bounded by its own length, so a guest
// cannot make the server allocate more than it sent) and re-encoded for
// the client's protocol: RESP2 clients get RESP3 types downgraded as
// Redis downgrades them.

// maxReplyDepth bounds the nesting of a guest's reply.
const maxReplyDepth = 128

var errBadReply = errors.New("invalid RESP")

// respValueEnd returns the length of the first RESP value in b and
// whether it uses RESP3-only types.
func respValueEnd(b []byte, depth int) (n int, resp3 bool, err error) {
	if depth > maxReplyDepth || len(b) < 3 {
		return 0, false, errBadReply
	}
	line := bytes.IndexByte(b, '\n')
	if line < 2 || b[line-1] != '\r' {
		return 0, false, errBadReply
	}
	body := b[1 : line-1]
	n = line + 1
	switch t := b[0]; t {
	case '+', '-':
		if bytes.IndexByte(body, '\r') >= 0 {
			return 0, false, errBadReply
		}
		return n, false, nil
	case ':':
		if _, ok := parseIntLine(body); !ok {
			return 0, false, errBadReply
		}
		return n, false, nil
	case '_':
		if len(body) != 0 {
			return 0, false, errBadReply
		}
		return n, true, nil
	case '#':
		if len(body) != 1 || (body[0] != 't' && body[0] != 'f') {
			return 0, false, errBadReply
		}
		return n, true, nil
	case ',', '(':
		if len(body) == 0 || bytes.IndexByte(body, '\r') >= 0 {
			return 0, false, errBadReply
		}
		return n, true, nil
	case '$', '!', '=':
		l, ok := parseIntLine(body)
		if t == '$' && ok && l == -1 {
			return n, false, nil
		}
		if !ok || l < 0 || l > int64(len(b)-n-2) || (t == '=' && l < 4) {
			return 0, false, errBadReply
		}
		end := n + int(l)
		if b[end] != '\r' || b[end+1] != '\n' {
			return 0, false, errBadReply
		}
		return end + 2, t != '$', nil
	case '*', '~', '%', '>':
		l, ok := parseIntLine(body)
		if t == '*' && ok && l == -1 {
			return n, false, nil
		}
		if t == '%' && ok && l >= 0 {
			l *= 2
		}
		// Every element takes at least 3 bytes: bound the count by the
		// bytes left before looping.
		if !ok || l < 0 || l > int64(len(b)-n)/3 {
			return 0, false, errBadReply
		}
		r3 := t != '*'
		for i := int64(0); i < l; i++ {
			m, e3, err := respValueEnd(b[n:], depth+1)
			if err != nil {
				return 0, false, err
			}
			n += m
			r3 = r3 || e3
		}
		return n, r3, nil
	}
	return 0, false, errBadReply
}

func parseIntLine(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<63-1-int64(c-'0'))/10 {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// appendGuestReply checks b and appends it to w; a null (nil b) is a
// null reply.
func appendGuestReply(w *resp.Writer, b []byte) error {
	if b == nil {
		w.AppendNull()
		return nil
	}
	n, r3, err := respValueEnd(b, 0)
	if err != nil || n != len(b) {
		return errFunc("ERR function returned an invalid reply (it must be exactly one RESP value)")
	}
	if !r3 || w.Proto() == 3 {
		w.AppendRaw(b)
		return nil
	}
	appendDowngraded(w, b)
	return nil
}

// appendDowngraded re-encodes the (checked) value at b for a RESP2 w and
// returns its length.
func appendDowngraded(w *resp.Writer, b []byte) int {
	line := bytes.IndexByte(b, '\n')
	body := b[1 : line-1]
	n := line + 1
	switch b[0] {
	case '_':
		w.AppendNull()
	case '#':
		w.AppendBool(body[0] == 't')
	case ',', '(':
		w.AppendBulk(body)
	case '!':
		l, _ := parseIntLine(body)
		w.AppendError(string(b[n : n+int(l)]))
		return n + int(l) + 2
	case '=':
		l, _ := parseIntLine(body)
		w.AppendBulk(b[n+4 : n+int(l)])
		return n + int(l) + 2
	case '$':
		l, _ := parseIntLine(body)
		if l < 0 {
			w.AppendNull()
			return n
		}
		w.AppendRaw(b[:n+int(l)+2])
		return n + int(l) + 2
	case '*', '~', '%', '>':
		l, _ := parseIntLine(body)
		if l < 0 {
			w.AppendNullArray()
			return n
		}
		switch b[0] {
		case '%':
			w.AppendMapLen(int(l))
			l *= 2
		default:
			w.AppendArrayLen(int(l))
		}
		for i := int64(0); i < l; i++ {
			n += appendDowngraded(w, b[n:])
		}
		return n
	default:
		w.AppendRaw(b[:n])
	}
	return n
}

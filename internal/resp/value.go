package resp

import (
	"bytes"
	"math"
	"strconv"
)

// Value is one RESP2 or RESP3 reply as ReadValue returns it. Its byte
// slices are its own (copied out of the Reader's buffer): they may be kept
// and modified.
type Value struct {
	// Type is the reply's type byte: '+' simple string, '-' error,
	// ':' integer, '$' bulk string, '*' array, '_' null, ',' double,
	// '#' boolean, '(' big number, '!' blob error, '=' verbatim string,
	// '%' map, '~' set, '>' push.
	Type byte
	// Str is the text of '+', '-' (without the '-'), '$', '!', '(' (the
	// digits), ',' (the double as sent, e.g. "3.14" or "inf") and '='
	// (the text after the "xxx:" format prefix). Non-nil for an empty '$'.
	Str []byte
	// Format is the three-letter format of a '=' verbatim string ("txt",
	// "mkd").
	Format string
	// Int is the value of ':'.
	Int int64
	// Float is the value of ','.
	Float float64
	// Bool is the value of '#'.
	Bool bool
	// Elems are the elements of '*', '~' and '>', and of '%' as
	// k1, v1, k2, v2, ... (so len(Elems) is twice the map's size).
	Elems []Value
	// Null is set for RESP3 '_' and for RESP2 null bulk ("$-1", Type '$')
	// and null array ("*-1", Type '*').
	Null bool
	// Attrs holds the RESP3 attribute ('|') sent before this value, as
	// k1, v1, k2, v2, ...; nil if there was none.
	Attrs []Value
}

// maxAggregate bounds an aggregate's declared count (as Redis bounds a
// multibulk count by INT_MAX). Elements are allocated as they arrive, so
// the count itself costs nothing.
const maxAggregate = math.MaxInt32

// ReadValue reads one reply (client side): any RESP2 or RESP3 type,
// nested to at most 512 levels, with attributes kept in Value.Attrs.
// Streamed strings and aggregates ("$?", "*?", ...), which Redis never
// sends, are refused with a *ProtocolError, as are malformed replies. Bulk
// lengths are bounded by Limits.MaxBulkLen and line lengths by
// Limits.MaxBulkLen too; memory grows only as bytes arrive.
//
// It returns io.EOF if the stream ends before a reply starts and
// io.ErrUnexpectedEOF if it ends inside one. ReadValue invalidates the args
// of an earlier ReadCommand.
func (r *Reader) ReadValue() (Value, error) {
	r.begin()
	if r.r == r.w {
		if err := r.fill(0); err != nil {
			return Value{}, err
		}
	}
	var v Value
	err := r.readValue(&v, 0)
	return v, err
}

// ensure waits until k unread bytes are buffered. Consumed bytes may be
// discarded: nothing keeps pointers into the buffer while reading values.
func (r *Reader) ensure(k int) error {
	for r.w-r.r < k {
		r.start = r.r
		if err := r.more(k); err != nil {
			return err
		}
	}
	return nil
}

const msgTooBigLine = "Protocol error: too big reply line"

// valueLine returns the next CRLF-terminated line without its CRLF and
// consumes it. The line aliases the buffer until the next read.
func (r *Reader) valueLine() ([]byte, error) {
	scanned := 0
	for {
		b := r.buf[r.r:r.w]
		if i := bytes.IndexByte(b[scanned:], '\n'); i >= 0 {
			i += scanned
			// Size first, so the outcome does not depend on read sizes.
			if int64(i) > r.lim.MaxBulkLen+1 {
				return nil, protoErr(msgTooBigLine)
			}
			if i == 0 || b[i-1] != '\r' {
				return nil, protoErr("Protocol error: line not terminated by CRLF")
			}
			r.r += i + 1
			return b[:i-1], nil
		}
		scanned = len(b)
		if int64(len(b)) > r.lim.MaxBulkLen+1 {
			return nil, protoErr(msgTooBigLine)
		}
		r.start = r.r
		if err := r.more(0); err != nil {
			return nil, err
		}
	}
}

// parseLength parses a reply's length or count: -1 (null), or 0..max.
func parseLength(b []byte, max int64) (int64, bool) {
	if len(b) == 2 && b[0] == '-' && b[1] == '1' {
		return -1, true
	}
	n, ok := parseInt(b)
	if !ok || n < 0 || n > max {
		return 0, false
	}
	return n, true
}

// parseInt parses a decimal int64 with an optional sign, leniently (a
// reply's integers need not be canonical).
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0') // 19 digits cannot overflow a uint64
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

func (r *Reader) readValue(v *Value, depth int) error {
	if depth > maxDepth {
		return protoErr("Protocol error: reply nested too deeply")
	}
	line, err := r.valueLine()
	if err != nil {
		return err
	}
	if len(line) == 0 {
		return protoErr("Protocol error: empty reply line")
	}
	t, body := line[0], line[1:]
	v.Type = t
	switch t {
	case '+', '-':
		v.Str = bytes.Clone(body)
		if v.Str == nil {
			v.Str = []byte{}
		}
	case ':':
		n, ok := parseInt(body)
		if !ok {
			return protoErr("Protocol error: invalid integer")
		}
		v.Int = n
	case '(':
		if !isBigNumber(body) {
			return protoErr("Protocol error: invalid big number")
		}
		v.Str = bytes.Clone(body)
	case ',':
		f, err := strconv.ParseFloat(string(body), 64)
		if err != nil && !isRangeErr(err) {
			return protoErr("Protocol error: invalid double")
		}
		v.Float = f
		v.Str = bytes.Clone(body)
	case '#':
		if len(body) != 1 || (body[0] != 't' && body[0] != 'f') {
			return protoErr("Protocol error: invalid boolean")
		}
		v.Bool = body[0] == 't'
	case '_':
		if len(body) != 0 {
			return protoErr("Protocol error: invalid null")
		}
		v.Null = true
	case '$', '!', '=':
		if len(body) == 1 && body[0] == '?' {
			return protoErr("Protocol error: streamed strings are not supported")
		}
		n, ok := parseLength(body, r.lim.MaxBulkLen)
		if !ok {
			return protoErr(msgInvalidBulk)
		}
		if n < 0 {
			v.Null = true
			return nil
		}
		s, err := r.readBulk(int(n))
		if err != nil {
			return err
		}
		if t == '=' && len(s) >= 4 && s[3] == ':' {
			v.Format = string(s[:3])
			s = s[4:]
		}
		v.Str = s
	case '*', '~', '>', '%', '|':
		if len(body) == 1 && body[0] == '?' {
			return protoErr("Protocol error: streamed aggregates are not supported")
		}
		n, ok := parseLength(body, maxAggregate)
		if !ok {
			return protoErr(msgInvalidMultibulk)
		}
		if n < 0 {
			if t == '|' {
				return protoErr(msgInvalidMultibulk)
			}
			v.Null = true
			return nil
		}
		if t == '%' || t == '|' {
			n *= 2
		}
		// Each element takes at least 3 bytes: size the slice by what has
		// arrived, not by the declared count, and let append grow it.
		elems := make([]Value, 0, min(n, 1024, int64(r.w-r.r)/3+1))
		for ; n > 0; n-- {
			elems = append(elems, Value{})
			if err := r.readValue(&elems[len(elems)-1], depth+1); err != nil {
				return err
			}
		}
		if t != '|' {
			v.Elems = elems
			return nil
		}
		// An attribute describes the value that follows it.
		*v = Value{}
		if err := r.readValue(v, depth+1); err != nil {
			return err
		}
		v.Attrs = append(elems, v.Attrs...)
	default:
		c := t
		if c == '\r' || c == '\n' {
			c = ' '
		}
		return protoErr("Protocol error: unknown reply type '" + string([]byte{c}) + "'")
	}
	return nil
}

// isBigNumber reports whether b is an optional sign and one or more digits.
func isBigNumber(b []byte) bool {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// readBulk reads an n-byte payload and its CRLF into a new slice. The slice
// grows with the bytes that arrive (doubling, capped at n), so a declared
// length costs memory only once its bytes are here; the Reader's own buffer
// does not grow for it.
func (r *Reader) readBulk(n int) ([]byte, error) {
	dst := make([]byte, 0, min(n, max(64<<10, r.w-r.r)))
	for len(dst) < n {
		if r.r == r.w {
			r.start = r.r
			if err := r.more(0); err != nil {
				return nil, err
			}
		}
		k := min(n-len(dst), r.w-r.r)
		if cap(dst)-len(dst) < k {
			nd := make([]byte, len(dst), max(len(dst)+k, min(n, 2*cap(dst))))
			copy(nd, dst)
			dst = nd
		}
		dst = append(dst, r.buf[r.r:r.r+k]...)
		r.r += k
	}
	if err := r.ensure(2); err != nil {
		return nil, err
	}
	if r.buf[r.r] != '\r' || r.buf[r.r+1] != '\n' {
		return nil, protoErr("Protocol error: bulk not terminated by CRLF")
	}
	r.r += 2
	return dst, nil
}

package server

import (
	"strconv"
	"strings"
	"time"

	"rustypotato/internal/num"
)

// Redis's shared error replies.
const (
	errSyntax    = "ERR syntax error"
	errNotInt    = "ERR value is not an integer or out of range"
	errNotFloat  = "ERR value is not a valid float"
	errTimeout   = "ERR timeout is not a float or out of range"
	errNegTimout = "ERR timeout is negative"
)

// replyError is returned by handlers for a reply that is not one of
// package potato's errors (syntax errors and the like).
type replyError string

func (e replyError) Error() string { return string(e) }

func parseInt(b []byte) (int64, error) {
	v, ok := num.ParseInt(b)
	if !ok {
		return 0, replyError(errNotInt)
	}
	return v, nil
}

// parseFloat parses a double as Redis's getDoubleFromObject does (strtod,
// no spaces, no NaN).
func parseFloat(b []byte) (float64, bool) {
	s := string(b)
	if len(s) == 0 || s[0] == ' ' || s[len(s)-1] == ' ' || strings.ContainsAny(s, "_") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && (f > 1 || f < -1) {
			return 0, false
		}
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	if f != f {
		return 0, false
	}
	return f, true
}

// eqFold reports whether the argument b equals s (lower case) ignoring
// case, as Redis's strcasecmp on an option does. There the argument is a
// C string, so it ends at its first NUL byte: "NX\x00junk" is NX.
func eqFold(b []byte, s string) bool {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// expireMillis turns an EX/PX/EXAT/PXAT argument into an absolute Unix
// millisecond deadline with Redis's checks (getExpireMillisecondsOrReply);
// cmd names the command in the error.
// now is the transaction's time (Tx.Now) in Unix milliseconds, so that a
// relative deadline of 0 is already due for the command that sets it.
func expireMillis(arg []byte, seconds, relative bool, cmd string, now int64) (int64, error) {
	v, ok := num.ParseInt(arg)
	if !ok {
		return 0, replyError(errNotInt)
	}
	invalid := replyError("ERR invalid expire time in '" + cmd + "' command")
	if v <= 0 || (seconds && v > (1<<63-1)/1000) {
		return 0, invalid
	}
	if seconds {
		v *= 1000
	}
	if relative {
		if v > 1<<63-1-now {
			return 0, invalid
		}
		v += now
	}
	if v <= 0 {
		return 0, invalid
	}
	return v, nil
}

func unixMilli(ms int64) time.Time { return time.UnixMilli(ms) }

// parseInt32 parses an int argument as Redis's getIntFromObjectOrReply
// does (with no custom message): not an integer is errNotInt, an integer
// outside the C int range gets Redis's range error.
func parseInt32(b []byte) (int, error) {
	v, err := parseInt(b)
	if err != nil {
		return 0, err
	}
	if v < -1<<31 || v > 1<<31-1 {
		return 0, replyError("ERR value is out of range, value must between -2147483648 and 2147483647")
	}
	return int(v), nil
}

// parseCursor parses a SCAN-family cursor as Redis's
// parseScanCursorOrReply does, with strtoul: an optional sign ("-1" is
// 2^64-1), at least no trailing garbage, no leading space, no overflow;
// the empty string is cursor 0.
func parseCursor(b []byte) (uint64, error) {
	invalid := replyError("ERR invalid cursor")
	if len(b) > 0 && (b[0] == ' ' || (b[0] >= '\t' && b[0] <= '\r')) {
		return 0, invalid
	}
	neg := false
	s := b
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		if len(b) == 0 {
			return 0, nil
		}
		return 0, invalid // strtoul leaves eptr at the sign: garbage
	}
	var v uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, invalid
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, invalid // ERANGE
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, nil
}

// cText renders a client-supplied argument as Redis's %s (or %.<max>s)
// does with a C string: it ends at the first NUL byte and, when max > 0,
// is cut to max bytes (Go's %.Ns would count runes).
func cText(b []byte, max int) string {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	if max > 0 && len(b) > max {
		b = b[:max]
	}
	return string(b)
}

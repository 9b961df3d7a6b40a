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

func eqFold(b []byte, s string) bool {
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
func expireMillis(arg []byte, seconds, relative bool, cmd string) (int64, error) {
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
		now := time.Now().UnixMilli()
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

package resp

import (
	"bytes"
	"io"
	"math"
	"strconv"
)

const (
	initWriteBuf = 16 << 10
	maxIdleWrite = 1 << 20 // a reply buffer larger than this is released after Flush
)

// Writer appends replies into one internal buffer and writes them to its
// io.Writer with one Write per Flush. The Append methods encode for the
// protocol version set by SetProto (2 by default): RESP3-only types are
// downgraded for RESP2 exactly as Redis 7.0 downgrades them.
type Writer struct {
	w       io.Writer
	buf     []byte
	proto   int
	err     error
	scratch [32]byte
}

// NewWriter returns a Writer to w speaking RESP2.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, initWriteBuf), proto: 2}
}

// Reset discards any unflushed replies and the sticky write error, and
// makes the Writer write to w (so writers can be pooled), speaking RESP2.
func (w *Writer) Reset(wr io.Writer) {
	w.w = wr
	w.buf = w.buf[:0]
	w.err = nil
	w.proto = 2
}

// SetProto sets the protocol version: 3 for RESP3, anything else for RESP2.
func (w *Writer) SetProto(p int) {
	if p != 3 {
		p = 2
	}
	w.proto = p
}

// Proto returns the protocol version, 2 or 3.
func (w *Writer) Proto() int { return w.proto }

// Len returns the number of bytes appended and not yet flushed (for output
// buffer limits).
func (w *Writer) Len() int { return len(w.buf) }

// Bytes returns the bytes appended and not yet flushed. They alias the
// buffer: valid until the next call on w.
func (w *Writer) Bytes() []byte { return w.buf }

// Truncate discards all but the first n unflushed bytes, e.g. to take back
// a partly appended reply (n from an earlier Len).
func (w *Writer) Truncate(n int) {
	if n >= 0 && n < len(w.buf) {
		w.buf = w.buf[:n]
	}
}

// Discard drops all unflushed replies.
func (w *Writer) Discard() { w.buf = w.buf[:0] }

// Flush writes everything appended since the last Flush with one Write.
// A write error is sticky: later Flushes return it and write nothing.
func (w *Writer) Flush() error {
	if w.err != nil {
		w.buf = w.buf[:0]
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.w.Write(w.buf)
	if cap(w.buf) > maxIdleWrite {
		w.buf = make([]byte, 0, initWriteBuf)
	} else {
		w.buf = w.buf[:0]
	}
	if err != nil {
		w.err = err
	}
	return err
}

// appendLine appends prefix, s with CR and LF replaced by spaces (a line
// type cannot carry them, and Redis's addReplyErrorFormat does the same),
// and CRLF.
func (w *Writer) appendLine(prefix byte, s string) {
	w.buf = append(w.buf, prefix)
	n := len(w.buf)
	w.buf = append(w.buf, s...)
	if p := w.buf[n:]; bytes.IndexByte(p, '\r') >= 0 || bytes.IndexByte(p, '\n') >= 0 {
		for i, c := range p {
			if c == '\r' || c == '\n' {
				p[i] = ' '
			}
		}
	}
	w.buf = append(w.buf, '\r', '\n')
}

func (w *Writer) appendHeader(prefix byte, n int64) {
	w.buf = append(w.buf, prefix)
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

// AppendOK appends "+OK".
func (w *Writer) AppendOK() { w.buf = append(w.buf, "+OK\r\n"...) }

// AppendSimple appends the simple string s ("+s"); CR and LF in s become
// spaces.
func (w *Writer) AppendSimple(s string) { w.appendLine('+', s) }

// AppendError appends the error msg: the caller passes the full text, code
// included, without the leading '-' (e.g. "ERR unknown command 'x'",
// "WRONGTYPE Operation against ..."). A leading '-' is not doubled, as in
// Redis's addReplyError. CR and LF in msg become spaces.
func (w *Writer) AppendError(msg string) {
	if len(msg) > 0 && msg[0] == '-' {
		msg = msg[1:]
	}
	w.appendLine('-', msg)
}

// AppendInt appends the integer n (":n").
func (w *Writer) AppendInt(n int64) { w.appendHeader(':', n) }

// AppendBulk appends b as a bulk string ("$len\r\nb\r\n"); a nil b is an
// empty string, not a null (use AppendNull).
func (w *Writer) AppendBulk(b []byte) {
	w.appendHeader('$', int64(len(b)))
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, '\r', '\n')
}

// AppendBulkString appends s as a bulk string.
func (w *Writer) AppendBulkString(s string) {
	w.appendHeader('$', int64(len(s)))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// AppendNull appends a null: "$-1" (RESP2 null bulk) or "_" (RESP3).
func (w *Writer) AppendNull() {
	if w.proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
	} else {
		w.buf = append(w.buf, "$-1\r\n"...)
	}
}

// AppendNullArray appends a null array: "*-1" (RESP2) or "_" (RESP3).
func (w *Writer) AppendNullArray() {
	if w.proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
	} else {
		w.buf = append(w.buf, "*-1\r\n"...)
	}
}

// AppendArrayLen starts an array of n (>= 0) elements ("*n"); the caller
// appends the n elements next.
func (w *Writer) AppendArrayLen(n int) { w.appendHeader('*', int64(n)) }

// AppendMapLen starts a map of n pairs: "%n" in RESP3, "*2n" (a flat
// array of keys and values) in RESP2. The caller appends k1, v1, k2, v2...
func (w *Writer) AppendMapLen(n int) {
	if w.proto == 3 {
		w.appendHeader('%', int64(n))
	} else {
		w.appendHeader('*', 2*int64(n))
	}
}

// AppendSetLen starts a set of n elements: "~n" in RESP3, "*n" in RESP2.
func (w *Writer) AppendSetLen(n int) {
	if w.proto == 3 {
		w.appendHeader('~', int64(n))
	} else {
		w.appendHeader('*', int64(n))
	}
}

// AppendPushLen starts a push message of n elements (pub/sub messages,
// invalidations): ">n" in RESP3, "*n" in RESP2.
func (w *Writer) AppendPushLen(n int) {
	if w.proto == 3 {
		w.appendHeader('>', int64(n))
	} else {
		w.appendHeader('*', int64(n))
	}
}

// AppendDouble appends f as Redis 7.0's addReplyDouble does: RESP3
// ",%.17g" with "inf" and "-inf"; RESP2 the same text as a bulk string.
// NaN, which Redis never replies, is "nan".
func (w *Writer) AppendDouble(f float64) {
	var s []byte
	switch {
	case math.IsInf(f, 1):
		s = append(w.scratch[:0], "inf"...)
	case math.IsInf(f, -1):
		s = append(w.scratch[:0], "-inf"...)
	case math.IsNaN(f):
		s = append(w.scratch[:0], "nan"...)
	default:
		s = strconv.AppendFloat(w.scratch[:0], f, 'g', 17, 64)
	}
	if w.proto == 3 {
		w.buf = append(w.buf, ',')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
	} else {
		w.AppendBulk(s)
	}
}

// AppendBool appends a boolean: "#t"/"#f" in RESP3, ":1"/":0" in RESP2.
func (w *Writer) AppendBool(b bool) {
	switch {
	case w.proto == 3 && b:
		w.buf = append(w.buf, "#t\r\n"...)
	case w.proto == 3:
		w.buf = append(w.buf, "#f\r\n"...)
	case b:
		w.buf = append(w.buf, ":1\r\n"...)
	default:
		w.buf = append(w.buf, ":0\r\n"...)
	}
}

// AppendVerbatim appends s as a verbatim string of the given three-letter
// format ("txt", "mkd"): RESP3 "=len\r\nfmt:s", RESP2 a plain bulk string
// of s. A format that is not three bytes long is replaced by "txt".
func (w *Writer) AppendVerbatim(format string, s []byte) {
	if w.proto != 3 {
		w.AppendBulk(s)
		return
	}
	if len(format) != 3 {
		format = "txt"
	}
	w.appendHeader('=', int64(len(s))+4)
	w.buf = append(w.buf, format...)
	w.buf = append(w.buf, ':')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// AppendBigNumber appends the decimal integer s: "(s" in RESP3, a bulk
// string in RESP2.
func (w *Writer) AppendBigNumber(s string) {
	if w.proto == 3 {
		w.appendLine('(', s)
	} else {
		w.AppendBulkString(s)
	}
}

// AppendRaw appends b unchanged: it must be complete RESP.
func (w *Writer) AppendRaw(b []byte) { w.buf = append(w.buf, b...) }

// AppendCommand appends args to dst encoded as a multibulk command, the
// form clients send, and returns the extended slice.
func AppendCommand(dst []byte, args ...[]byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// AppendCommandString is AppendCommand for string args.
func AppendCommandString(dst []byte, args ...string) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

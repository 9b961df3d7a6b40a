// Package resp reads and writes the Redis serialization protocol (RESP2 and
// RESP3): commands as a server reads them (multibulk or inline, pipelined),
// replies as a server writes them (appended into one reusable buffer and
// flushed with one write), and any reply as a client reads it.
//
// Reading follows Redis 7.0's networking.c (processMultibulkBuffer and
// processInlineBuffer) byte for byte where a client can see the difference:
// the same protocol error texts, the same lengths accepted, the same
// quirks (the two bytes after a bulk payload are skipped unchecked, a count
// <= 0 is an empty command, a NUL byte in a length line or an inline line
// stalls the line like C's strchr until it is too long). Every length from
// the wire is bounded before it is used for arithmetic or allocation, and
// memory grows only with bytes that actually arrived: a client that declares
// a 500 MB bulk and sends 10 bytes costs 10 bytes plus one bounded read
// chunk.
//
// Deliberate differences from Redis: a multibulk count above
// Limits.MaxMultiBulkLen (default 1024*1024, where Redis 7.0 allows up to
// INT_MAX) gets "Protocol error: invalid multibulk length". Whether an
// inline line longer than MaxInlineLen is refused depends, in Redis as
// here, on whether its newline arrived before more than MaxInlineLen bytes
// were buffered; our read sizes differ from Redis's 16 KiB reads, so the
// exact cut-off for such lines can differ.
//
// Neither Reader nor Writer is safe for concurrent use; each belongs to one
// connection.
package resp

import (
	"bytes"
	"errors"
	"io"
	"math"

	"rustypotato/internal/num"
)

// Defaults for the zero fields of Limits.
const (
	// DefaultMaxBulkLen is Redis's proto-max-bulk-len default (512 MiB).
	DefaultMaxBulkLen = 512 << 20
	// DefaultMaxMultiBulkLen bounds the element count of one command.
	// Redis 7.0 accepts any count up to INT_MAX; we refuse counts above
	// 1024*1024 (the limit Redis itself had before 6.0) with Redis's
	// "invalid multibulk length" error, since no real command needs more
	// and each element costs an args slot.
	DefaultMaxMultiBulkLen = 1024 * 1024
	// DefaultMaxInlineLen is Redis's PROTO_INLINE_MAX_SIZE (64 KiB).
	DefaultMaxInlineLen = 64 << 10
	// DefaultMaxQueryBuffer is Redis's client-query-buffer-limit default
	// (1 GiB).
	DefaultMaxQueryBuffer = 1 << 30
)

// Limits bound what one connection may send. A zero (or negative) field
// means its default.
type Limits struct {
	MaxBulkLen      int64 // longest bulk argument (proto-max-bulk-len)
	MaxMultiBulkLen int64 // most elements in one multibulk command
	MaxInlineLen    int64 // longest inline line or length line without its terminator
	MaxQueryBuffer  int64 // most bytes buffered for one command (client-query-buffer-limit)
}

// maxLimit keeps every limit small enough that offsets computed from it
// cannot overflow an int, even on 32-bit platforms.
const maxLimit = math.MaxInt/4 - 64

func (l Limits) withDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
		if *v > maxLimit {
			*v = maxLimit
		}
	}
	def(&l.MaxBulkLen, DefaultMaxBulkLen)
	def(&l.MaxMultiBulkLen, DefaultMaxMultiBulkLen)
	def(&l.MaxInlineLen, DefaultMaxInlineLen)
	def(&l.MaxQueryBuffer, DefaultMaxQueryBuffer)
	return l
}

// ProtocolError is a malformed request or reply. Msg is Redis's exact text
// (for requests), e.g. "Protocol error: invalid multibulk length"; Error
// returns "ERR " + Msg, which is the reply Redis sends before it closes the
// connection: a server writes it with Writer.AppendError(err.Error()),
// flushes, and closes.
type ProtocolError struct {
	Msg string
}

// Error returns "ERR " followed by Msg.
func (e *ProtocolError) Error() string { return "ERR " + e.Msg }

func protoErr(msg string) error { return &ProtocolError{Msg: msg} }

// Redis's protocol error texts.
const (
	msgInvalidMultibulk = "Protocol error: invalid multibulk length"
	msgInvalidBulk      = "Protocol error: invalid bulk length"
	msgTooBigInline     = "Protocol error: too big inline request"
	msgTooBigMbulk      = "Protocol error: too big mbulk count string"
	msgTooBigBulk       = "Protocol error: too big bulk count string"
	msgUnbalanced       = "Protocol error: unbalanced quotes in request"
	msgUnauthMultibulk  = "Protocol error: unauthenticated multibulk length"
	msgUnauthBulk       = "Protocol error: unauthenticated bulk length"
)

// ErrQueryBufferLimit is returned when one command needs more than
// Limits.MaxQueryBuffer bytes of buffer. Redis closes such a client without
// a reply ("Closing client that reached max query buffer length").
var ErrQueryBufferLimit = errors.New("resp: client query buffer limit reached")

const (
	initBufSize = 16 << 10 // Redis's PROTO_IOBUF_LEN
	minRead     = 4 << 10  // never issue a read into less free space than this (unless the item is about to complete)
	maxIdleBuf  = 1 << 20  // a buffer larger than this is released when it empties
	maxIdleArgs = 64 << 10 // args/offsets slices larger than this are released
	// BigArg is the bulk length from which a bulk that has not fully
	// arrived is read into a buffer of its own, of exactly its size
	// (Redis's PROTO_MBULK_BIG_ARG idea): no doubling of the shared
	// buffer, no copies of what came before, and the memory goes back
	// as soon as the command is done.
	BigArg   = 512 << 10
	maxDepth = 512 // nesting limit for ReadValue
	// Redis's limits on what a client may send before AUTH.
	unauthMaxMultibulk = 10
	unauthMaxBulk      = 16384
)

// Reader reads commands (server side) or replies (client side) from an
// io.Reader through its own buffer. It reads from the io.Reader only when
// the buffer holds no complete item, so a pipeline that arrived in one
// segment is parsed without further reads.
type Reader struct {
	rd  io.Reader
	lim Limits

	buf   []byte // len(buf) is the usable size
	r, w  int    // unread bytes are buf[r:w]
	start int    // bytes before start are consumed and may be discarded
	err   error  // sticky error from rd, returned once buf[r:w] is used up

	args [][]byte
	offs []int    // start/end pairs of the current command's args, relative to start; a negative start -i is bigs[i-1]
	bigs [][]byte // the current command's args read by readBig
	bigN int      // bytes in bigs (counted against MaxQueryBuffer)

	authRequired bool
	beforeRead   func() error
}

// NewReader returns a Reader of rd with the given limits (zero fields mean
// the defaults).
func NewReader(rd io.Reader, lim Limits) *Reader {
	return &Reader{rd: rd, lim: lim.withDefaults(), buf: make([]byte, initBufSize)}
}

// Reset discards all state and makes r read from rd, keeping its buffers
// (so readers can be pooled across connections).
func (r *Reader) Reset(rd io.Reader) {
	r.rd = rd
	r.r, r.w, r.start = 0, 0, 0
	r.err = nil
	r.authRequired = false
	r.beforeRead = nil
	if len(r.buf) > maxIdleBuf {
		r.buf = make([]byte, initBufSize)
	}
	r.args = r.args[:0]
	r.offs = r.offs[:0]
	clear(r.bigs)
	r.bigs, r.bigN = r.bigs[:0], 0
}

// SetLimits replaces the limits (zero fields mean the defaults); they apply
// from the next item read (Redis applies CONFIG SET proto-max-bulk-len to
// connected clients too).
func (r *Reader) SetLimits(lim Limits) { r.lim = lim.withDefaults() }

// Limits returns the limits in force, with defaults filled in.
func (r *Reader) Limits() Limits { return r.lim }

// SetAuthRequired makes ReadCommand refuse, as Redis does for a client that
// has not authenticated yet, multibulk counts above 10 ("Protocol error:
// unauthenticated multibulk length") and bulk lengths above 16384
// ("Protocol error: unauthenticated bulk length").
func (r *Reader) SetAuthRequired(required bool) { r.authRequired = required }

// SetBeforeRead sets a function called each time the Reader is about to
// read from its io.Reader (which may block): the buffer holds no further
// complete command. A server passes its Writer's Flush here, which sends
// the replies of a whole pipeline in one write and never leaves replies
// unsent while waiting for the rest of a partially received command. An
// error from fn is returned by the read call in progress.
func (r *Reader) SetBeforeRead(fn func() error) { r.beforeRead = fn }

// Buffered returns the number of bytes read from the io.Reader and not yet
// consumed. Zero means the next ReadCommand will read (and may block); a
// server that does not use SetBeforeRead flushes its replies then. (Nonzero
// can also mean a partial command whose rest has not arrived:
// SetBeforeRead handles that case too.)
func (r *Reader) Buffered() int { return r.w - r.r }

// begin starts a new item: earlier items' bytes may now be discarded, and
// oversized buffers left by a big item are released once empty.
func (r *Reader) begin() {
	if r.r == r.w {
		r.r, r.w = 0, 0
		if len(r.buf) > maxIdleBuf {
			r.buf = make([]byte, initBufSize)
		}
	}
	r.start = r.r
	if len(r.bigs) > 0 {
		clear(r.bigs) // the last command's big args go back now
		r.bigs, r.bigN = r.bigs[:0], 0
	}
	if cap(r.offs) > 2*maxIdleArgs {
		r.offs = nil
	}
	if cap(r.args) > maxIdleArgs {
		r.args = nil
	}
	r.offs = r.offs[:0]
}

// fill reads at least one more byte into buf[r.w:], keeping buf[r.start:r.w].
// need, when positive, is how many bytes from r.start the current item is
// known to need in total; it caps growth so that a declared length is never
// allocated beyond what has arrived (buffer growth is doubling, so the buffer
// is never more than about twice the bytes actually received).
func (r *Reader) fill(need int) error {
	if r.err != nil {
		return r.err
	}
	if r.beforeRead != nil {
		if err := r.beforeRead(); err != nil {
			return err
		}
	}
	used := r.w - r.start
	if len(r.buf)-r.w < minRead {
		want := used + minRead
		if need > used && need < want {
			want = need
		}
		switch {
		case want <= len(r.buf)-r.start:
			// The item completes in the space left: read into it.
		case want <= len(r.buf):
			r.compact()
		default:
			size := 2 * len(r.buf)
			if need > used && need < size {
				size = need
			}
			if size < want {
				size = want
			}
			nb := make([]byte, size)
			copy(nb, r.buf[r.start:r.w])
			r.buf = nb
			r.r -= r.start
			r.w -= r.start
			r.start = 0
		}
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.rd.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			return errors.New("resp: invalid Read count")
		}
		r.w += n
		if err != nil {
			r.err = err
		}
		if n > 0 {
			if int64(r.w-r.start+r.bigN) > r.lim.MaxQueryBuffer {
				return ErrQueryBufferLimit
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

func (r *Reader) compact() {
	if r.start == 0 {
		return
	}
	copy(r.buf, r.buf[r.start:r.w])
	r.r -= r.start
	r.w -= r.start
	r.start = 0
}

// more is fill for the middle of an item: EOF there is unexpected.
func (r *Reader) more(need int) error {
	err := r.fill(need)
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ReadCommand reads the next command, multibulk ("*2\r\n$3\r\nGET\r\n...")
// or inline ("GET key\r\n", split like Redis's sdssplitargs). Empty
// commands (an empty or blank inline line, a multibulk count <= 0) are
// skipped as Redis skips them. The args alias the Reader's buffer and are
// valid until the next call on r; a caller that keeps one copies it.
//
// Errors: *ProtocolError for malformed input (reply err.Error() and close,
// as Redis does); ErrQueryBufferLimit (close without reply); io.EOF when
// the stream ends between commands, io.ErrUnexpectedEOF inside one; or the
// io.Reader's or the SetBeforeRead function's error. After an error the
// Reader must not be used again.
func (r *Reader) ReadCommand() ([][]byte, error) {
	for {
		r.begin()
		if r.r == r.w {
			if err := r.fill(0); err != nil {
				return nil, err
			}
		}
		var ok bool
		var err error
		if r.buf[r.r] == '*' {
			ok, err = r.readMultibulk()
		} else {
			ok, err = r.readInline()
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		args := r.args[:0]
		b := r.buf[r.start:]
		for i := 0; i < len(r.offs); i += 2 {
			s, e := r.offs[i], r.offs[i+1]
			if s < 0 {
				args = append(args, r.bigs[-s-1])
				continue
			}
			args = append(args, b[s:e:e])
		}
		r.args = args
		return args, nil
	}
}

// findLine waits until the line starting at r.r has its terminator c in the
// buffer and returns the terminator's offset from r.r. Like Redis's
// strchr on the query buffer, the search stops at a NUL byte: the line then
// never completes, and fails with tooBig once more than MaxInlineLen bytes
// are buffered after r.r. With c == '\r' (length lines) one more byte must
// have arrived after it, which the caller skips unchecked, as Redis does.
func (r *Reader) findLine(c byte, tooBig string) (int, error) {
	after := 0
	if c == '\r' {
		after = 1
	}
	scanned := 0 // b[:scanned] holds no c and no NUL
	stalled := false
	for {
		b := r.buf[r.r:r.w]
		if !stalled {
			i := bytes.IndexByte(b[scanned:], c)
			seg := b[scanned:]
			if i >= 0 {
				seg = seg[:i]
			}
			if bytes.IndexByte(seg, 0) >= 0 {
				stalled = true
			} else if i >= 0 {
				i += scanned
				if i+after < len(b) {
					return i, nil
				}
				scanned = i
			} else {
				scanned = len(b)
			}
		}
		if (stalled || scanned == len(b)) && int64(len(b)) > r.lim.MaxInlineLen {
			return 0, protoErr(tooBig)
		}
		if err := r.more(0); err != nil {
			return 0, err
		}
	}
}

// fastLength parses the common shape of a length line at r.r: the type
// byte, a canonical non-negative number of at most 18 digits, '\r', and one
// more byte buffered. It returns the number and the offset of the '\r' from
// r.r; ok is false for anything else, which findLine and num.ParseInt then
// handle with all of Redis's rules.
func (r *Reader) fastLength() (n int64, cr int, ok bool) {
	if r.w-r.r < 4 {
		return 0, 0, false
	}
	b := r.buf[r.r+1 : r.w]
	if b[0] < '0' || b[0] > '9' || (b[0] == '0' && b[1] != '\r') {
		return 0, 0, false
	}
	for i := 0; i < len(b)-1 && i <= 18; i++ {
		c := b[i]
		if c == '\r' {
			return n, i + 1, i > 0
		}
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return 0, 0, false
}

// readMultibulk reads one multibulk command starting at r.r (a '*'),
// recording its args in r.offs. It reports false for an empty command.
func (r *Reader) readMultibulk() (bool, error) {
	n, cr, ok := r.fastLength()
	if !ok {
		var err error
		if cr, err = r.findLine('\r', msgTooBigMbulk); err != nil {
			return false, err
		}
		n, ok = num.ParseInt(r.buf[r.r+1 : r.r+cr])
	}
	if !ok || n > math.MaxInt32 {
		return false, protoErr(msgInvalidMultibulk)
	}
	if r.authRequired && n > unauthMaxMultibulk {
		return false, protoErr(msgUnauthMultibulk)
	}
	if n > r.lim.MaxMultiBulkLen {
		// Our bound, below Redis's INT_MAX; checked after Redis's own
		// checks so that every count Redis refuses gets Redis's text.
		return false, protoErr(msgInvalidMultibulk)
	}
	r.r += cr + 2
	if n <= 0 {
		return false, nil
	}
	for ; n > 0; n-- {
		var l int64
		var cr int
		var ok bool
		if r.r < r.w && r.buf[r.r] == '$' {
			l, cr, ok = r.fastLength()
		}
		if !ok {
			var err error
			if cr, err = r.findLine('\r', msgTooBigBulk); err != nil {
				return false, err
			}
			if c := r.buf[r.r]; c != '$' {
				if c == '\r' || c == '\n' {
					c = ' ' // Redis's addReplyErrorFormat turns newlines into spaces
				}
				return false, protoErr("Protocol error: expected '$', got '" + string([]byte{c}) + "'")
			}
			l, ok = num.ParseInt(r.buf[r.r+1 : r.r+cr])
		}
		if !ok || l < 0 || l > r.lim.MaxBulkLen {
			return false, protoErr(msgInvalidBulk)
		}
		if r.authRequired && l > unauthMaxBulk {
			return false, protoErr(msgUnauthBulk)
		}
		r.r += cr + 2
		s := r.r - r.start
		end := s + int(l)
		if l >= BigArg && r.w-r.start < end+2 {
			if err := r.readBig(int(l)); err != nil {
				return false, err
			}
			continue
		}
		for r.w-r.start < end+2 {
			if err := r.more(end + 2); err != nil {
				return false, err
			}
		}
		r.offs = append(r.offs, s, end)
		r.r = r.start + end + 2 // the two bytes after the payload are not checked (nor by Redis)
	}
	return true, nil
}

// BigBytes returns the bytes of the current command's args that were read
// into buffers of their own (bulks past BigArg); they are dropped when
// the next command begins.
func (r *Reader) BigBytes() int { return r.bigN }

// readBig reads the bulk of l bytes whose payload starts at r.r, and has
// not fully arrived, into a buffer of its own of exactly l+2 bytes: what
// is buffered is copied once, the rest is read straight into it. The
// bytes of later args and commands keep going to r.buf.
func (r *Reader) readBig(l int) error {
	big := make([]byte, l+2)
	n := copy(big, r.buf[r.r:r.w])
	r.r = r.w // consumed; the command's earlier args stay in buf[start:r]
	for tries := 0; n < len(big); {
		if r.err != nil {
			if r.err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return r.err
		}
		if r.beforeRead != nil {
			if err := r.beforeRead(); err != nil {
				return err
			}
		}
		m, err := r.rd.Read(big[n:])
		if m < 0 || m > len(big)-n {
			return errors.New("resp: invalid Read count")
		}
		n += m
		if err != nil {
			r.err = err
		}
		if int64(r.w-r.start+r.bigN+n) > r.lim.MaxQueryBuffer {
			return ErrQueryBufferLimit
		}
		if m == 0 && err == nil {
			if tries++; tries == 100 {
				return io.ErrNoProgress
			}
		}
	}
	r.bigN += len(big)
	r.bigs = append(r.bigs, big[:l:l]) // the two bytes after the payload are not checked (nor by Redis)
	r.offs = append(r.offs, -len(r.bigs), l)
	return nil
}

// readInline reads one inline command line starting at r.r, unescaping its
// args in place. It reports false for an empty line.
func (r *Reader) readInline() (bool, error) {
	nl, err := r.findLine('\n', msgTooBigInline)
	if err != nil {
		return false, err
	}
	line := r.buf[r.r : r.r+nl]
	if nl > 0 && line[nl-1] == '\r' {
		line = line[:nl-1]
	}
	// r.r == r.start here, so offsets within line are offsets from start.
	offs, ok := splitArgs(line, r.offs[:0])
	r.offs = offs
	if !ok {
		return false, protoErr(msgUnbalanced)
	}
	r.r += nl + 1
	return len(offs) > 0, nil
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// splitArgs splits line as Redis's sdssplitargs does, appending each arg's
// start/end offsets to offs. Args are unescaped in place: the write position
// never passes the read position, so line is overwritten only where it has
// already been read. It reports false for unbalanced quotes (including a
// closing quote not followed by a space or the end).
//
//   - args are separated by spaces, \t, \r, \n (blanks before an arg may also
//     be \v or \f, which isspace accepts);
//   - "double quotes" take \xHH hex escapes and \n \r \t \b \a, and \ before
//     any other byte stands for that byte;
//   - 'single quotes' take only \' as an escape;
//   - a quote may start in the middle of an arg (a"b c" is the arg "ab c");
//   - a NUL byte ends the line (the C string ends there).
func splitArgs(line []byte, offs []int) ([]int, bool) {
	if k := bytes.IndexByte(line, 0); k >= 0 {
		line = line[:k]
	}
	n := len(line)
	i, j := 0, 0 // read and write positions
	for {
		for i < n && isSpace(line[i]) {
			i++
		}
		if i >= n {
			return offs, true
		}
		tok := j
		inq, insq := false, false
	token:
		for {
			switch {
			case inq:
				if i >= n {
					return offs, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < n && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					line[j] = unhex(line[i+2])<<4 | unhex(line[i+3])
					j++
					i += 4
				case c == '\\' && i+1 < n:
					e := line[i+1]
					switch e {
					case 'n':
						e = '\n'
					case 'r':
						e = '\r'
					case 't':
						e = '\t'
					case 'b':
						e = '\b'
					case 'a':
						e = '\a'
					}
					line[j] = e
					j++
					i += 2
				case c == '"':
					if i+1 < n && !isSpace(line[i+1]) {
						return offs, false
					}
					i++
					break token
				default:
					line[j] = c
					j++
					i++
				}
			case insq:
				if i >= n {
					return offs, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < n && line[i+1] == '\'':
					line[j] = '\''
					j++
					i += 2
				case c == '\'':
					if i+1 < n && !isSpace(line[i+1]) {
						return offs, false
					}
					i++
					break token
				default:
					line[j] = c
					j++
					i++
				}
			default:
				if i >= n {
					break token
				}
				c := line[i]
				switch c {
				case ' ', '\n', '\r', '\t':
					i++
					break token
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					line[j] = c
					j++
				}
				i++
			}
		}
		offs = append(offs, tok, j)
	}
}

// Package jsondoc holds RustyPotato's JSON documents: parsing client text
// into one canonical compact form, JSONPath and legacy path queries over
// that text, the edits RedisJSON's commands make, RFC 7396 merge patches,
// and the three-way merge and diff that branches use.
//
// A document is its canonical text, as RedisJSON 2.x would print it: no
// whitespace, members in insertion order without duplicates, strings
// escaped as serde_json escapes them, numbers as integers or as the
// shortest float text with a fraction or exponent. Reads walk that text
// (with gjson) without building a tree; writes expand only the containers
// on the path they change (see Tree) and print the result again. The
// package is pure: no state, no I/O; every function is safe for
// concurrent use, and no function modifies a byte slice it is given.
package jsondoc

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxInputDepth bounds the nesting of a value parsed from a client: the
// 128th nested container is refused, as serde_json's default recursion
// limit (which RedisJSON uses) refuses it.
const MaxInputDepth = 128

// MaxDepth bounds the nesting of a stored document, however it was built
// (a value set deep inside another): every walk of a document recurses at
// most this deep.
const MaxDepth = 1024

// SyntaxError is a parse error of JSON text, with serde_json's message
// and position (RedisJSON replies with that text, without an error code).
type SyntaxError struct {
	Msg        string
	Line, Col  int
	noPosition bool
}

func (e *SyntaxError) Error() string {
	if e.noPosition {
		return e.Msg
	}
	return fmt.Sprintf("%s at line %d column %d", e.Msg, e.Line, e.Col)
}

// ErrDepth is returned (wrapped in no other error) when a write would
// nest a document deeper than MaxDepth.
var ErrDepth = &SyntaxError{Msg: "ERR JSON document nesting is deeper than 1024 levels", noPosition: true}

// errInvalidUTF8 is the reply for text that is not UTF-8 (RedisJSON
// refuses it before parsing).
var errInvalidUTF8 = &SyntaxError{Msg: "ERR invalid UTF-8 in JSON text", noPosition: true}

type parser struct {
	src   []byte
	pos   int
	out   []byte
	depth int // deepest nesting seen
	dup   bool
	keys  [][]string // per open object: its keys so far (canonical text)
}

func (p *parser) errAt(pos int, msg string) *SyntaxError {
	end := pos + 1
	if end > len(p.src) {
		end = len(p.src)
	}
	if end < 0 {
		end = 0
	}
	seen := p.src[:end]
	line := 1 + bytes.Count(seen, []byte{'\n'})
	col := len(seen) - (bytes.LastIndexByte(seen, '\n') + 1)
	return &SyntaxError{Msg: msg, Line: line, Col: col}
}

func (p *parser) skipWS() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// Parse checks that src is one JSON value (RFC 8259, as serde_json reads
// it) and returns its canonical text and its nesting depth (0 for a
// scalar). Errors are *SyntaxError with serde_json's messages.
func Parse(src []byte) (canon []byte, depth int, err error) {
	if !utf8.Valid(src) {
		return nil, 0, errInvalidUTF8
	}
	p := &parser{src: src, out: make([]byte, 0, len(src))}
	if err := p.run(); err != nil {
		return nil, 0, err
	}
	if p.dup {
		// Duplicate member names: the last value wins, at the place of
		// the first (as serde_json's map insert does). Rare: rebuild.
		t := NewTree(p.out)
		t.root.dedupe()
		return t.Bytes(), p.depth, nil
	}
	return p.out, p.depth, nil
}

// frame kinds of the parser's stack
const (
	inArray  = '['
	inObject = '{'
)

func (p *parser) run() error {
	var stack []byte
	for {
		// A value is expected.
		p.skipWS()
		if p.pos >= len(p.src) {
			return p.errAt(p.pos, "EOF while parsing a value")
		}
		c := p.src[p.pos]
		switch {
		case c == '{' || c == '[':
			if len(stack)+1 >= MaxInputDepth {
				return p.errAt(p.pos, "recursion limit exceeded")
			}
			p.pos++
			p.out = append(p.out, c)
			stack = append(stack, c)
			if len(stack) > p.depth {
				p.depth = len(stack)
			}
			p.skipWS()
			if c == '[' {
				if p.pos < len(p.src) && p.src[p.pos] == ']' {
					p.pos++
					p.out = append(p.out, ']')
					stack = stack[:len(stack)-1]
					break
				}
				if p.pos >= len(p.src) {
					return p.errAt(p.pos, "EOF while parsing a list")
				}
				continue // first element
			}
			p.keys = append(p.keys, nil)
			if p.pos >= len(p.src) {
				return p.errAt(p.pos, "EOF while parsing an object")
			}
			if p.src[p.pos] == '}' {
				p.pos++
				p.out = append(p.out, '}')
				stack = stack[:len(stack)-1]
				p.keys = p.keys[:len(p.keys)-1]
				break
			}
			if err := p.member(); err != nil {
				return err
			}
			continue
		case c == '"':
			if _, err := p.str(); err != nil {
				return err
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if err := p.number(); err != nil {
				return err
			}
		case c == 't':
			if err := p.ident("true"); err != nil {
				return err
			}
		case c == 'f':
			if err := p.ident("false"); err != nil {
				return err
			}
		case c == 'n':
			if err := p.ident("null"); err != nil {
				return err
			}
		default:
			return p.errAt(p.pos, "expected value")
		}
		// A value ended: close containers or go on to the next element.
		for {
			if len(stack) == 0 {
				p.skipWS()
				if p.pos < len(p.src) {
					return p.errAt(p.pos, "trailing characters")
				}
				return nil
			}
			p.skipWS()
			if p.pos >= len(p.src) {
				return p.eofIn(stack)
			}
			c := p.src[p.pos]
			top := stack[len(stack)-1]
			if c == ',' {
				p.pos++
				p.out = append(p.out, ',')
				p.skipWS()
				if p.pos < len(p.src) && ((top == inArray && p.src[p.pos] == ']') || (top == inObject && p.src[p.pos] == '}')) {
					return p.errAt(p.pos, "trailing comma")
				}
				if top == inObject {
					if err := p.member(); err != nil {
						return err
					}
				}
				break
			}
			if top == inArray && c == ']' || top == inObject && c == '}' {
				p.pos++
				p.out = append(p.out, c)
				stack = stack[:len(stack)-1]
				if top == inObject {
					p.keys = p.keys[:len(p.keys)-1]
				}
				continue
			}
			if top == inArray {
				return p.errAt(p.pos, "expected `,` or `]`")
			}
			return p.errAt(p.pos, "expected `,` or `}`")
		}
	}
}

func (p *parser) eofIn(stack []byte) error {
	if len(stack) == 0 {
		return p.errAt(p.pos, "EOF while parsing a value")
	}
	if stack[len(stack)-1] == inArray {
		return p.errAt(p.pos, "EOF while parsing a list")
	}
	return p.errAt(p.pos, "EOF while parsing an object")
}

// member parses `"key":` (whitespace allowed) and leaves the value next.
func (p *parser) member() error {
	p.skipWS()
	if p.pos >= len(p.src) {
		return p.errAt(p.pos, "EOF while parsing a value")
	}
	if p.src[p.pos] != '"' {
		return p.errAt(p.pos, "key must be a string")
	}
	start := len(p.out)
	if _, err := p.str(); err != nil {
		return err
	}
	key := string(p.out[start:])
	ks := &p.keys[len(p.keys)-1]
	if !p.dup {
		for _, k := range *ks {
			if k == key {
				p.dup = true
				break
			}
		}
		if len(*ks) < 64 {
			*ks = append(*ks, key)
		} else if len(*ks) == 64 {
			// Many members: stop the quadratic check and let the tree
			// pass find duplicates, if any.
			p.dup = true
		}
	}
	p.skipWS()
	if p.pos >= len(p.src) {
		return p.errAt(p.pos, "EOF while parsing an object")
	}
	if p.src[p.pos] != ':' {
		return p.errAt(p.pos, "expected `:`")
	}
	p.pos++
	p.out = append(p.out, ':')
	return nil
}

func (p *parser) ident(word string) error {
	for i := 0; i < len(word); i++ {
		if p.pos >= len(p.src) {
			return p.errAt(p.pos, "EOF while parsing a value")
		}
		if p.src[p.pos] != word[i] {
			return p.errAt(p.pos, "expected ident")
		}
		p.pos++
	}
	p.out = append(p.out, word...)
	return nil
}

// str parses a string at p.pos (a quote) and appends its canonical form.
// It returns the decoded string's length in bytes.
func (p *parser) str() (int, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: nothing to decode or re-escape.
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '"' {
			p.out = append(p.out, '"')
			p.out = append(p.out, p.src[start:p.pos]...)
			p.out = append(p.out, '"')
			p.pos++
			return p.pos - start - 1, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	// Slow path: decode into buf, then append it escaped.
	buf := append([]byte(nil), p.src[start:p.pos]...)
	for {
		if p.pos >= len(p.src) {
			return 0, p.errAt(p.pos, "EOF while parsing a string")
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			p.pos++
			p.out = AppendString(p.out, buf)
			return len(buf), nil
		case c < 0x20:
			return 0, p.errAt(p.pos, "control character (\\u0000-\\u001F) found while parsing a string")
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		p.pos++
		if p.pos >= len(p.src) {
			return 0, p.errAt(p.pos, "EOF while parsing a string")
		}
		e := p.src[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return 0, err
			}
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return 0, p.errAt(p.pos-1, "lone leading surrogate in hex escape")
			case r >= 0xD800 && r <= 0xDBFF:
				if p.pos+1 >= len(p.src) {
					return 0, p.errAt(len(p.src), "EOF while parsing a string")
				}
				if p.src[p.pos] != '\\' || p.src[p.pos+1] != 'u' {
					return 0, p.errAt(p.pos, "unexpected end of hex escape")
				}
				p.pos += 2
				r2, err := p.hex4()
				if err != nil {
					return 0, err
				}
				if r2 < 0xDC00 || r2 > 0xDFFF {
					return 0, p.errAt(p.pos-1, "lone leading surrogate in hex escape")
				}
				buf = utf8.AppendRune(buf, utf16.DecodeRune(r, r2))
			default:
				buf = utf8.AppendRune(buf, r)
			}
		default:
			return 0, p.errAt(p.pos-1, "invalid escape")
		}
	}
}

func (p *parser) hex4() (rune, error) {
	var r rune
	for i := 0; i < 4; i++ {
		if p.pos >= len(p.src) {
			return 0, p.errAt(p.pos, "EOF while parsing a string")
		}
		c := p.src[p.pos]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, p.errAt(p.pos, "invalid escape")
		}
		r = r<<4 | rune(d)
		p.pos++
	}
	return r, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number parses a number and appends its canonical text.
func (p *parser) number() error {
	start := p.pos
	neg := p.src[p.pos] == '-'
	if neg {
		p.pos++
	}
	if p.pos >= len(p.src) || !isDigit(p.src[p.pos]) {
		return p.errAt(p.pos, "invalid number")
	}
	if p.src[p.pos] == '0' {
		p.pos++
		if p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			return p.errAt(p.pos, "invalid number")
		}
	} else {
		for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			p.pos++
		}
	}
	isFloat := false
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		isFloat = true
		p.pos++
		if p.pos >= len(p.src) {
			return p.errAt(p.pos, "EOF while parsing a value")
		}
		if !isDigit(p.src[p.pos]) {
			return p.errAt(p.pos, "invalid number")
		}
		for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			p.pos++
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		isFloat = true
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if p.pos >= len(p.src) {
			return p.errAt(p.pos, "EOF while parsing a value")
		}
		if !isDigit(p.src[p.pos]) {
			return p.errAt(p.pos, "invalid number")
		}
		for p.pos < len(p.src) && isDigit(p.src[p.pos]) {
			p.pos++
		}
	}
	text := p.src[start:p.pos]
	out, ok := canonNumber(text, isFloat, neg)
	if !ok {
		return p.errAt(p.pos-1, "number out of range")
	}
	p.out = append(p.out, out...)
	return nil
}

// canonNumber returns the canonical text of a syntactically valid number,
// as serde_json reads and prints it: integers that fit int64 or uint64
// stay integers, everything else is a float (-0 included). ok is false
// for a float that overflows.
func canonNumber(text []byte, isFloat, neg bool) ([]byte, bool) {
	if !isFloat {
		if !neg {
			if _, err := strconv.ParseUint(string(text), 10, 64); err == nil {
				return text, true
			}
		} else if v, err := strconv.ParseInt(string(text), 10, 64); err == nil && v != 0 {
			return text, true
		}
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil && (math.IsInf(f, 0) || math.IsNaN(f)) {
		return nil, false
	}
	return AppendFloat(nil, f), true
}

// AppendFloat appends f as serde_json (ryu) prints a float: the shortest
// digits that read back as f, in decimal notation with at least one
// fractional digit when the decimal point falls within 16 digits, else
// in scientific notation ("1e21", "1.5e-7"). f must be finite.
func AppendFloat(dst []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	// Shortest digits and exponent: d.ddddde±x
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	ei := bytes.IndexByte(s, 'e')
	mant, exp := s[:ei], s[ei+1:]
	e, _ := strconv.Atoi(string(exp))
	var digits [24]byte
	nd := 0
	for _, c := range mant {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	d := digits[:nd]
	kk := e + 1 // position of the decimal point relative to the digits
	k := kk - nd
	switch {
	case k >= 0 && kk <= 16:
		dst = append(dst, d...)
		for i := 0; i < k; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, ".0"...)
	case kk > 0 && kk <= 16:
		dst = append(dst, d[:kk]...)
		dst = append(dst, '.')
		dst = append(dst, d[kk:]...)
	case kk > -5 && kk <= 0:
		dst = append(dst, "0."...)
		for i := 0; i < -kk; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, d...)
	default:
		dst = append(dst, d[0])
		if len(d) > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		dst = strconv.AppendInt(dst, int64(kk-1), 10)
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped as serde_json escapes:
// quote, backslash and control characters only (\b \f \n \r \t, others
// as \u00xx); everything else, non-ASCII included, as it is.
func AppendString(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

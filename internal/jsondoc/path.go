package jsondoc

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Query is a parsed path. RedisJSON accepts two syntaxes: JSONPath, which
// starts with '$' and may match many values, and the legacy syntax of
// RedisJSON 1 (".a.b", "a[0]", "."), which is JSONPath with "$" put in
// front and acts on the first match. A Query is immutable and safe for
// concurrent use.
type Query struct {
	Text   string // as the client gave it
	Fixed  string // the JSONPath it means ("$.a" for ".a" and "a")
	Legacy bool
	steps  []step
}

// Root reports whether the query is the document itself ("$" or ".").
func (q *Query) Root() bool { return len(q.steps) == 0 }

// Static reports whether the query names at most one place: only member
// names and single indexes (RedisJSON's is_static).
func (q *Query) Static() bool {
	for _, s := range q.steps {
		switch s.kind {
		case stepKey:
		case stepKeys:
			if len(s.keys) > 1 {
				return false
			}
		case stepIndexes:
			if len(s.idx) > 1 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

type stepKind uint8

const (
	stepKey     stepKind = iota + 1 // .name
	stepKeys                        // ['a','b']
	stepIndexes                     // [0,-1]
	stepSlice                       // [start:end:step]
	stepAll                         // .* or [*]
	stepScan                        // ..
	stepFilter                      // [?(...)]
)

type step struct {
	kind       stepKind
	key        string
	keys       []string
	idx        []int64
	start, end *int64
	stride     int64
	filter     *orExpr
}

// Filters: an OR of ANDs of units, a unit being a parenthesized
// expression or one comparison (or a lone term: an existence test).
type orExpr struct{ ands [][]unit }

type unit struct {
	sub         *orExpr
	left, right term
	op          string // "" for an existence test
	re          *regexp.Regexp
}

type termKind uint8

const (
	termNum termKind = iota + 1
	termStr
	termBool
	termNull
	termCur  // @...
	termRoot // $...
)

type term struct {
	kind  termKind
	isInt bool
	i     int64
	f     float64
	s     string
	b     bool
	steps []step
}

// maxFilterNesting bounds parentheses and nested filters in a path.
const maxFilterNesting = 32

// PathError is a path that does not parse, with RedisJSON's message form.
type PathError struct{ Msg string }

func (e *PathError) Error() string { return e.Msg }

// ParseQuery parses a path in either syntax.
func ParseQuery(path string) (*Query, error) {
	q := &Query{Text: path}
	fixed := path
	if !strings.HasPrefix(path, "$") {
		q.Legacy = true
		switch {
		case path == ".":
			fixed = "$"
		case strings.HasPrefix(path, "."):
			fixed = "$" + path
		default:
			fixed = "$." + path
		}
	}
	q.Fixed = fixed
	p := &pathParser{s: fixed}
	p.pos = 1 // '$'
	steps, err := p.steps(0)
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.s) {
		return nil, p.fail("expected one of the following: '.', '..', '['")
	}
	q.steps = steps
	return q, nil
}

// maxSteps bounds the steps of a path, filters' paths included: walks
// recurse once per step (a filter or ".." may apply in place, without
// descending), so this bounds their depth.
const maxSteps = 4096

type pathParser struct {
	s     string
	pos   int
	count int // steps parsed so far
}

func (p *pathParser) fail(msg string) error {
	pos := p.pos
	if pos > len(p.s) {
		pos = len(p.s)
	}
	var ctx string
	if pos == len(p.s) {
		ctx = fmt.Sprintf("\"%s <<<<----\"", p.s)
	} else {
		ctx = fmt.Sprintf("\"%s ---->>>> %s\"", p.s[:pos], p.s[pos:])
	}
	return &PathError{Msg: fmt.Sprintf("Error occurred on position %d, %s, %s.", pos, ctx, msg)}
}

func (p *pathParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func isLiteralByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c >= 0x80
}

// steps parses path elements until something that is not one (the end,
// or an operator or ')' inside a filter).
func (p *pathParser) steps(nest int) ([]step, error) {
	var out []step
	for p.pos < len(p.s) {
		if c := p.s[p.pos]; c == '.' || c == '[' {
			if p.count++; p.count > maxSteps {
				return nil, p.fail("the path has too many elements")
			}
		}
		switch p.s[p.pos] {
		case '.':
			if strings.HasPrefix(p.s[p.pos:], "..") {
				p.pos += 2
				out = append(out, step{kind: stepScan})
				// '..' must be followed by a selector
				if p.peek() == '[' {
					continue
				}
			} else {
				p.pos++
				if p.peek() == '[' {
					continue // "$.[0]", as RedisJSON allows
				}
			}
			switch c := p.peek(); {
			case c == '*':
				p.pos++
				out = append(out, step{kind: stepAll})
			case isLiteralByte(c):
				start := p.pos
				for p.pos < len(p.s) && isLiteralByte(p.s[p.pos]) {
					p.pos++
				}
				out = append(out, step{kind: stepKey, key: p.s[start:p.pos]})
			default:
				return nil, p.fail("expected one of the following: <string>, '*', '['")
			}
		case '[':
			st, err := p.bracket(nest)
			if err != nil {
				return nil, err
			}
			out = append(out, st)
		default:
			return out, nil
		}
	}
	return out, nil
}

func (p *pathParser) skipWS() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *pathParser) bracket(nest int) (step, error) {
	p.pos++ // '['
	p.skipWS()
	var st step
	switch c := p.peek(); {
	case c == '*':
		p.pos++
		st = step{kind: stepAll}
	case c == '?':
		if nest >= maxFilterNesting {
			return st, p.fail("filters are nested too deeply")
		}
		p.pos++
		p.skipWS()
		if p.peek() != '(' {
			return st, p.fail("expected one of the following: '('")
		}
		p.pos++
		e, err := p.orExpr(nest + 1)
		if err != nil {
			return st, err
		}
		p.skipWS()
		if p.peek() != ')' {
			return st, p.fail("expected one of the following: ')', '&&', '||'")
		}
		p.pos++
		st = step{kind: stepFilter, filter: e}
	case c == '\'' || c == '"':
		var keys []string
		for {
			s, err := p.quoted()
			if err != nil {
				return st, err
			}
			keys = append(keys, s)
			p.skipWS()
			if p.peek() != ',' {
				break
			}
			p.pos++
			p.skipWS()
			if c := p.peek(); c != '\'' && c != '"' {
				return st, p.fail("expected one of the following: <string>")
			}
		}
		st = step{kind: stepKeys, keys: keys}
	case c == '-' || c == ':' || (c >= '0' && c <= '9'):
		var err error
		st, err = p.indexes()
		if err != nil {
			return st, err
		}
	default:
		return st, p.fail("expected one of the following: '*', '[?(filter_expression)]', '<number>[,<number>,...]', '<string>[,<string>,...]', ['start:end:steps']")
	}
	p.skipWS()
	if p.peek() != ']' {
		return st, p.fail("expected one of the following: ']'")
	}
	p.pos++
	return st, nil
}

func (p *pathParser) int() (int64, bool) {
	start := p.pos
	if p.peek() == '-' || p.peek() == '+' {
		p.pos++
	}
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	v, err := strconv.ParseInt(p.s[start:p.pos], 10, 64)
	if err != nil {
		p.pos = start
		return 0, false
	}
	return v, true
}

// indexes parses "1", "1,2,-1" or a slice "start:end:step" (each part
// optional but the first colon).
func (p *pathParser) indexes() (step, error) {
	var st step
	var first *int64
	if p.peek() != ':' {
		v, ok := p.int()
		if !ok {
			return st, p.fail("expected one of the following: '<number>'")
		}
		first = &v
	}
	p.skipWS()
	if p.peek() == ':' {
		p.pos++
		st = step{kind: stepSlice, start: first, stride: 1}
		p.skipWS()
		if c := p.peek(); c == '-' || (c >= '0' && c <= '9') {
			v, ok := p.int()
			if !ok {
				return st, p.fail("expected one of the following: '<number>'")
			}
			st.end = &v
		}
		p.skipWS()
		if p.peek() == ':' {
			p.pos++
			p.skipWS()
			v, ok := p.int()
			if !ok || v <= 0 {
				return st, p.fail("expected one of the following: '<number>'")
			}
			st.stride = v
		}
		return st, nil
	}
	st = step{kind: stepIndexes, idx: []int64{*first}}
	for {
		p.skipWS()
		if p.peek() != ',' {
			return st, nil
		}
		p.pos++
		p.skipWS()
		v, ok := p.int()
		if !ok {
			return st, p.fail("expected one of the following: '<number>'")
		}
		st.idx = append(st.idx, v)
	}
}

// quoted parses a '...' or "..." string; a backslash escapes the quote
// and itself, as in RedisJSON.
func (p *pathParser) quoted() (string, error) {
	q := p.s[p.pos]
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '\\' && p.pos+1 < len(p.s) && (p.s[p.pos+1] == q || p.s[p.pos+1] == '\\') {
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		}
		if c == q {
			p.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", p.fail("expected one of the following: <string>")
}

func (p *pathParser) orExpr(nest int) (*orExpr, error) {
	e := &orExpr{}
	var and []unit
	for {
		p.skipWS()
		u, err := p.unit(nest)
		if err != nil {
			return nil, err
		}
		and = append(and, u)
		p.skipWS()
		switch {
		case strings.HasPrefix(p.s[p.pos:], "&&"):
			p.pos += 2
		case strings.HasPrefix(p.s[p.pos:], "||"):
			p.pos += 2
			e.ands = append(e.ands, and)
			and = nil
		default:
			e.ands = append(e.ands, and)
			return e, nil
		}
	}
}

func (p *pathParser) unit(nest int) (unit, error) {
	if p.peek() == '(' {
		if nest >= maxFilterNesting {
			return unit{}, p.fail("filters are nested too deeply")
		}
		p.pos++
		sub, err := p.orExpr(nest + 1)
		if err != nil {
			return unit{}, err
		}
		p.skipWS()
		if p.peek() != ')' {
			return unit{}, p.fail("expected one of the following: ')'")
		}
		p.pos++
		return unit{sub: sub}, nil
	}
	left, err := p.term(nest)
	if err != nil {
		return unit{}, err
	}
	p.skipWS()
	u := unit{left: left}
	for _, op := range []string{"==", "!=", ">=", "<=", "=~", ">", "<"} {
		if strings.HasPrefix(p.s[p.pos:], op) {
			u.op = op
			p.pos += len(op)
			break
		}
	}
	if u.op == "" {
		if left.kind != termCur && left.kind != termRoot {
			return unit{}, p.fail("expected one of the following: '==', '!=', '>', '>=', '<', '<=', '=~'")
		}
		return u, nil
	}
	p.skipWS()
	if u.right, err = p.term(nest); err != nil {
		return unit{}, err
	}
	if u.op == "=~" && u.right.kind == termStr {
		// An invalid pattern matches nothing, as in RedisJSON.
		u.re, _ = regexp.Compile(u.right.s)
	}
	return u, nil
}

func (p *pathParser) term(nest int) (term, error) {
	switch c := p.peek(); {
	case c == '@' || c == '$':
		p.pos++
		steps, err := p.steps(nest)
		if err != nil {
			return term{}, err
		}
		k := termCur
		if c == '$' {
			k = termRoot
		}
		return term{kind: k, steps: steps}, nil
	case c == '\'' || c == '"':
		s, err := p.quoted()
		if err != nil {
			return term{}, err
		}
		return term{kind: termStr, s: s}, nil
	case c == '-' || c == '+' || (c >= '0' && c <= '9'):
		start := p.pos
		p.pos++
		for p.pos < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.pos]) >= 0 {
			p.pos++
		}
		text := p.s[start:p.pos]
		if v, err := strconv.ParseInt(text, 10, 64); err == nil {
			return term{kind: termNum, isInt: true, i: v}, nil
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			p.pos = start
			return term{}, p.fail("expected one of the following: '<number>'")
		}
		return term{kind: termNum, f: f}, nil
	}
	for _, w := range []struct {
		s string
		t term
	}{{"true", term{kind: termBool, b: true}}, {"false", term{kind: termBool}}, {"null", term{kind: termNull}}} {
		if strings.HasPrefix(p.s[p.pos:], w.s) {
			p.pos += len(w.s)
			return w.t, nil
		}
	}
	return term{}, p.fail("expected one of the following: '@', '$', <number>, <string>, 'true', 'false', 'null'")
}

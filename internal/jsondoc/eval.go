package jsondoc

import (
	"regexp"
	"strconv"
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"
)

// sv views immutable bytes as a string without copying; bv is the
// reverse. Documents are never modified in place, so the views stay valid.
func sv(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
func bv(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Elem is one step of a concrete place in a document: an object member
// (Key) or an array element (Index, when IsIndex).
type Elem struct {
	Key     string
	Index   int
	IsIndex bool
}

func (e Elem) String() string {
	if e.IsIndex {
		return strconv.Itoa(e.Index)
	}
	return e.Key
}

// Match is one value a query matched: its canonical text (aliasing the
// document: do not modify) and, when asked for, where it is.
type Match struct {
	Raw  []byte
	Path []Elem
	r    gjson.Result
}

// Type returns RedisJSON's name of the value's type: null, boolean,
// integer, number, string, array or object.
func (m Match) Type() string { return typeOf(m.r) }

// TypeOf returns RedisJSON's type name of a canonical JSON value.
func TypeOf(raw []byte) string { return typeOf(gjson.Parse(sv(raw))) }

func typeOf(r gjson.Result) string {
	switch r.Type {
	case gjson.Null:
		return "null"
	case gjson.True, gjson.False:
		return "boolean"
	case gjson.String:
		return "string"
	case gjson.Number:
		if isIntText(r.Raw) {
			return "integer"
		}
		return "number"
	case gjson.JSON:
		if strings.HasPrefix(r.Raw, "[") {
			return "array"
		}
		return "object"
	}
	return "null"
}

// isIntText reports whether canonical number text is an integer (floats
// always print a '.' or an exponent).
func isIntText(s string) bool { return strings.IndexAny(s, ".eE") < 0 }

func isObject(r gjson.Result) bool { return r.Type == gjson.JSON && strings.HasPrefix(r.Raw, "{") }
func isArray(r gjson.Result) bool  { return r.Type == gjson.JSON && strings.HasPrefix(r.Raw, "[") }

func root(doc []byte) gjson.Result {
	r := gjson.Parse(sv(doc))
	r.Index = 0
	return r
}

// Select returns the values q matches in doc, in RedisJSON's order.
func (q *Query) Select(doc []byte) []Match { return q.sel(doc, false) }

// SelectPaths is Select with each match's place.
func (q *Query) SelectPaths(doc []byte) []Match { return q.sel(doc, true) }

func (q *Query) sel(doc []byte, paths bool) []Match {
	ev := evaluator{root: root(doc), paths: paths}
	ev.walk(q.steps, ev.root, nil, func(r gjson.Result, path []Elem) {
		m := Match{Raw: bv(r.Raw), r: r}
		if paths {
			m.Path = append([]Elem(nil), path...)
		}
		ev.out = append(ev.out, m)
	})
	return ev.out
}

type evaluator struct {
	root  gjson.Result
	paths bool
	out   []Match
}

// needsScan reports whether a member name must be looked up by iterating
// (gjson paths cannot name it): empty, or holding characters that are
// escaped in canonical text.
func needsScan(key string) bool {
	if key == "" {
		return true
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c == '"' || c == '\\' {
			return true
		}
	}
	return false
}

// member returns the value of member key of object r.
func member(r gjson.Result, key string) (gjson.Result, bool) {
	if !needsScan(key) {
		v := r.Get(gjson.Escape(key))
		// (Result.Get makes v.Index relative to the document already.)
		return v, v.Exists()
	}
	var out gjson.Result
	found := false
	r.ForEach(func(k, v gjson.Result) bool {
		if k.Str == key {
			out, found = v, true
			return false
		}
		return true
	})
	return out, found
}

func arrayLen(r gjson.Result) int {
	n := 0
	r.ForEach(func(_, _ gjson.Result) bool { n++; return true })
	return n
}

func element(r gjson.Result, i int) (gjson.Result, bool) {
	v := r.Get(strconv.Itoa(i))
	return v, v.Exists()
}

// elements returns the elements of array r, with their Index set.
func elements(r gjson.Result) []gjson.Result {
	var out []gjson.Result
	r.ForEach(func(_, v gjson.Result) bool { out = append(out, v); return true })
	return out
}

// absIndex is RedisJSON's calc_abs_index: negative counts from the end
// and clamps at 0; positive clamps at n (which then matches nothing).
func absIndex(i int64, n int) int {
	if i >= 0 {
		if i > int64(n) {
			return n
		}
		return int(i)
	}
	j := i + int64(n)
	if j < 0 {
		return 0
	}
	return int(j)
}

func (ev *evaluator) push(path []Elem, e Elem) []Elem {
	if !ev.paths {
		return path
	}
	return append(path, e)
}

// walk applies steps to cur and calls emit for every match. Recursion is
// bounded by the steps and by the document's depth (MaxDepth).
func (ev *evaluator) walk(steps []step, cur gjson.Result, path []Elem, emit func(gjson.Result, []Elem)) {
	if len(steps) == 0 {
		emit(cur, path)
		return
	}
	st, rest := steps[0], steps[1:]
	switch st.kind {
	case stepKey:
		if isObject(cur) {
			if v, ok := member(cur, st.key); ok {
				ev.walk(rest, v, ev.push(path, Elem{Key: st.key}), emit)
			}
		}
	case stepKeys:
		if isObject(cur) {
			for _, k := range st.keys {
				if v, ok := member(cur, k); ok {
					ev.walk(rest, v, ev.push(path, Elem{Key: k}), emit)
				}
			}
		}
	case stepIndexes:
		if isArray(cur) {
			n := arrayLen(cur)
			for _, i := range st.idx {
				j := absIndex(i, n)
				if v, ok := element(cur, j); ok {
					ev.walk(rest, v, ev.push(path, Elem{Index: j, IsIndex: true}), emit)
				}
			}
		}
	case stepSlice:
		if isArray(cur) {
			elems := elements(cur)
			n := len(elems)
			start, end := 0, n
			if st.start != nil {
				start = absIndex(*st.start, n)
			}
			if st.end != nil {
				end = absIndex(*st.end, n)
			}
			for i := start; i < end; i += int(st.stride) {
				ev.walk(rest, elems[i], ev.push(path, Elem{Index: i, IsIndex: true}), emit)
			}
		}
	case stepAll:
		ev.children(cur, path, func(v gjson.Result, p []Elem) { ev.walk(rest, v, p, emit) })
	case stepScan:
		// Descendant-or-self: the rest applies here, then under every
		// descendant, in document order.
		ev.walk(rest, cur, path, emit)
		ev.scan(rest, cur, path, emit)
	case stepFilter:
		if cur.Type == gjson.JSON {
			ev.children(cur, path, func(v gjson.Result, p []Elem) {
				if ev.test(st.filter, v) {
					ev.walk(rest, v, p, emit)
				}
			})
		} else if ev.test(st.filter, cur) {
			ev.walk(rest, cur, path, emit)
		}
	}
}

func (ev *evaluator) scan(steps []step, cur gjson.Result, path []Elem, emit func(gjson.Result, []Elem)) {
	ev.children(cur, path, func(v gjson.Result, p []Elem) {
		ev.walk(steps, v, p, emit)
		ev.scan(steps, v, p, emit)
	})
}

// children calls fn for each member value or element of cur.
func (ev *evaluator) children(cur gjson.Result, path []Elem, fn func(gjson.Result, []Elem)) {
	if cur.Type != gjson.JSON {
		return
	}
	obj := isObject(cur)
	i := 0
	n := len(path)
	cur.ForEach(func(k, v gjson.Result) bool {
		p := path[:n]
		if obj {
			p = ev.push(p, Elem{Key: k.Str})
		} else {
			p = ev.push(p, Elem{Index: i, IsIndex: true})
		}
		fn(v, p)
		i++
		return true
	})
}

// ---------------------------------------------------------------------
// Filters, with RedisJSON's comparison rules.
// ---------------------------------------------------------------------

// tval is a term's value: a literal or a document value.
type tval struct {
	kind  byte // 'i' int, 'f' float, 's' string, 'b' bool, 'n' null, 'c' container, 'x' invalid
	doc   bool // from the document (two document values compare deeply)
	i     int64
	f     float64
	s     string
	b     bool
	r     gjson.Result
	isNum bool
}

func docVal(r gjson.Result) tval {
	v := tval{doc: true, r: r}
	switch r.Type {
	case gjson.Null:
		v.kind = 'n'
	case gjson.True:
		v.kind, v.b = 'b', true
	case gjson.False:
		v.kind = 'b'
	case gjson.String:
		v.kind, v.s = 's', r.Str
	case gjson.Number:
		if isIntText(r.Raw) {
			if i, err := strconv.ParseInt(r.Raw, 10, 64); err == nil {
				v.kind, v.i = 'i', i
				return v
			}
		}
		v.kind, v.f = 'f', r.Num
	default:
		v.kind = 'c'
	}
	return v
}

func (ev *evaluator) termVal(t term, cur gjson.Result) tval {
	switch t.kind {
	case termNum:
		if t.isInt {
			return tval{kind: 'i', i: t.i}
		}
		return tval{kind: 'f', f: t.f}
	case termStr:
		return tval{kind: 's', s: t.s}
	case termBool:
		return tval{kind: 'b', b: t.b}
	case termNull:
		return tval{kind: 'n'}
	}
	from := cur
	if t.kind == termRoot {
		from = ev.root
	}
	sub := evaluator{root: ev.root}
	var got []gjson.Result
	sub.walk(t.steps, from, nil, func(r gjson.Result, _ []Elem) { got = append(got, r) })
	if len(got) != 1 {
		return tval{kind: 'x'}
	}
	return docVal(got[0])
}

// cmp orders a and b as RedisJSON's partial_cmp: ok is false when they
// do not compare (different types, containers, invalid terms).
func cmp(a, b tval) (int, bool) {
	switch {
	case a.kind == 'i' && b.kind == 'i':
		return cmpOrdered(a.i, b.i), true
	case (a.kind == 'i' || a.kind == 'f') && (b.kind == 'i' || b.kind == 'f'):
		fa, fb := a.f, b.f
		if a.kind == 'i' {
			fa = float64(a.i)
		}
		if b.kind == 'i' {
			fb = float64(b.i)
		}
		if fa != fa || fb != fb {
			return 0, false
		}
		return cmpOrdered(fa, fb), true
	case a.kind == 's' && b.kind == 's':
		return strings.Compare(a.s, b.s), true
	case a.kind == 'b' && b.kind == 'b':
		x, y := 0, 0
		if a.b {
			x = 1
		}
		if b.b {
			y = 1
		}
		return x - y, true
	case a.kind == 'n' && b.kind == 'n':
		return 0, true
	}
	return 0, false
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func equal(a, b tval) bool {
	if a.doc && b.doc {
		return Equal(bv(a.r.Raw), bv(b.r.Raw))
	}
	c, ok := cmp(a, b)
	return ok && c == 0
}

func (ev *evaluator) test(e *orExpr, cur gjson.Result) bool {
	for _, and := range e.ands {
		all := true
		for i := range and {
			if !ev.unit(&and[i], cur) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (ev *evaluator) unit(u *unit, cur gjson.Result) bool {
	if u.sub != nil {
		return ev.test(u.sub, cur)
	}
	l := ev.termVal(u.left, cur)
	if u.op == "" {
		return l.kind != 'x'
	}
	r := ev.termVal(u.right, cur)
	switch u.op {
	case "==":
		return equal(l, r)
	case "!=":
		return !equal(l, r)
	case "=~":
		if l.kind != 's' || !l.doc {
			return false
		}
		if u.re != nil {
			return u.re.MatchString(l.s)
		}
		if r.kind == 's' && r.doc {
			re, err := regexp.Compile(r.s)
			return err == nil && re.MatchString(l.s)
		}
		return false
	}
	c, ok := cmp(l, r)
	if !ok {
		return false
	}
	switch u.op {
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	}
	return false
}

// Equal reports whether two canonical JSON values are equal: the same
// type (integers and floats compare by value) and equal contents, object
// members in any order.
func Equal(a, b []byte) bool { return equalR(gjson.Parse(sv(a)), gjson.Parse(sv(b)), false) }

// StrictEqual is Equal with integers never equal to floats (RedisJSON's
// ARRINDEX: 1 is not found in [1.0]).
func StrictEqual(a, b []byte) bool { return equalR(gjson.Parse(sv(a)), gjson.Parse(sv(b)), true) }

func equalR(a, b gjson.Result, strict bool) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case gjson.Number:
		ai, bi := isIntText(a.Raw), isIntText(b.Raw)
		if ai && bi {
			return a.Raw == b.Raw
		}
		if strict && ai != bi {
			return false
		}
		return a.Num == b.Num
	case gjson.String:
		return a.Str == b.Str
	case gjson.JSON:
		if isArray(a) != isArray(b) {
			return false
		}
		if isArray(a) {
			ea, eb := a.Array(), b.Array()
			if len(ea) != len(eb) {
				return false
			}
			for i := range ea {
				if !equalR(ea[i], eb[i], strict) {
					return false
				}
			}
			return true
		}
		na, nb := arrayLen(a), arrayLen(b)
		if na != nb {
			return false
		}
		ok := true
		a.ForEach(func(k, v gjson.Result) bool {
			w, found := member(b, k.Str)
			if !found || !equalR(v, w, strict) {
				ok = false
			}
			return ok
		})
		return ok
	}
	return true
}

// DotGet reads the value at a dotted path ("0.name": each segment a
// member name, or an element index of an array) for GET's dot syntax. A
// string is returned as its text, any other value as canonical JSON.
func DotGet(doc []byte, path string) ([]byte, bool) {
	cur := root(doc)
	for _, seg := range strings.Split(path, ".") {
		switch {
		case isObject(cur):
			v, ok := member(cur, seg)
			if !ok {
				return nil, false
			}
			cur = v
		case isArray(cur):
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || seg[0] == '+' {
				return nil, false
			}
			v, ok := element(cur, i)
			if !ok {
				return nil, false
			}
			cur = v
		default:
			return nil, false
		}
	}
	if cur.Type == gjson.String {
		return []byte(cur.Str), true
	}
	return bv(cur.Raw), true
}

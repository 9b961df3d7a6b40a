package jsondoc

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/tidwall/gjson"
)

// CmdError is an error reply of a JSON command, its text as RedisJSON
// sends it (code included).
type CmdError struct{ Msg string }

func (e *CmdError) Error() string { return e.Msg }

func errf(format string, args ...any) error { return &CmdError{Msg: fmt.Sprintf(format, args...)} }

// ErrPathMissing is RedisJSON's error for a legacy path that matches
// nothing.
func ErrPathMissing(path string) error { return errf("ERR Path '%s' does not exist", path) }

// ErrExpected is RedisJSON's error for a value of the wrong type.
func ErrExpected(want, found string) error {
	return errf("WRONGTYPE wrong type of path value - expected %s but found %s", want, found)
}

// Errors with RedisJSON's texts.
var (
	ErrNewAtRoot     = &CmdError{Msg: "ERR new objects must be created at the root"}
	ErrWrongStatic   = &CmdError{Msg: "Err wrong static path"}
	ErrIndexRange    = &CmdError{Msg: "ERR array index out of range"}
	ErrIndexBounds   = &CmdError{Msg: "ERR index out of bounds"}
	ErrNotANumber    = &CmdError{Msg: "ERR result is not a number"}
	ErrNoKeyForWrite = &CmdError{Msg: "ERR could not perform this operation on a key that doesn't exist"}
)

// Int is an optional integer reply: nil where RedisJSON replies nil (a
// match of the wrong type).
type Int = *int64

func intp(v int) Int { x := int64(v); return &x }

// legacyCheck applies the legacy syntax's rules to ms: it needs a match,
// and one of the wanted type; ok filters the matches.
func (q *Query) legacyCheck(ms []Match, want string, ok func(Match) bool) error {
	if !q.Legacy {
		return nil
	}
	if len(ms) == 0 {
		return ErrPathMissing(q.Fixed)
	}
	for _, m := range ms {
		if ok(m) {
			return nil
		}
	}
	return ErrExpected(want, ms[0].Type())
}

func depthOK(pathLen, valDepth int) error {
	if pathLen+valDepth > MaxDepth {
		return ErrDepth
	}
	return nil
}

// Set is JSON.SET on doc (nil when the key does not exist) with a value
// already parsed (canonical text and depth). It returns the new document,
// or nil when nothing is set (NX/XX unmet, or no place to add it).
func Set(doc []byte, q *Query, val []byte, valDepth int, nx, xx bool) ([]byte, error) {
	if doc == nil {
		if xx {
			return nil, nil
		}
		if !q.Root() {
			return nil, ErrNewAtRoot
		}
		return val, nil
	}
	if q.Root() {
		if nx {
			return nil, nil
		}
		return val, nil
	}
	t := NewTree(doc)
	if !nx {
		if ms := q.SelectPaths(doc); len(ms) > 0 {
			for _, m := range ms {
				if err := depthOK(len(m.Path), valDepth); err != nil {
					return nil, err
				}
			}
			if out, ok := replaceMatches(doc, ms, func(int) []byte { return val }); ok {
				return out, nil
			}
			for _, m := range ms {
				t.Replace(m.Path, val)
			}
			return t.Bytes(), nil
		}
	}
	if xx {
		return nil, nil
	}
	added, err := q.add(doc, t, val, valDepth, func(n *Node, key string) bool { return n.AddMember(key, val) })
	if err != nil || !added {
		return nil, err
	}
	return t.Bytes(), nil
}

// splice replaces n bytes at offset at of a document.
type splice struct {
	at, n int
	with  []byte
}

// replaceMatches replaces each match of ms (from one document) with the
// text with(i) gives, by copying the document once around them: no tree
// is built. ok is false when it cannot (matches inside one another, or
// an offset gjson did not record): the caller then uses a Tree.
func replaceMatches(doc []byte, ms []Match, with func(i int) []byte) (out []byte, ok bool) {
	sp := make([]splice, 0, len(ms))
	size := len(doc)
	for i, m := range ms {
		w := with(i)
		if w == nil {
			continue
		}
		at := m.r.Index
		if at < 0 || at+len(m.Raw) > len(doc) || sv(doc[at:at+len(m.Raw)]) != m.r.Raw {
			return nil, false
		}
		sp = append(sp, splice{at: at, n: len(m.Raw), with: w})
		size += len(w) - len(m.Raw)
	}
	slices.SortFunc(sp, func(a, b splice) int { return a.at - b.at })
	for i := 1; i < len(sp); i++ {
		if sp[i].at < sp[i-1].at+sp[i-1].n {
			return nil, false // one inside another
		}
	}
	out = make([]byte, 0, size)
	prev := 0
	for _, s := range sp {
		out = append(out, doc[prev:s.at]...)
		out = append(out, s.with...)
		prev = s.at + s.n
	}
	return append(out, doc[prev:]...), true
}

// add creates the member the last step of a static q names, in every
// object its parent steps match (RedisJSON's find_add_paths).
func (q *Query) add(doc []byte, t *Tree, val []byte, valDepth int, put func(n *Node, key string) bool) (bool, error) {
	if !q.Static() {
		return false, ErrWrongStatic
	}
	last := q.steps[len(q.steps)-1]
	var key string
	switch last.kind {
	case stepKey:
		key = last.key
	case stepKeys:
		key = last.keys[0]
	default:
		// An index that matched nothing is out of range; one that
		// matched is an NX left undone.
		if len(q.Select(doc)) == 0 {
			return false, ErrIndexRange
		}
		return false, nil
	}
	parent := &Query{Fixed: q.Fixed, steps: q.steps[:len(q.steps)-1]}
	added := false
	for _, m := range parent.SelectPaths(doc) {
		if err := depthOK(len(m.Path)+1, valDepth); err != nil {
			return false, err
		}
		if n := t.Find(m.Path); n != nil && put(n, key) {
			added = true
		}
	}
	return added, nil
}

// Get is JSON.GET's reply text for queries qs (one or more) on doc.
func Get(doc []byte, qs []*Query, f Format) ([]byte, error) {
	legacy := true
	for _, q := range qs {
		legacy = legacy && q.Legacy
	}
	if len(qs) == 1 {
		q := qs[0]
		ms := q.Select(doc)
		if legacy {
			if len(ms) == 0 {
				return nil, ErrPathMissing(q.Fixed)
			}
			return AppendFormatted(nil, ms[0].Raw, f), nil
		}
		return AppendFormatted(nil, matchesArray(nil, ms), f), nil
	}
	// Several paths: an object from each path to its result(s). Repeated
	// paths appear once.
	var out []byte
	out = append(out, '{')
	seen := map[string]bool{}
	for _, q := range qs {
		if seen[q.Text] {
			continue
		}
		seen[q.Text] = true
		ms := q.Select(doc)
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = AppendString(out, []byte(q.Text))
		out = append(out, ':')
		if legacy {
			if len(ms) == 0 {
				return nil, ErrPathMissing(q.Text)
			}
			out = append(out, ms[0].Raw...)
		} else {
			out = matchesArray(out, ms)
		}
	}
	out = append(out, '}')
	return AppendFormatted(nil, out, f), nil
}

func matchesArray(dst []byte, ms []Match) []byte {
	dst = append(dst, '[')
	for i, m := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, m.Raw...)
	}
	return append(dst, ']')
}

// Del is JSON.DEL of a non-root query: the new document and how many
// values it removed (a value inside another removed one is not counted).
func Del(doc []byte, q *Query) ([]byte, int) {
	ms := q.SelectPaths(doc)
	paths := make([][]Elem, 0, len(ms))
	for _, m := range ms {
		paths = append(paths, m.Path)
	}
	paths = prepareDeletion(paths)
	t := NewTree(doc)
	n := 0
	for _, p := range paths {
		if t.Delete(p) {
			n++
		}
	}
	if n == 0 {
		return nil, 0
	}
	return t.Bytes(), n
}

// prepareDeletion orders paths so that deleting them one by one removes
// each intended value (higher array indexes first, deeper paths first)
// and drops paths inside other paths, as RedisJSON does.
func prepareDeletion(paths [][]Elem) [][]Elem {
	slices.SortFunc(paths, func(a, b []Elem) int {
		for i := 0; i < len(a) && i < len(b); i++ {
			x, y := a[i], b[i]
			switch {
			case !x.IsIndex && !y.IsIndex:
				if x.Key != y.Key {
					if x.Key < y.Key {
						return -1
					}
					return 1
				}
			case x.IsIndex != y.IsIndex:
				if x.IsIndex {
					return 1
				}
				return -1
			case x.Index != y.Index:
				if x.Index > y.Index {
					return -1
				}
				return 1
			}
		}
		return len(b) - len(a)
	})
	out := paths[:0]
	for i, p := range paths {
		nested := false
		for j, o := range paths {
			if j != i && len(o) < len(p) && isPrefix(o, p) {
				nested = true
				break
			}
			if j < i && len(o) == len(p) && isPrefix(o, p) {
				nested = true // a duplicate
				break
			}
		}
		if !nested {
			out = append(out, p)
		}
	}
	return out
}

func isPrefix(a, b []Elem) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ParseNumber parses a NUMINCRBY/NUMMULTBY argument.
func ParseNumber(arg []byte) ([]byte, error) {
	v, _, err := Parse(arg)
	if err != nil {
		return nil, err
	}
	if gjson.Parse(sv(v)).Type != gjson.Number {
		return nil, &SyntaxError{Msg: "invalid number", Line: 1, Col: 1}
	}
	return v, nil
}

// NumOp is JSON.NUMINCRBY (mult false) or JSON.NUMMULTBY with the number
// n (from ParseNumber): the new document (nil if no number matched) and
// the new value of each match (nil for a match that is not a number).
// Two integers give an integer unless it overflows; anything else is a
// float.
func NumOp(doc []byte, q *Query, n []byte, mult bool) ([]byte, [][]byte, error) {
	ms := q.SelectPaths(doc)
	if err := q.legacyCheck(ms, "number", func(m Match) bool { return m.r.Type == gjson.Number }); err != nil {
		return nil, nil, err
	}
	arg := gjson.Parse(sv(n))
	res := make([][]byte, len(ms))
	changed := false
	for i, m := range ms {
		if m.r.Type != gjson.Number {
			continue
		}
		v, err := numOp(m.r, arg, mult)
		if err != nil {
			return nil, nil, err
		}
		res[i] = v
		changed = true
	}
	if !changed {
		return nil, res, nil
	}
	return replaceAll(doc, ms, res), res, nil
}

// replaceAll replaces match i of ms with res[i] where it is not nil.
func replaceAll(doc []byte, ms []Match, res [][]byte) []byte {
	if out, ok := replaceMatches(doc, ms, func(i int) []byte { return res[i] }); ok {
		return out
	}
	t := NewTree(doc)
	for i, m := range ms {
		if res[i] != nil {
			t.Replace(m.Path, res[i])
		}
	}
	return t.Bytes()
}

func numOp(a, b gjson.Result, mult bool) ([]byte, error) {
	if isIntText(a.Raw) && isIntText(b.Raw) {
		x, err1 := strconv.ParseInt(a.Raw, 10, 64)
		y, err2 := strconv.ParseInt(b.Raw, 10, 64)
		if err1 == nil && err2 == nil {
			if mult {
				if r := x * y; x == 0 || (r/x == y && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64)) {
					return strconv.AppendInt(nil, r, 10), nil
				}
			} else if r := x + y; (r > x) == (y > 0) {
				return strconv.AppendInt(nil, r, 10), nil
			}
		}
	}
	var f float64
	if mult {
		f = a.Num * b.Num
	} else {
		f = a.Num + b.Num
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, ErrNotANumber
	}
	return AppendFloat(nil, f), nil
}

// StrAppend is JSON.STRAPPEND of the JSON string s (canonical text).
func StrAppend(doc []byte, q *Query, s []byte) ([]byte, []Int, error) {
	add := gjson.Parse(sv(s))
	if add.Type != gjson.String {
		return nil, nil, ErrExpected("string", TypeOf(s))
	}
	ms := q.SelectPaths(doc)
	isStr := func(m Match) bool { return m.r.Type == gjson.String }
	if err := q.legacyCheck(ms, "string", isStr); err != nil {
		return nil, nil, err
	}
	res := make([]Int, len(ms))
	texts := make([][]byte, len(ms))
	changed := false
	for i, m := range ms {
		if !isStr(m) {
			continue
		}
		v := append([]byte(m.r.Str), add.Str...)
		texts[i] = AppendString(nil, v)
		res[i] = intp(len(v))
		changed = true
	}
	if !changed {
		return nil, res, nil
	}
	return replaceAll(doc, ms, texts), res, nil
}

// Lens is JSON.STRLEN, JSON.ARRLEN and JSON.OBJLEN: the length of each
// match of type want ("string", "array", "object"), nil for others.
func Lens(doc []byte, q *Query, want string) ([]Int, error) {
	ms := q.Select(doc)
	ok := func(m Match) bool { return m.Type() == want }
	if err := q.legacyCheck(ms, want, ok); err != nil {
		return nil, err
	}
	res := make([]Int, len(ms))
	for i, m := range ms {
		if !ok(m) {
			continue
		}
		if want == "string" {
			res[i] = intp(len(m.r.Str))
		} else {
			res[i] = intp(arrayLen(m.r))
		}
	}
	return res, nil
}

// Types is JSON.TYPE: each match's type name.
func Types(doc []byte, q *Query) []string {
	ms := q.Select(doc)
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Type()
	}
	return out
}

// ObjKeys is JSON.OBJKEYS: the member names of each object matched (nil
// for other matches).
func ObjKeys(doc []byte, q *Query) ([][]string, error) {
	ms := q.Select(doc)
	ok := func(m Match) bool { return isObject(m.r) }
	if err := q.legacyCheck(ms, "object", ok); err != nil {
		return nil, err
	}
	out := make([][]string, len(ms))
	for i, m := range ms {
		if !ok(m) {
			continue
		}
		keys := []string{}
		m.r.ForEach(func(k, _ gjson.Result) bool { keys = append(keys, k.Str); return true })
		out[i] = keys
	}
	return out, nil
}

// arrayEdit runs fn on every array q matches; fn reports whether it
// changed it. It returns the new document (nil if unchanged).
func arrayEdit(doc []byte, q *Query, fn func(i int, m Match, n *Node) (bool, error)) ([]byte, int, error) {
	ms := q.SelectPaths(doc)
	ok := func(m Match) bool { return isArray(m.r) }
	if err := q.legacyCheck(ms, "array", ok); err != nil {
		return nil, 0, err
	}
	t := NewTree(doc)
	changed := false
	for i, m := range ms {
		if !ok(m) {
			continue
		}
		n := t.Find(m.Path)
		if n == nil {
			continue // inside an array another match already changed
		}
		c, err := fn(i, m, n)
		if err != nil {
			return nil, 0, err
		}
		changed = changed || c
	}
	if !changed {
		return nil, len(ms), nil
	}
	return t.Bytes(), len(ms), nil
}

// ArrAppend is JSON.ARRAPPEND of values (canonical texts, maxDepth their
// deepest nesting): the new length of each array matched.
func ArrAppend(doc []byte, q *Query, vals [][]byte, maxDepth int) ([]byte, []Int, error) {
	var res []Int
	out, n, err := arrayEdit(doc, q, func(i int, m Match, n *Node) (bool, error) {
		if err := depthOK(len(m.Path)+1, maxDepth); err != nil {
			return false, err
		}
		n.Insert(n.Len(), vals)
		res = setAt(res, i, intp(n.Len()))
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, pad(res, n), nil
}

// setAt sets res[i], growing res as needed.
func setAt[T any](res []T, i int, v T) []T {
	for len(res) <= i {
		var zero T
		res = append(res, zero)
	}
	res[i] = v
	return res
}

// pad grows res to n entries.
func pad[T any](res []T, n int) []T {
	for len(res) < n {
		var zero T
		res = append(res, zero)
	}
	return res
}

// ArrInsert is JSON.ARRINSERT: values before index (negative counts from
// the end) of each array matched. An index outside an array fails the
// whole command.
func ArrInsert(doc []byte, q *Query, index int64, vals [][]byte, maxDepth int) ([]byte, []Int, error) {
	var res []Int
	out, cnt, err := arrayEdit(doc, q, func(i int, m Match, n *Node) (bool, error) {
		l := int64(n.Len())
		at := index
		if at < 0 {
			at += l
		}
		if at < 0 || at > l {
			return false, ErrIndexBounds
		}
		if err := depthOK(len(m.Path)+1, maxDepth); err != nil {
			return false, err
		}
		n.Insert(int(at), vals)
		res = setAt(res, i, intp(n.Len()))
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, pad(res, cnt), nil
}

// ArrPop is JSON.ARRPOP: the element at index (clamped into the array;
// negative counts from the end) removed from each array matched; nil for
// empty arrays and other matches.
func ArrPop(doc []byte, q *Query, index int64) ([]byte, [][]byte, error) {
	var res [][]byte
	out, cnt, err := arrayEdit(doc, q, func(i int, m Match, nd *Node) (bool, error) {
		l := int64(nd.Len())
		if l == 0 {
			return false, nil
		}
		at := index
		if at < 0 {
			at = max(l+at, 0)
		} else {
			at = min(at, l-1)
		}
		res = setAt(res, i, nd.RemoveAt(int(at)))
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, pad(res, cnt), nil
}

// normalize is RedisJSON's index normalization for ARRTRIM.
func normalize(i, n int64) int64 {
	if i < 0 {
		return max(0, n+i)
	}
	return min(i, n-1)
}

// ArrTrim is JSON.ARRTRIM: keeps elements start..stop (inclusive,
// negative counting from the end) of each array matched.
func ArrTrim(doc []byte, q *Query, start, stop int64) ([]byte, []Int, error) {
	var res []Int
	out, cnt, err := arrayEdit(doc, q, func(i int, m Match, n *Node) (bool, error) {
		l := int64(n.Len())
		st := normalize(stop, l)
		var s int64
		if start < 0 || start < l {
			s = normalize(start, l)
		} else {
			s = st + 1
		}
		if s > st || l == 0 {
			n.Trim(0, 0)
		} else {
			n.Trim(int(s), int(st+1))
		}
		res = setAt(res, i, intp(n.Len()))
		return true, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, pad(res, cnt), nil
}

// ArrIndex is JSON.ARRINDEX: the first index of val (strictly equal:
// 1 is not 1.0) in each array matched within [start, stop) (stop 0 means
// the end; negatives count from the end), -1 if absent, nil for other
// matches.
func ArrIndex(doc []byte, q *Query, val []byte, start, stop int64) ([]Int, error) {
	ms := q.Select(doc)
	ok := func(m Match) bool { return isArray(m.r) }
	if err := q.legacyCheck(ms, "array", ok); err != nil {
		return nil, err
	}
	res := make([]Int, len(ms))
	for i, m := range ms {
		if !ok(m) {
			continue
		}
		elems := m.r.Array()
		l := int64(len(elems))
		res[i] = intp(-1)
		if l == 0 {
			continue
		}
		s := start
		if s < 0 {
			s = max(0, l+s)
		} else {
			s = min(s, l-1)
		}
		e := stop
		switch {
		case e == 0:
			e = l
		case e < 0:
			e = max(0, l+e)
		default:
			e = min(e, l)
		}
		for j := s; j < e; j++ {
			if StrictEqual(bv(elems[j].Raw), val) {
				res[i] = intp(int(j))
				break
			}
		}
	}
	return res, nil
}

// Clear is JSON.CLEAR: empties the containers and zeroes the numbers q
// matches, and returns how many it changed.
func Clear(doc []byte, q *Query) ([]byte, int) {
	ms := q.SelectPaths(doc)
	t := NewTree(doc)
	n := 0
	for _, m := range ms {
		nd := t.Find(m.Path)
		if nd == nil {
			continue
		}
		switch m.r.Type {
		case gjson.JSON:
			if len(m.Path) == 0 {
				if isArray(m.r) {
					t.SetRoot([]byte("[]"))
				} else {
					t.SetRoot([]byte("{}"))
				}
			} else {
				nd.Clear()
			}
			n++
		case gjson.Number:
			t.Replace(m.Path, []byte("0"))
			n++
		}
	}
	if n == 0 {
		return nil, 0
	}
	return t.Bytes(), n
}

// Toggle is JSON.TOGGLE: flips each boolean matched and returns its new
// value (1 or 0; nil for other matches).
func Toggle(doc []byte, q *Query) ([]byte, []Int, error) {
	ms := q.SelectPaths(doc)
	isBool := func(m Match) bool { return m.r.Type == gjson.True || m.r.Type == gjson.False }
	if err := q.legacyCheck(ms, "boolean", isBool); err != nil {
		return nil, nil, err
	}
	res := make([]Int, len(ms))
	texts := make([][]byte, len(ms))
	changed := false
	for i, m := range ms {
		if !isBool(m) {
			continue
		}
		if m.r.Type == gjson.True {
			texts[i], res[i] = []byte("false"), intp(0)
		} else {
			texts[i], res[i] = []byte("true"), intp(1)
		}
		changed = true
	}
	if !changed {
		return nil, res, nil
	}
	return replaceAll(doc, ms, texts), res, nil
}

// Merge is JSON.MERGE of the patch (canonical text) at q on doc (nil
// when the key does not exist): RFC 7396 at every match; a static path
// that matches nothing adds the patch as a new member.
func Merge(doc []byte, q *Query, patch []byte, patchDepth int) ([]byte, error) {
	if doc == nil {
		if !q.Root() {
			return nil, ErrNewAtRoot
		}
		return patch, nil
	}
	p := gjson.Parse(sv(patch))
	t := NewTree(doc)
	if q.Root() {
		mergePatch(t.root, p)
		return t.Bytes(), nil
	}
	ms := q.SelectPaths(doc)
	if len(ms) > 0 {
		for _, m := range ms {
			if err := depthOK(len(m.Path), patchDepth); err != nil {
				return nil, err
			}
			switch {
			case p.Type == gjson.Null && len(m.Path) > 0:
				// Merging null into a member deletes it (RFC 7396 at
				// the parent), as RedisJSON's example shows.
				t.Delete(m.Path)
			default:
				if n := t.Find(m.Path); n != nil {
					mergePatch(n, p)
				}
			}
		}
		return t.Bytes(), nil
	}
	added, err := q.add(doc, t, patch, patchDepth, func(n *Node, key string) bool { return n.AddMember(key, patch) })
	if err != nil || !added {
		return nil, err
	}
	return t.Bytes(), nil
}

// MergePatch applies the RFC 7396 merge patch patch to doc (both
// canonical) and returns the result.
func MergePatch(doc, patch []byte) []byte {
	t := NewTree(doc)
	mergePatch(t.root, gjson.Parse(sv(patch)))
	return t.Bytes()
}

func mergePatch(n *Node, patch gjson.Result) {
	if !isObject(patch) {
		*n = Node{raw: bv(patch.Raw)}
		return
	}
	n.expand()
	if n.kind != '{' {
		*n = Node{kind: '{'}
	}
	patch.ForEach(func(k, v gjson.Result) bool {
		i := n.index(Elem{Key: k.Str})
		if v.Type == gjson.Null {
			if i >= 0 {
				n.keys = append(n.keys[:i], n.keys[i+1:]...)
				n.vals = append(n.vals[:i], n.vals[i+1:]...)
			}
			return true
		}
		if i < 0 {
			c := &Node{kind: '{'}
			mergePatch(c, v)
			n.keys = append(n.keys, k.Str)
			n.vals = append(n.vals, c)
			return true
		}
		mergePatch(n.vals[i], v)
		return true
	})
}

// MemoryUsage estimates the bytes a value takes (JSON.DEBUG MEMORY): its
// text plus a per-value overhead.
func MemoryUsage(raw []byte) int64 {
	n := int64(len(raw))
	values := int64(1)
	for _, c := range raw {
		if c == ',' || c == ':' {
			values++
		}
	}
	return n + 16*values
}

// Values returns the text of each match of q (JSON.RESP, and the Go
// API's per-match reads).
func Values(doc []byte, q *Query) [][]byte {
	ms := q.Select(doc)
	out := make([][]byte, len(ms))
	for i, m := range ms {
		out[i] = m.Raw
	}
	return out
}

package jsondoc

import (
	"github.com/tidwall/gjson"
)

// Tree is a document being edited. Containers are expanded into members
// only on the paths that an edit goes through; the rest stays as the
// original text, copied as it is when the tree is printed. So an edit of
// one field of a large document costs a walk to it and one copy of the
// text, not a parse of the whole document.
type Tree struct {
	root *Node
}

// Node is one value of a Tree.
type Node struct {
	raw  []byte // canonical text, while not expanded
	kind byte   // 0 while raw; '{' or '[' when expanded
	keys []string
	vals []*Node
}

// NewTree starts editing the canonical document doc (which it does not
// modify).
func NewTree(doc []byte) *Tree { return &Tree{root: &Node{raw: doc}} }

// Bytes returns the edited document's canonical text.
func (t *Tree) Bytes() []byte { return t.root.appendTo(nil) }

// Root returns the document's root value.
func (t *Tree) Root() *Node { return t.root }

// SetRoot replaces the whole document.
func (t *Tree) SetRoot(raw []byte) { t.root = &Node{raw: raw} }

func (n *Node) expand() {
	if n.kind != 0 || len(n.raw) == 0 || (n.raw[0] != '{' && n.raw[0] != '[') {
		return
	}
	r := gjson.Parse(sv(n.raw))
	n.kind = n.raw[0]
	obj := n.kind == '{'
	r.ForEach(func(k, v gjson.Result) bool {
		if obj {
			n.keys = append(n.keys, k.Str)
		}
		n.vals = append(n.vals, &Node{raw: bv(v.Raw)})
		return true
	})
	n.raw = nil
}

// dedupe drops duplicate member names, everywhere below n: the last
// value wins, at the place of the first.
func (n *Node) dedupe() {
	n.expand()
	if n.kind == '{' {
		seen := make(map[string]int, len(n.keys))
		keys, vals := n.keys[:0], n.vals[:0]
		for i, k := range n.keys {
			if j, ok := seen[k]; ok {
				vals[j] = n.vals[i]
				continue
			}
			seen[k] = len(keys)
			keys = append(keys, k)
			vals = append(vals, n.vals[i])
		}
		n.keys, n.vals = keys, vals
	}
	for _, v := range n.vals {
		v.dedupe()
	}
}

// Text returns n's canonical text.
func (n *Node) Text() []byte {
	if n.kind == 0 {
		return n.raw
	}
	return n.appendTo(nil)
}

// Type returns RedisJSON's type name of n.
func (n *Node) Type() string {
	switch n.kind {
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return TypeOf(n.raw)
}

// Len returns the number of members or elements of a container.
func (n *Node) Len() int {
	n.expand()
	return len(n.vals)
}

func (n *Node) appendTo(dst []byte) []byte {
	switch n.kind {
	case 0:
		return append(dst, n.raw...)
	case '[':
		dst = append(dst, '[')
		for i, v := range n.vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = v.appendTo(dst)
		}
		return append(dst, ']')
	}
	dst = append(dst, '{')
	for i, v := range n.vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, bv(n.keys[i]))
		dst = append(dst, ':')
		dst = v.appendTo(dst)
	}
	return append(dst, '}')
}

func (n *Node) index(e Elem) int {
	n.expand()
	if e.IsIndex {
		if n.kind == '[' && e.Index >= 0 && e.Index < len(n.vals) {
			return e.Index
		}
		return -1
	}
	if n.kind != '{' {
		return -1
	}
	for i, k := range n.keys {
		if k == e.Key {
			return i
		}
	}
	return -1
}

// Find returns the node at path, or nil.
func (t *Tree) Find(path []Elem) *Node {
	n := t.root
	for _, e := range path {
		i := n.index(e)
		if i < 0 {
			return nil
		}
		n = n.vals[i]
	}
	return n
}

// Replace replaces the value at path with raw and reports whether the
// path exists.
func (t *Tree) Replace(path []Elem, raw []byte) bool {
	if len(path) == 0 {
		t.SetRoot(raw)
		return true
	}
	p := t.Find(path[:len(path)-1])
	if p == nil {
		return false
	}
	i := p.index(path[len(path)-1])
	if i < 0 {
		return false
	}
	p.vals[i] = &Node{raw: raw}
	return true
}

// Delete removes the member or element at path and reports whether it
// existed. The root cannot be deleted.
func (t *Tree) Delete(path []Elem) bool {
	if len(path) == 0 {
		return false
	}
	p := t.Find(path[:len(path)-1])
	if p == nil {
		return false
	}
	i := p.index(path[len(path)-1])
	if i < 0 {
		return false
	}
	p.vals = append(p.vals[:i], p.vals[i+1:]...)
	if p.kind == '{' {
		p.keys = append(p.keys[:i], p.keys[i+1:]...)
	}
	return true
}

// AddMember adds key with value raw to the object n if it has no such
// member, and reports whether it did.
func (n *Node) AddMember(key string, raw []byte) bool {
	n.expand()
	if n.kind != '{' {
		return false
	}
	for _, k := range n.keys {
		if k == key {
			return false
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, &Node{raw: raw})
	return true
}

// SetMember sets member key of object n to raw, adding it if missing.
func (n *Node) SetMember(key string, raw []byte) {
	n.expand()
	for i, k := range n.keys {
		if k == key {
			n.vals[i] = &Node{raw: raw}
			return
		}
	}
	n.keys = append(n.keys, key)
	n.vals = append(n.vals, &Node{raw: raw})
}

// Member returns member key of object n, or nil.
func (n *Node) Member(key string) *Node {
	if i := n.index(Elem{Key: key}); i >= 0 {
		return n.vals[i]
	}
	return nil
}

// Members returns the names of an object's members, in order.
func (n *Node) Members() []string {
	n.expand()
	return n.keys
}

// Insert inserts raw values before element i of array n (0 <= i <= len).
func (n *Node) Insert(i int, raws [][]byte) {
	n.expand()
	add := make([]*Node, len(raws))
	for j, r := range raws {
		add[j] = &Node{raw: r}
	}
	n.vals = append(n.vals[:i], append(add, n.vals[i:]...)...)
}

// RemoveAt removes element i of array n and returns its text.
func (n *Node) RemoveAt(i int) []byte {
	n.expand()
	v := n.vals[i].Text()
	n.vals = append(n.vals[:i], n.vals[i+1:]...)
	return v
}

// Trim keeps elements [lo, hi) of array n.
func (n *Node) Trim(lo, hi int) {
	n.expand()
	n.vals = append([]*Node(nil), n.vals[lo:hi]...)
}

// Clear empties a container.
func (n *Node) Clear() {
	n.expand()
	n.keys, n.vals = nil, nil
}

// ---------------------------------------------------------------------
// Printing with RedisJSON's INDENT, NEWLINE and SPACE.
// ---------------------------------------------------------------------

// Format holds JSON.GET's INDENT, NEWLINE and SPACE strings. The zero
// value prints canonical compact text.
type Format struct {
	Indent, Newline, Space string
}

// Compact reports whether f adds nothing to canonical text.
func (f Format) Compact() bool { return f.Indent == "" && f.Newline == "" && f.Space == "" }

// AppendFormatted appends the canonical value raw printed with f, as
// RedisJSON's formatter prints it (serde_json's pretty printer with the
// client's strings).
func AppendFormatted(dst, raw []byte, f Format) []byte {
	if f.Compact() {
		return append(dst, raw...)
	}
	pf := prettyFmt{f: f}
	return pf.value(dst, gjson.Parse(sv(raw)))
}

type prettyFmt struct {
	f        Format
	level    int
	hasValue bool
}

func (p *prettyFmt) newline(dst []byte) []byte {
	dst = append(dst, p.f.Newline...)
	for i := 0; i < p.level; i++ {
		dst = append(dst, p.f.Indent...)
	}
	return dst
}

func (p *prettyFmt) value(dst []byte, r gjson.Result) []byte {
	if r.Type != gjson.JSON {
		return append(dst, r.Raw...)
	}
	obj := isObject(r)
	open, close := byte('['), byte(']')
	if obj {
		open, close = '{', '}'
	}
	p.level++
	p.hasValue = false
	dst = append(dst, open)
	first := true
	r.ForEach(func(k, v gjson.Result) bool {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = p.newline(dst)
		if obj {
			dst = append(dst, k.Raw...)
			dst = append(dst, ':')
			dst = append(dst, p.f.Space...)
		}
		dst = p.value(dst, v)
		p.hasValue = true
		return true
	})
	p.level--
	if p.hasValue {
		dst = p.newline(dst)
	}
	return append(dst, close)
}

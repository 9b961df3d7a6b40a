package jsondoc

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// PathString renders a concrete place as a JSONPath: $.a.b[0], with
// bracket notation for names that are not plain literals.
func PathString(path []Elem) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, e := range path {
		if e.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.Index))
			b.WriteByte(']')
			continue
		}
		plain := e.Key != ""
		for i := 0; i < len(e.Key); i++ {
			if !isLiteralByte(e.Key[i]) {
				plain = false
				break
			}
		}
		if plain {
			b.WriteByte('.')
			b.WriteString(e.Key)
			continue
		}
		b.WriteString("['")
		b.WriteString(strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(e.Key))
		b.WriteString("']")
	}
	return b.String()
}

// Merge3 merges the changes base->ours and base->theirs of a document
// (all canonical texts). Changes to different places merge: object
// members are merged one by one, and arrays element by element when
// neither side changed their length. Where both sides changed the same
// place differently, ours is kept and the place is reported in
// conflicts (as a JSONPath).
func Merge3(base, ours, theirs []byte) (merged []byte, conflicts []string) {
	var paths [][]Elem
	out := merge3(gjson.Parse(sv(base)), gjson.Parse(sv(ours)), gjson.Parse(sv(theirs)), true, true, true, nil, nil, &paths)
	for _, p := range paths {
		conflicts = append(conflicts, PathString(p))
	}
	return out, conflicts
}

func same(a, b gjson.Result, ha, hb bool) bool {
	if ha != hb {
		return false
	}
	return !ha || equalR(a, b, true)
}

// merge3 appends the merged value of one place; hb, ho, ht tell whether
// the place exists on each side. It is only called where ours exists or
// theirs is kept.
func merge3(b, o, t gjson.Result, hb, ho, ht bool, path []Elem, dst []byte, conflicts *[][]Elem) []byte {
	switch {
	case same(o, t, ho, ht), same(b, t, hb, ht):
		return append(dst, o.Raw...)
	case same(b, o, hb, ho):
		return append(dst, t.Raw...)
	}
	if hb && ho && ht && isObject(b) && isObject(o) && isObject(t) {
		dst = append(dst, '{')
		first := true
		emit := func(key string, v []byte) {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = AppendString(dst, []byte(key))
			dst = append(dst, ':')
			dst = append(dst, v...)
		}
		p := append(path[:len(path):len(path)], Elem{})
		visit := func(k string) {
			bv, hbv := member(b, k)
			ov, hov := member(o, k)
			tv, htv := member(t, k)
			p[len(p)-1] = Elem{Key: k}
			switch {
			case same(ov, tv, hov, htv) || same(bv, tv, hbv, htv):
				if hov {
					emit(k, bv2(ov))
				}
			case same(bv, ov, hbv, hov):
				if htv {
					emit(k, bv2(tv))
				}
			case hov && htv:
				emit(k, merge3(bv, ov, tv, hbv, hov, htv, p, nil, conflicts))
			default:
				// One side deleted what the other changed: keep ours.
				*conflicts = append(*conflicts, append([]Elem(nil), p...))
				if hov {
					emit(k, bv2(ov))
				}
			}
		}
		o.ForEach(func(k, _ gjson.Result) bool { visit(k.Str); return true })
		t.ForEach(func(k, _ gjson.Result) bool {
			if _, in := member(o, k.Str); !in {
				visit(k.Str)
			}
			return true
		})
		b.ForEach(func(k, _ gjson.Result) bool {
			_, ino := member(o, k.Str)
			_, intt := member(t, k.Str)
			if !ino && !intt {
				visit(k.Str) // deleted on both sides: nothing to emit
			}
			return true
		})
		return append(dst, '}')
	}
	if hb && ho && ht && isArray(b) && isArray(o) && isArray(t) {
		eb, eo, et := b.Array(), o.Array(), t.Array()
		if len(eb) == len(eo) && len(eb) == len(et) {
			dst = append(dst, '[')
			p := append(path[:len(path):len(path)], Elem{})
			for i := range eb {
				if i > 0 {
					dst = append(dst, ',')
				}
				p[len(p)-1] = Elem{Index: i, IsIndex: true}
				dst = merge3(eb[i], eo[i], et[i], true, true, true, p, dst, conflicts)
			}
			return append(dst, ']')
		}
	}
	*conflicts = append(*conflicts, append([]Elem(nil), path...))
	return append(dst, o.Raw...)
}

func bv2(r gjson.Result) []byte { return bv(r.Raw) }

// Diff returns the places where a and b (canonical) differ, as
// JSONPaths, the deepest place that covers each difference: a member
// present on one side only, a changed scalar, an array whose length
// changed, or "$" when the types differ at the root.
func Diff(a, b []byte) []string {
	var out []string
	diff(gjson.Parse(sv(a)), gjson.Parse(sv(b)), nil, &out)
	return out
}

func diff(a, b gjson.Result, path []Elem, out *[]string) {
	if equalR(a, b, true) {
		return
	}
	p := append(path[:len(path):len(path)], Elem{})
	if isObject(a) && isObject(b) {
		a.ForEach(func(k, av gjson.Result) bool {
			p[len(p)-1] = Elem{Key: k.Str}
			if bvv, ok := member(b, k.Str); ok {
				diff(av, bvv, p, out)
			} else {
				*out = append(*out, PathString(p))
			}
			return true
		})
		b.ForEach(func(k, _ gjson.Result) bool {
			if _, ok := member(a, k.Str); !ok {
				p[len(p)-1] = Elem{Key: k.Str}
				*out = append(*out, PathString(p))
			}
			return true
		})
		return
	}
	if isArray(a) && isArray(b) {
		ea, eb := a.Array(), b.Array()
		if len(ea) == len(eb) {
			for i := range ea {
				p[len(p)-1] = Elem{Index: i, IsIndex: true}
				diff(ea[i], eb[i], p, out)
			}
			return
		}
	}
	*out = append(*out, PathString(path))
}

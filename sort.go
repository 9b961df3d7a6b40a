package potato

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"rustypotato/internal/keyspace"
)

// SortArgs are SORT's options (go-redis's Sort).
type SortArgs struct {
	// By is BY: a pattern whose '*' is replaced by each element to name
	// the key (or "key->field" hash field) holding its weight. A pattern
	// without '*' means no sorting (the container's own order).
	By string
	// Offset and Count are LIMIT; Count < 0 (or HasLimit false) means all.
	Offset, Count int64
	HasLimit      bool
	// Get are the GET patterns: "#" is the element itself, others are
	// looked up like By; a missing key gives nil.
	Get   []string
	Desc  bool // DESC
	Alpha bool // ALPHA: compare as strings rather than numbers
}

// ErrSortScore is Redis's reply when an element or weight is no number
// and ALPHA is not given.
var ErrSortScore = fmt.Errorf("%w: ERR One or more scores can't be converted into double", ErrInvalidArgument)

// sortSource is a container's elements as SORT sees them. ordered says
// the container has an order of its own (lists, sorted sets) that SORT
// keeps when it does not sort; a set has none.
type sortSource struct {
	elems   [][]byte
	ordered bool
}

// sortElements returns the elements SORT works on for e. A new type that
// SORT accepts is one case here (sets: ordered false; sorted sets: their
// members by score, ordered true).
func sortElements(e *keyspace.Entry) (sortSource, error) {
	if e == nil {
		return sortSource{ordered: true}, nil
	}
	switch e.Kind {
	case keyspace.KindList:
		out := make([][]byte, 0, e.List.Len())
		e.List.Range(0, e.List.Len(), func(_ int, v []byte) bool {
			if v == nil {
				v = []byte{}
			}
			out = append(out, v[:len(v):len(v)])
			return true
		})
		return sortSource{elems: out, ordered: true}, nil
	case keyspace.KindSet:
		out := make([][]byte, 0, e.Set.Len())
		e.Set.All(func(m string) bool {
			out = append(out, []byte(m))
			return true
		})
		return sortSource{elems: out}, nil
	case keyspace.KindZSet:
		out := make([][]byte, 0, e.ZSet.Len())
		e.ZSet.All(func(m keyspace.ZMember) bool {
			out = append(out, []byte(m.Member))
			return true
		})
		return sortSource{elems: out, ordered: true}, nil
	}
	return sortSource{}, ErrWrongType
}

// lookupByPattern is Redis's lookupKeyByPattern: "#" is the element, a
// pattern without '*' is nothing, "pre*post" names a string key and
// "pre*post->field" a hash field.
func (tx *Tx) lookupByPattern(pattern string, elem []byte) ([]byte, bool) {
	if pattern == "#" {
		return elem, true
	}
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return nil, false
	}
	keyPat, field := pattern, ""
	if f := strings.Index(pattern[star+1:], "->"); f >= 0 && star+1+f+2 < len(pattern) {
		keyPat, field = pattern[:star+1+f], pattern[star+1+f+2:]
	}
	key := keyPat[:star] + string(elem) + keyPat[star+1:]
	e := tx.lookup(key)
	if e == nil {
		return nil, false
	}
	if field != "" {
		if e.Kind != keyspace.KindHash {
			return nil, false
		}
		v, ok := e.Hash.Get(field)
		if !ok {
			return nil, false
		}
		return v[:len(v):len(v)], true
	}
	if e.Kind != keyspace.KindString {
		return nil, false
	}
	return e.Str[:len(e.Str):len(e.Str)], true
}

// strtod parses b as C's strtod does for SORT: leading spaces, then the
// whole rest must be a number (a C string ends at its first NUL; hex
// "0x10" is a number), no NaN, no overflow or underflow (glibc's ERANGE,
// which Redis refuses). An empty string is 0.
func strtod(b []byte) (float64, bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	if s == "" {
		return 0, len(b) == 0 // strtod("") converts nothing and stops at the NUL
	}
	if strings.ContainsAny(s, "_") {
		return 0, false
	}
	body := strings.TrimLeft(s, "+-")
	hex := len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')
	if hex && !strings.ContainsAny(body, "pP") {
		s += "p0"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	if a := math.Abs(f); a < 0x1p-1022 && !math.IsInf(f, 0) {
		mant := body
		if hex {
			mant = body[2:]
			if i := strings.IndexAny(mant, "pP"); i >= 0 {
				mant = mant[:i]
			}
		} else if i := strings.IndexAny(mant, "eE"); i >= 0 {
			mant = mant[:i]
		}
		if a != 0 || strings.ContainsAny(mant, "123456789abcdefABCDEF") {
			return 0, false // underflow: ERANGE
		}
	}
	return f, true
}

type sortItem struct {
	elem  []byte
	score float64
	cmp   []byte // ALPHA with BY: the weight (nil: none)
	hasW  bool
}

// sortRun computes SORT's result: the selected elements, or with GET the
// looked-up values (nil for a missing one), in order.
func (tx *Tx) sortRun(key string, a SortArgs, store bool) ([][]byte, error) {
	dontSort := a.By != "" && !strings.Contains(a.By, "*")
	src, err := sortElements(tx.lookup(key))
	if err != nil {
		return nil, err
	}
	alpha := a.Alpha
	by := a.By
	if dontSort && !src.ordered && store {
		// A set has no order: STORE sorts it (ALPHA) so the result is
		// deterministic, as Redis does.
		dontSort, alpha, by = false, true, ""
	}
	n := int64(len(src.elems))
	limStart, limCount := int64(0), int64(-1)
	if a.HasLimit {
		limStart, limCount = a.Offset, a.Count
	}
	start := max(limStart, 0)
	end := n - 1
	if limCount >= 0 {
		end = start + limCount - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}
	items := make([]sortItem, len(src.elems))
	for i, el := range src.elems {
		items[i].elem = el
	}
	if dontSort && src.ordered && a.Desc {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	if !dontSort {
		for i := range items {
			w := items[i].elem
			if by != "" {
				var ok bool
				if w, ok = tx.lookupByPattern(by, items[i].elem); !ok {
					continue
				}
			}
			if alpha {
				if by != "" {
					items[i].cmp, items[i].hasW = w, true
				}
				continue
			}
			f, ok := strtod(w)
			if !ok {
				return nil, ErrSortScore
			}
			items[i].score = f
		}
		cmp := func(x, y *sortItem) int {
			var c int
			switch {
			case !alpha:
				switch {
				case x.score > y.score:
					c = 1
				case x.score < y.score:
					c = -1
				default:
					c = bytes.Compare(x.elem, y.elem)
				}
			case by != "":
				switch {
				case !x.hasW || !y.hasW:
					c = b2c(x.hasW) - b2c(y.hasW)
				default:
					c = bytes.Compare(cstr(x.cmp), cstr(y.cmp))
					if store {
						c = bytes.Compare(x.cmp, y.cmp)
					}
				}
			default:
				// Redis's collateStringObjects: strcoll, which sees a C
				// string (up to its first NUL); STORE compares binary.
				c = bytes.Compare(cstr(x.elem), cstr(y.elem))
				if store {
					c = bytes.Compare(x.elem, y.elem)
				}
			}
			if a.Desc {
				return -c
			}
			return c
		}
		sort.SliceStable(items, func(i, j int) bool { return cmp(&items[i], &items[j]) < 0 })
	}
	var out [][]byte
	for j := start; j <= end; j++ {
		if len(a.Get) == 0 {
			out = append(out, items[j].elem)
			continue
		}
		for _, g := range a.Get {
			v, ok := tx.lookupByPattern(g, items[j].elem)
			switch {
			case !ok:
				v = nil
			case v == nil:
				v = []byte{}
			}
			out = append(out, v)
		}
	}
	return out, nil
}

func b2c(b bool) int {
	if b {
		return 1
	}
	return 0
}

// cstr is b up to its first NUL, as strcoll sees it.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// Sort returns the elements of the list at key sorted (SORT without
// STORE), or with a.Get the values looked up for them (nil for a missing
// one). A missing key sorts as empty; other types give ErrWrongType.
func (tx *Tx) Sort(key string, a SortArgs) ([][]byte, error) {
	return tx.sortRun(key, a, false)
}

// Sort sorts the list at key (SORT / SORT_RO); see Tx.Sort. BY and GET
// read keys that are not known in advance; the transaction locks them as
// it meets them.
func (d *DB) Sort(key string, a SortArgs) (res [][]byte, err error) {
	err = d.do(false, func(tx *Tx) error { res, err = tx.Sort(key, a); return err }, key)
	return
}

// SortStore is SORT ... STORE dest: it stores the result as a list at
// dest (replacing any value; a missing GET value stores as "") and
// returns its length. An empty result deletes dest. The event is
// "sortstore".
func (tx *Tx) SortStore(key, dest string, a SortArgs) (int64, error) {
	tx.mustWrite()
	res, err := tx.sortRun(key, a, true)
	if err != nil {
		return 0, err
	}
	if len(res) == 0 {
		if tx.lookupW(dest) != nil {
			tx.del(dest, "del")
		}
		return 0, nil
	}
	tx.lookupW(dest) // an expired dest goes first, as an "expired" event
	e := &keyspace.Entry{Kind: keyspace.KindList, List: keyspace.NewList()}
	tx.put(dest, "sortstore", e)
	for _, v := range res {
		tx.lpush(dest, "sortstore", e, false, own(v))
	}
	return int64(len(res)), nil
}

// SortStore sorts the list at key into a list at dest (SORT ... STORE);
// see Tx.SortStore.
func (d *DB) SortStore(key, dest string, a SortArgs) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.SortStore(key, dest, a); return err }, key, dest)
	return
}

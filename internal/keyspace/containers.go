package keyspace

// Hash is a hash value. Like Redis, a small hash (at most
// HashMaxListpackEntries fields, none longer than HashMaxListpackValue
// bytes) is a flat slice in insertion order, which is the order Redis's
// listpack encoding replies in; a larger one becomes a persistent map
// (PMap) for good. Both are copied on write: a copy of a hash costs O(1),
// and the first write to a copy copies at most a small hash's slice or
// one path of the map. A Hash is guarded by its key's stripe lock.
type Hash struct {
	small  []HashField
	shared bool // small is shared with a copy: copy it before writing
	big    *PMap[[]byte]
}

// Redis's defaults for hash-max-listpack-entries and -value: the limits
// of the flat encoding.
const (
	HashMaxListpackEntries = 128
	HashMaxListpackValue   = 64
)

// HashField is one field of a hash and its value.
type HashField struct {
	Name  string
	Value []byte
}

// NewHash returns an empty hash. n is a size hint.
func NewHash(n int) *Hash {
	if n > 0 && n <= HashMaxListpackEntries {
		return &Hash{small: make([]HashField, 0, n)}
	}
	return &Hash{}
}

// Listpack reports whether h uses the flat encoding (OBJECT ENCODING
// listpack); otherwise it is a hashtable.
func (h *Hash) Listpack() bool { return h.big == nil }

// Len returns the number of fields.
func (h *Hash) Len() int {
	if h.big != nil {
		return h.big.Len()
	}
	return len(h.small)
}

func (h *Hash) find(f string) int {
	for i := range h.small {
		if h.small[i].Name == f {
			return i
		}
	}
	return -1
}

// Get returns the value of field f.
func (h *Hash) Get(f string) ([]byte, bool) {
	if h.big != nil {
		return h.big.Get(f)
	}
	if i := h.find(f); i >= 0 {
		return h.small[i].Value, true
	}
	return nil, false
}

func (h *Hash) unshare() {
	if h.shared {
		h.small = append(make([]HashField, 0, len(h.small)+1), h.small...)
		h.shared = false
	}
}

// Set sets field f to v and returns the previous value, if any.
func (h *Hash) Set(f string, v []byte) (old []byte, existed bool) {
	if h.big != nil {
		return h.big.Set(f, v)
	}
	i := h.find(f)
	if i < 0 && len(h.small) < HashMaxListpackEntries && len(f) <= HashMaxListpackValue && len(v) <= HashMaxListpackValue {
		h.unshare()
		h.small = append(h.small, HashField{Name: f, Value: v})
		return nil, false
	}
	if i >= 0 && len(v) <= HashMaxListpackValue {
		h.unshare()
		old = h.small[i].Value
		h.small[i].Value = v
		return old, true
	}
	// Past the flat encoding's limits: convert, as Redis does, for good.
	m := &PMap[[]byte]{}
	for _, x := range h.small {
		m.Set(x.Name, x.Value)
	}
	h.small, h.shared, h.big = nil, false, m
	return m.Set(f, v)
}

// WouldConvert reports whether setting field f to a value of vlen bytes
// would move h from the flat encoding to the map.
func (h *Hash) WouldConvert(f string, vlen int) bool {
	if h.big != nil {
		return false
	}
	if i := h.find(f); i >= 0 {
		return vlen > HashMaxListpackValue
	}
	return len(h.small) >= HashMaxListpackEntries || len(f) > HashMaxListpackValue || vlen > HashMaxListpackValue
}

// Flatten returns h to the flat encoding with the fields of flat (a copy
// taken by Clone before h converted): the undo of a conversion, which
// restores the order of the fields too.
func (h *Hash) Flatten(flat *Hash) {
	h.small, h.shared, h.big = flat.small, true, nil
}

// Index returns the position of field f in a flat hash's order, -1 if f
// is absent or h is not flat.
func (h *Hash) Index(f string) int {
	if h.big != nil {
		return -1
	}
	return h.find(f)
}

// Restore puts back field f, removed by Del at position i of a flat
// hash's order (from Index): the undo of a delete, which leaves every
// field in its old place. On a hash that is not flat it is Set.
func (h *Hash) Restore(f string, v []byte, i int) {
	if h.big != nil || i < 0 || i > len(h.small) {
		h.Set(f, v)
		return
	}
	h.unshare()
	h.small = insertAt(h.small, i, HashField{Name: f, Value: v})
}

// Del removes field f and returns its value, if it existed.
func (h *Hash) Del(f string) (old []byte, existed bool) {
	if h.big != nil {
		return h.big.Del(f)
	}
	i := h.find(f)
	if i < 0 {
		return nil, false
	}
	h.unshare()
	old = h.small[i].Value
	h.small = removeAt(h.small, i)
	return old, true
}

// At returns the field at index i (0 <= i < Len()) in the hash's order,
// in O(log n): for random picks and sampling.
func (h *Hash) At(i int) HashField {
	if h.big != nil {
		k, v := h.big.At(i)
		return HashField{Name: k, Value: v}
	}
	return h.small[i]
}

// All calls fn for every field, in the hash's order, until fn returns
// false.
func (h *Hash) All(fn func(f HashField) bool) {
	if h.big != nil {
		h.big.All(func(k string, v []byte) bool { return fn(HashField{Name: k, Value: v}) })
		return
	}
	for _, f := range h.small {
		if !fn(f) {
			return
		}
	}
}

// Scan visits fields from cursor on, at least max of them unless the hash
// ends first, and returns the cursor to resume from (0 when done). Cursor
// 0 starts at the beginning. A flat hash is visited whole in one call
// whatever the cursor, as Redis does with a listpack. A larger one is
// visited in hash order: a cursor is a position in it, fields that share
// a position are visited in one call, and a field present throughout a
// full scan is visited whatever else is inserted or deleted meanwhile.
func (h *Hash) Scan(cursor uint64, max int, fn func(f HashField)) uint64 {
	if h.big == nil {
		for _, f := range h.small {
			fn(f)
		}
		return 0
	}
	return scanPMap(h.big, cursor, max, func(k string, v []byte) { fn(HashField{Name: k, Value: v}) })
}

// scanPMap is Hash.Scan for any PMap: a cursor is a hash position plus
// one, so that 0 can mean "start" and "done".
func scanPMap[V any](m *PMap[V], cursor uint64, max int, fn func(k string, v V)) uint64 {
	from := uint64(0)
	if cursor > 0 {
		from = cursor - 1
	}
	if from >= PMapPositions {
		return 0
	}
	n, next := 0, uint64(0)
	last := uint64(0)
	m.Ascend(from, func(pos uint64, k string, v V) bool {
		if n >= max && pos != last {
			next = pos + 1
			return false
		}
		fn(k, v)
		last = pos
		n++
		return true
	})
	return next
}

// Clone returns a copy of h in O(1); the caller must hold h exclusively
// (both may be modified afterwards, independently).
func (h *Hash) Clone() *Hash {
	if h.big != nil {
		return &Hash{big: h.big.Clone()}
	}
	h.shared = true
	return &Hash{small: h.small, shared: true}
}

// CloneFrozen returns a copy of h, which must never be modified again.
func (h *Hash) CloneFrozen() *Hash {
	if h.big != nil {
		return &Hash{big: h.big.CloneFrozen()}
	}
	return &Hash{small: h.small, shared: true}
}

// List is a list value: a persistent sequence (PList), so push and pop at
// either end are O(1) plus O(log n) bookkeeping, indexing anywhere is
// O(log n), and a copy costs O(1). It is guarded by its key's stripe lock.
type List struct {
	s PList

	// Base is the durable position of element 0: on disk (package
	// potato's persistence) element i is the record at position Base+i.
	// The list operations here never change it; the persistence layer
	// sets it after each successful durable write, so an undone
	// transaction leaves it as it was.
	Base int64
}

// NewList returns an empty list.
func NewList() *List { return &List{} }

// Len returns the number of elements.
func (l *List) Len() int { return l.s.Len() }

// PushFront inserts v at the head.
func (l *List) PushFront(v []byte) { l.s.PushFront(v) }

// PushBack appends v at the tail.
func (l *List) PushBack(v []byte) { l.s.PushBack(v) }

// PopFront removes and returns the head. The list must not be empty.
func (l *List) PopFront() []byte { return l.s.PopFront() }

// PopBack removes and returns the tail. The list must not be empty.
func (l *List) PopBack() []byte { return l.s.PopBack() }

// Index returns element i (0 <= i < Len()).
func (l *List) Index(i int) []byte { return l.s.Index(i) }

// Range calls fn for elements lo..hi-1, in order, until fn returns false.
func (l *List) Range(lo, hi int, fn func(i int, v []byte) bool) { l.s.Range(lo, hi, fn) }

// Set replaces element i and returns the old one.
func (l *List) Set(i int, v []byte) []byte { return l.s.Set(i, v) }

// Insert inserts v so that it becomes element i (0 <= i <= Len()).
func (l *List) Insert(i int, v []byte) { l.s.Insert(i, v) }

// Remove removes element i and returns it.
func (l *List) Remove(i int) []byte { return l.s.Remove(i) }

// Clone returns a copy of l in O(1); the caller must hold l exclusively.
func (l *List) Clone() *List { return &List{s: l.s.Clone(), Base: l.Base} }

// CloneFrozen returns a copy of l, which must never be modified again.
func (l *List) CloneFrozen() *List { return &List{s: l.s.CloneFrozen(), Base: l.Base} }

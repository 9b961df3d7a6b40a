package keyspace

// Hash is a hash value: a map from field to value with a swap-delete slice
// of fields, so HSCAN can use the same downward cursor as SCAN. It is
// guarded by its key's stripe lock.
type Hash struct {
	idx    map[string]int32
	fields []HashField
}

// HashField is one field of a hash and its value.
type HashField struct {
	Name  string
	Value []byte
}

// NewHash returns an empty hash with room for n fields.
func NewHash(n int) *Hash {
	return &Hash{idx: make(map[string]int32, n), fields: make([]HashField, 0, n)}
}

// Len returns the number of fields.
func (h *Hash) Len() int { return len(h.fields) }

// Get returns the value of field f.
func (h *Hash) Get(f string) ([]byte, bool) {
	i, ok := h.idx[f]
	if !ok {
		return nil, false
	}
	return h.fields[i].Value, true
}

// Set sets field f to v and returns the previous value, if any.
func (h *Hash) Set(f string, v []byte) (old []byte, existed bool) {
	if i, ok := h.idx[f]; ok {
		old = h.fields[i].Value
		h.fields[i].Value = v
		return old, true
	}
	h.idx[f] = int32(len(h.fields))
	h.fields = append(h.fields, HashField{Name: f, Value: v})
	return nil, false
}

// Del removes field f and returns its value, if it existed.
func (h *Hash) Del(f string) (old []byte, existed bool) {
	i, ok := h.idx[f]
	if !ok {
		return nil, false
	}
	old = h.fields[i].Value
	last := len(h.fields) - 1
	if int(i) != last {
		h.fields[i] = h.fields[last]
		h.idx[h.fields[i].Name] = i
	}
	h.fields[last] = HashField{}
	h.fields = h.fields[:last]
	delete(h.idx, f)
	if cap(h.fields) > 64 && len(h.fields) < cap(h.fields)/4 {
		h.fields = append(make([]HashField, 0, cap(h.fields)/2), h.fields...)
	}
	return old, true
}

// Slot returns the slot of field f, and whether f exists.
func (h *Hash) Slot(f string) (int, bool) {
	i, ok := h.idx[f]
	return int(i), ok
}

// Restore undoes Del(f) of a field that was in slot i: the field Del moved
// into slot i goes back to the end and f takes slot i again. Undoing
// deletes newest first this way leaves every field in its old slot, so an
// undone transaction cannot make an HSCAN in progress skip a field.
func (h *Hash) Restore(f string, v []byte, i int) {
	if i >= len(h.fields) {
		h.idx[f] = int32(len(h.fields))
		h.fields = append(h.fields, HashField{Name: f, Value: v})
		return
	}
	moved := h.fields[i]
	h.idx[moved.Name] = int32(len(h.fields))
	h.fields = append(h.fields, moved)
	h.fields[i] = HashField{Name: f, Value: v}
	h.idx[f] = int32(i)
}

// At returns the field in slot i (0 <= i < Len()).
func (h *Hash) At(i int) HashField { return h.fields[i] }

// Scan visits fields from slot next-1 down, at most max of them, and
// returns the slot to resume from (0 when done). next == 0 starts at the
// end; see Keyspace.ScanShard for why downward.
func (h *Hash) Scan(next, max int, fn func(f HashField)) int {
	if next == 0 || next > len(h.fields) {
		next = len(h.fields)
	}
	for ; next > 0 && max > 0; max-- {
		next--
		fn(h.fields[next])
	}
	return next
}

// Clone returns a copy of h that shares the value byte slices (which are
// never modified in place).
func (h *Hash) Clone() *Hash {
	c := NewHash(len(h.fields))
	for _, f := range h.fields {
		c.Set(f.Name, f.Value)
	}
	return c
}

// List is a list value: a ring-buffer deque, so push and pop at either end
// are O(1) and indexing anywhere is O(1). It is guarded by its key's stripe
// lock.
type List struct {
	buf  [][]byte
	head int
	n    int

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
func (l *List) Len() int { return l.n }

func (l *List) grow() {
	c := len(l.buf) * 2
	if c < 8 {
		c = 8
	}
	l.resize(c)
}

func (l *List) resize(c int) {
	nb := make([][]byte, c)
	for i := 0; i < l.n; i++ {
		nb[i] = l.buf[(l.head+i)%len(l.buf)]
	}
	l.buf, l.head = nb, 0
}

func (l *List) shrink() {
	if len(l.buf) > 64 && l.n < len(l.buf)/4 {
		l.resize(len(l.buf) / 2)
	}
}

// PushFront inserts v at the head.
func (l *List) PushFront(v []byte) {
	if l.n == len(l.buf) {
		l.grow()
	}
	l.head = (l.head - 1 + len(l.buf)) % len(l.buf)
	l.buf[l.head] = v
	l.n++
}

// PushBack appends v at the tail.
func (l *List) PushBack(v []byte) {
	if l.n == len(l.buf) {
		l.grow()
	}
	l.buf[(l.head+l.n)%len(l.buf)] = v
	l.n++
}

// PopFront removes and returns the head. The list must not be empty.
func (l *List) PopFront() []byte {
	v := l.buf[l.head]
	l.buf[l.head] = nil
	l.head = (l.head + 1) % len(l.buf)
	l.n--
	l.shrink()
	return v
}

// PopBack removes and returns the tail. The list must not be empty.
func (l *List) PopBack() []byte {
	i := (l.head + l.n - 1) % len(l.buf)
	v := l.buf[i]
	l.buf[i] = nil
	l.n--
	l.shrink()
	return v
}

// Index returns element i (0 <= i < Len()).
func (l *List) Index(i int) []byte { return l.buf[(l.head+i)%len(l.buf)] }

// Set replaces element i and returns the old one.
func (l *List) Set(i int, v []byte) []byte {
	p := (l.head + i) % len(l.buf)
	old := l.buf[p]
	l.buf[p] = v
	return old
}

// Insert inserts v so that it becomes element i (0 <= i <= Len()),
// shifting the shorter side.
func (l *List) Insert(i int, v []byte) {
	if i == 0 {
		l.PushFront(v)
		return
	}
	if i == l.n {
		l.PushBack(v)
		return
	}
	if i < l.n/2 {
		l.PushFront(nil)
		for j := 0; j < i; j++ {
			l.Set(j, l.Index(j+1))
		}
	} else {
		l.PushBack(nil)
		for j := l.n - 1; j > i; j-- {
			l.Set(j, l.Index(j-1))
		}
	}
	l.Set(i, v)
}

// Remove removes element i and returns it, shifting the shorter side.
func (l *List) Remove(i int) []byte {
	v := l.Index(i)
	if i < l.n/2 {
		for j := i; j > 0; j-- {
			l.Set(j, l.Index(j-1))
		}
		l.PopFront()
	} else {
		for j := i; j < l.n-1; j++ {
			l.Set(j, l.Index(j+1))
		}
		l.PopBack()
	}
	return v
}

// Clone returns a copy of l sharing the element byte slices.
func (l *List) Clone() *List {
	c := &List{buf: make([][]byte, l.n), n: l.n, Base: l.Base}
	for i := 0; i < l.n; i++ {
		c.buf[i] = l.Index(i)
	}
	if c.n == 0 {
		c.buf = nil
	}
	return c
}

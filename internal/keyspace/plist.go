package keyspace

// This file holds PList, the persistent sequence under lists: a B-tree
// whose leaves are ring buffers of up to 64 elements and whose inner
// nodes count the elements below them. Push and pop at either end cost
// O(1) in a leaf plus O(log n) counts; indexing, insert and remove
// anywhere are O(log n). Nodes are shared between copies and copied on
// write, with the same owner tokens as PMap: cloning is O(1), and the
// first push onto a clone copies one root-to-leaf path.

const (
	plLeafMax = 64 // elements in a leaf (a power of two: rings are masked)
	plKidsMax = 32 // children of an inner node
)

type plNode struct {
	owner uint64
	size  int      // elements in the subtree
	head  int      // leaf: index of element 0 in ring
	ring  [][]byte // leaf: ring buffer, len(ring) a power of two
	kids  []*plNode
}

func (n *plNode) leaf() bool { return n.kids == nil }

// PList is a persistent sequence of byte slices. The zero value is empty
// and ready to use. Like PMap it is not safe for concurrent modification.
type PList struct {
	root  *plNode
	owner uint64
}

// Len returns the number of elements.
func (l *PList) Len() int {
	if l.root == nil {
		return 0
	}
	return l.root.size
}

func (l *PList) own() uint64 {
	if l.owner == 0 {
		l.owner = newOwner()
	}
	return l.owner
}

// Clone returns a copy of l in O(1); see PMap.Clone.
func (l *PList) Clone() PList {
	c := PList{root: l.root, owner: newOwner()}
	l.owner = newOwner()
	return c
}

// CloneFrozen returns a copy of l, which must never be modified again;
// see PMap.CloneFrozen.
func (l *PList) CloneFrozen() PList { return PList{root: l.root, owner: newOwner()} }

// Index returns element i (0 <= i < Len()).
func (l *PList) Index(i int) []byte {
	n := l.root
	for !n.leaf() {
		for _, k := range n.kids {
			if i < k.size {
				n = k
				break
			}
			i -= k.size
		}
	}
	return n.ring[(n.head+i)&(len(n.ring)-1)]
}

// Range calls fn for elements lo..hi-1 in order until fn returns false.
func (l *PList) Range(lo, hi int, fn func(i int, v []byte) bool) {
	if l.root == nil || lo >= hi {
		return
	}
	l.root.rangeFrom(0, lo, hi, fn)
}

func (n *plNode) rangeFrom(base, lo, hi int, fn func(int, []byte) bool) bool {
	if n.leaf() {
		mask := len(n.ring) - 1
		for i := max(lo-base, 0); i < n.size && base+i < hi; i++ {
			if !fn(base+i, n.ring[(n.head+i)&mask]) {
				return false
			}
		}
		return true
	}
	for _, k := range n.kids {
		if base+k.size > lo {
			if !k.rangeFrom(base, lo, hi, fn) {
				return false
			}
		}
		base += k.size
		if base >= hi {
			return true
		}
	}
	return true
}

// Set replaces element i and returns the old one.
func (l *PList) Set(i int, v []byte) []byte {
	var old []byte
	l.root, old = l.root.set(l.own(), i, v)
	return old
}

func (n *plNode) set(owner uint64, i int, v []byte) (*plNode, []byte) {
	n = n.mut(owner)
	if n.leaf() {
		p := (n.head + i) & (len(n.ring) - 1)
		old := n.ring[p]
		n.ring[p] = v
		return n, old
	}
	for j, k := range n.kids {
		if i < k.size {
			var old []byte
			n.kids[j], old = k.set(owner, i, v)
			return n, old
		}
		i -= k.size
	}
	panic("keyspace: list index out of range")
}

// Insert inserts v so that it becomes element i (0 <= i <= Len()).
func (l *PList) Insert(i int, v []byte) {
	owner := l.own()
	if l.root == nil {
		l.root = &plNode{owner: owner, ring: make([][]byte, 4)}
	}
	a, b := l.root.insert(owner, i, v)
	if b != nil {
		a = &plNode{owner: owner, size: a.size + b.size, kids: []*plNode{a, b}}
	}
	l.root = a
}

// PushFront inserts v at the head; PushBack appends it.
func (l *PList) PushFront(v []byte) { l.Insert(0, v) }

// PushBack appends v at the tail.
func (l *PList) PushBack(v []byte) { l.Insert(l.Len(), v) }

// Remove removes element i and returns it.
func (l *PList) Remove(i int) []byte {
	n, v := l.root.remove(l.own(), i)
	for !n.leaf() && len(n.kids) == 1 {
		n = n.kids[0]
	}
	switch {
	case n.size == 0:
		n = nil
	case n.leaf() && len(n.ring) > 8 && n.size < len(n.ring)/4 && n.owner == l.owner:
		// A list shrunk to one leaf gives back its ring. (Inner leaves
		// keep theirs: at an end they are being drained or refilled, and
		// mergeSmall compacts them elsewhere.)
		r := make([][]byte, len(n.ring)/2)
		n.copyTo(r)
		n.ring, n.head = r, 0
	}
	l.root = n
	return v
}

// PopFront removes and returns the head; the list must not be empty.
func (l *PList) PopFront() []byte { return l.Remove(0) }

// PopBack removes and returns the tail; the list must not be empty.
func (l *PList) PopBack() []byte { return l.Remove(l.Len() - 1) }

func (n *plNode) mut(owner uint64) *plNode {
	if n.owner == owner {
		return n
	}
	c := &plNode{owner: owner, size: n.size}
	if n.leaf() {
		c.ring = make([][]byte, ringCap(n.size+1))
		n.copyTo(c.ring)
	} else {
		c.kids = append(make([]*plNode, 0, len(n.kids)+1), n.kids...)
	}
	return c
}

func ringCap(n int) int {
	c := 4
	for c < n {
		c *= 2
	}
	return min(c, plLeafMax)
}

// copyTo copies the leaf's elements, in order, to dst.
func (n *plNode) copyTo(dst [][]byte) {
	mask := len(n.ring) - 1
	for i := 0; i < n.size; i++ {
		dst[i] = n.ring[(n.head+i)&mask]
	}
}

func (n *plNode) at(i int) []byte { return n.ring[(n.head+i)&(len(n.ring)-1)] }

func (n *plNode) put(i int, v []byte) { n.ring[(n.head+i)&(len(n.ring)-1)] = v }

// leafInsert inserts into an owned leaf with room.
func (n *plNode) leafInsert(i int, v []byte) {
	if n.size == len(n.ring) {
		r := make([][]byte, len(n.ring)*2)
		n.copyTo(r)
		n.ring, n.head = r, 0
	}
	mask := len(n.ring) - 1
	if i < n.size/2 {
		n.head = (n.head - 1) & mask
		for j := 0; j < i; j++ {
			n.put(j, n.at(j+1))
		}
	} else {
		for j := n.size; j > i; j-- {
			n.put(j, n.at(j-1))
		}
	}
	n.put(i, v)
	n.size++
}

// leafRemove removes from an owned leaf.
func (n *plNode) leafRemove(i int) []byte {
	v := n.at(i)
	if i < n.size/2 {
		for j := i; j > 0; j-- {
			n.put(j, n.at(j-1))
		}
		n.put(0, nil)
		n.head = (n.head + 1) & (len(n.ring) - 1)
	} else {
		for j := i; j < n.size-1; j++ {
			n.put(j, n.at(j+1))
		}
		n.put(n.size-1, nil)
	}
	n.size--
	return v
}

func newLeaf(owner uint64, elems [][]byte) *plNode {
	n := &plNode{owner: owner, size: len(elems), ring: make([][]byte, ringCap(len(elems)+1))}
	copy(n.ring, elems)
	return n
}

// newLeafCap returns a leaf of full capacity holding v: where a long list
// grows at one end, so the leaf fills without growing its ring step by
// step.
func newLeafCap(owner uint64, v []byte) *plNode {
	n := &plNode{owner: owner, size: 1, ring: make([][]byte, plLeafMax)}
	n.ring[0] = v
	return n
}

// insert inserts v at position i of n's subtree. When n overflows it
// returns two nodes that replace it, in order.
func (n *plNode) insert(owner uint64, i int, v []byte) (*plNode, *plNode) {
	n = n.mut(owner)
	if n.leaf() {
		if n.size < plLeafMax {
			n.leafInsert(i, v)
			return n, nil
		}
		// Full. At either end start a new leaf, so that pushes fill
		// leaves completely; in the middle split in halves.
		// The new leaf gets full capacity: pushes at this end go on.
		switch i {
		case n.size:
			return n, newLeafCap(owner, v)
		case 0:
			return newLeafCap(owner, v), n
		}
		elems := make([][]byte, n.size)
		n.copyTo(elems)
		h := n.size / 2
		a, b := newLeaf(owner, elems[:h]), newLeaf(owner, elems[h:])
		if i <= h {
			a.leafInsert(i, v)
		} else {
			b.leafInsert(i-h, v)
		}
		return a, b
	}
	j := 0
	for ; j < len(n.kids)-1 && i > n.kids[j].size; j++ {
		i -= n.kids[j].size
	}
	if i == n.kids[j].size && j+1 < len(n.kids) && i > 0 {
		// Between kids j and j+1: prefer the start of j+1 only when j
		// is full, so appends inside the tree fill leaves first.
		if n.kids[j].leaf() && n.kids[j].size == plLeafMax {
			j, i = j+1, 0
		}
	}
	a, b := n.kids[j].insert(owner, i, v)
	n.kids[j] = a
	if b != nil {
		n.kids = insertAt(n.kids, j+1, b)
	}
	n.size++
	if len(n.kids) <= plKidsMax {
		return n, nil
	}
	// Overflow: at an end split one child off, so that sequences of
	// pushes fill nodes; elsewhere split in halves.
	switch {
	case j+1 == len(n.kids)-1 && b != nil:
		last := n.kids[len(n.kids)-1]
		n.kids = n.kids[: len(n.kids)-1 : len(n.kids)-1]
		n.size -= last.size
		return n, &plNode{owner: owner, size: last.size, kids: []*plNode{last}}
	case j == 0:
		first := n.kids[0]
		n.kids = append([]*plNode(nil), n.kids[1:]...)
		n.size -= first.size
		return &plNode{owner: owner, size: first.size, kids: []*plNode{first}}, n
	}
	h := len(n.kids) / 2
	right := &plNode{owner: owner, kids: append([]*plNode(nil), n.kids[h:]...)}
	for _, k := range right.kids {
		right.size += k.size
	}
	clear(n.kids[h:])
	n.kids = n.kids[:h]
	n.size -= right.size
	return n, right
}

// remove removes element i of n's subtree; the result may be empty or,
// for an inner node, have a single child (the caller tidies both).
func (n *plNode) remove(owner uint64, i int) (*plNode, []byte) {
	n = n.mut(owner)
	if n.leaf() {
		return n, n.leafRemove(i)
	}
	j := 0
	for ; i >= n.kids[j].size; j++ {
		i -= n.kids[j].size
	}
	k, v := n.kids[j].remove(owner, i)
	n.size--
	for !k.leaf() && len(k.kids) == 1 {
		k = k.kids[0]
	}
	switch {
	case k.size == 0:
		n.kids = removeAt(n.kids, j)
	default:
		n.kids[j] = k
		n.mergeSmall(owner, j)
	}
	return n, v
}

// mergeSmall merges kid j with a neighbour when both fit in one node, so
// that removals cannot leave a tree of nearly empty nodes.
func (n *plNode) mergeSmall(owner uint64, j int) {
	k := n.kids[j]
	small := k.leaf() && k.size < plLeafMax/4 || !k.leaf() && len(k.kids) < plKidsMax/4
	if !small {
		return
	}
	for _, o := range []int{j - 1, j + 1} {
		if o < 0 || o >= len(n.kids) {
			continue
		}
		a, b := n.kids[min(j, o)], n.kids[max(j, o)]
		if a.leaf() != b.leaf() {
			continue
		}
		if a.leaf() && a.size+b.size <= plLeafMax {
			elems := make([][]byte, a.size+b.size)
			a.copyTo(elems)
			b.copyTo(elems[a.size:])
			n.kids[min(j, o)] = newLeaf(owner, elems)
			n.kids = removeAt(n.kids, max(j, o))
			return
		}
		if !a.leaf() && len(a.kids)+len(b.kids) <= plKidsMax {
			m := &plNode{owner: owner, size: a.size + b.size,
				kids: append(append(make([]*plNode, 0, len(a.kids)+len(b.kids)), a.kids...), b.kids...)}
			n.kids[min(j, o)] = m
			n.kids = removeAt(n.kids, max(j, o))
			return
		}
	}
}

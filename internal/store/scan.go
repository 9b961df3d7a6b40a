package store

import (
	"bytes"
	"encoding/binary"

	"github.com/cockroachdb/pebble/v2"
)

func appendUvarint(dst []byte, v uint64) []byte { return binary.AppendUvarint(dst, v) }

func uvarint(b []byte) (uint64, int) { return binary.Uvarint(b) }

// scanner checks a stream of data records in key order and passes them
// on: every key starts with its meta record; a tombstone or a string has
// no other record; a hash has field records (and deleted-field records
// when it is an overlay); a list has element records, contiguous unless it
// is an overlay, whose elements lie within its base and length.
type scanner struct {
	fn    func(*Record) error
	rec   Record
	cur   []byte // record-key prefix of the current key
	kind  Kind
	ovl   bool
	lo    int64 // overlay list: positions lo..hi-1
	hi    int64
	next  int64 // the current list's next position
	elems int   // elements seen for the current key
}

func (sc *scanner) add(k, v []byte) error {
	r := &sc.rec
	if err := decodeData(k, v, r); err != nil {
		return err
	}
	prefix := k[:len(k)-len(r.Field)-1]
	if r.Tag == tagElem {
		prefix = k[:len(k)-9]
	}
	if !bytes.Equal(prefix, sc.cur) {
		if r.Tag != tagMeta {
			return corrupt("record of key %q without its type record", r.Key)
		}
		sc.cur = append(sc.cur[:0], prefix...)
		sc.kind, sc.ovl, sc.elems = r.Kind, r.Overlay, 0
		sc.lo, sc.hi = r.Base, r.Base+r.Len
		return sc.fn(r)
	}
	if r.Tag == tagMeta {
		return corrupt("two type records for key %q", r.Key)
	}
	switch {
	case r.Tag == tagField && (sc.kind == KindHash || sc.kind == KindSet):
	case r.Tag == tagFieldDel && (sc.kind == KindHash || sc.kind == KindSet) && sc.ovl:
	case r.Tag == tagField && sc.kind == KindZSet && len(r.Value) == 8:
	case r.Tag == tagFieldDel && sc.kind == KindZSet && sc.ovl:
	case r.Tag == tagElem && sc.kind == KindList && sc.ovl:
		if r.Pos < sc.lo || r.Pos >= sc.hi {
			// An element left behind by pops of an overlay list: not
			// part of the list (the next write of the key drops it).
			return nil
		}
	case r.Tag == tagElem && sc.kind == KindList:
		if sc.elems > 0 && r.Pos != sc.next {
			return corrupt("list %q has a gap at position %d", r.Key, sc.next)
		}
		sc.next = r.Pos + 1
	default:
		return corrupt("element record of the wrong type under key %q", r.Key)
	}
	sc.elems++
	return sc.fn(r)
}

func spaceBounds(space uint64) *pebble.IterOptions {
	lo := appendSpacePrefix(nil, space)
	hi := append([]byte(nil), lo...)
	hi[len(hi)-1]++ // a uvarint's last byte is < 0x80: no carry
	return &pebble.IterOptions{LowerBound: lo, UpperBound: hi}
}

// scanSpace feeds every data record of space in r to fn, checked.
func scanSpace(r pebble.Reader, space uint64, fn func(*Record) error) error {
	it, err := r.NewIter(spaceBounds(space))
	if err != nil {
		return err
	}
	sc := &scanner{fn: fn}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return err
		}
		if err := sc.add(it.Key(), v); err != nil {
			_ = it.Close()
			return err
		}
	}
	if err := it.Close(); err != nil {
		if pebble.IsCorruptionError(err) {
			return corrupt("%v", err)
		}
		return err
	}
	return nil
}

// Reader reads the branch layout and the spaces of a data directory: the
// live store, or a snapshot opened with OpenSnapshot.
type Reader struct {
	r      pebble.Reader
	close  func() error
	layout *Layout // set for a snapshot of an older format
}

// Layout is a data directory's table of branches and spaces.
type Layout struct {
	Branches []BranchRecord
	// Spaces maps each space to its parent; HasParent false marks a
	// bottom layer.
	Spaces map[uint64]SpaceRecord
}

// SpaceRecord is one space's entry in the layout.
type SpaceRecord struct {
	Parent    uint64
	HasParent bool
}

// Layout reads the branch and space tables.
func (rd *Reader) Layout() (Layout, error) {
	if rd.layout != nil {
		return *rd.layout, nil
	}
	return readLayout(rd.r)
}

// ScanSpace calls fn for every record of space, in key order, each key's
// meta record first. The Record and its slices are valid only during the
// call.
func (rd *Reader) ScanSpace(space uint64, fn func(*Record) error) error {
	return scanSpace(rd.r, space, fn)
}

// KeyCountHint returns the number of keys space held when the store was
// last closed cleanly (0 if unknown): restart presizes maps with it.
func (rd *Reader) KeyCountHint(space uint64) int {
	v, cl, err := rd.r.Get(keyCountHint(space))
	if err != nil {
		return 0
	}
	defer cl.Close()
	n, w := uvarint(v)
	if w <= 0 || n >= 1<<40 {
		return 0
	}
	return int(n)
}

// Close releases a snapshot's Reader (a no-op for the live store's).
func (rd *Reader) Close() error {
	if rd.close == nil {
		return nil
	}
	return rd.close()
}

// Reader returns a Reader of the live data.
func (s *Store) Reader() *Reader {
	s.dbMu.RLock() // recovery (recover.go) may be swapping the Pebble
	defer s.dbMu.RUnlock()
	return &Reader{r: s.db}
}

func readLayout(r pebble.Reader) (Layout, error) {
	l := Layout{Spaces: map[uint64]SpaceRecord{}}
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixGlobal, 'b'}, UpperBound: []byte{prefixGlobal, 'b' + 1}})
	if err != nil {
		return l, err
	}
	for ok := it.First(); ok; ok = it.Next() {
		name := string(it.Key()[2:])
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return l, err
		}
		b, err := decodeBranch(name, v)
		if err != nil {
			_ = it.Close()
			return l, err
		}
		l.Branches = append(l.Branches, b)
	}
	if err := it.Close(); err != nil {
		return l, err
	}
	it, err = r.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixGlobal, 's'}, UpperBound: []byte{prefixGlobal, 's' + 1}})
	if err != nil {
		return l, err
	}
	for ok := it.First(); ok; ok = it.Next() {
		id, w := uvarint(it.Key()[2:])
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return l, err
		}
		p, w2 := uvarint(v)
		if w <= 0 || 2+w != len(it.Key()) || w2 <= 0 || w2 != len(v) {
			_ = it.Close()
			return l, corrupt("bad space record %q", it.Key())
		}
		sr := SpaceRecord{}
		if p > 0 {
			sr = SpaceRecord{Parent: p - 1, HasParent: true}
		}
		l.Spaces[id] = sr
	}
	if err := it.Close(); err != nil {
		return l, err
	}
	return l, l.check()
}

// check verifies that every branch's tops and every parent are known
// spaces and that no chain loops.
func (l *Layout) check() error {
	hasMain := false
	for _, b := range l.Branches {
		hasMain = hasMain || b.Name == "main"
		for db, t := range b.Tops {
			if _, ok := l.Spaces[t]; !ok {
				return corrupt("branch %q db %d is in unknown space %d", b.Name, db, t)
			}
		}
	}
	if !hasMain {
		return corrupt("no main branch")
	}
	for id := range l.Spaces {
		seen := 0
		for cur := id; ; seen++ {
			sr := l.Spaces[cur]
			if !sr.HasParent {
				break
			}
			if _, ok := l.Spaces[sr.Parent]; !ok {
				return corrupt("space %d has unknown parent %d", cur, sr.Parent)
			}
			if seen > len(l.Spaces) {
				return corrupt("space %d is in a loop of parents", id)
			}
			cur = sr.Parent
		}
	}
	return nil
}

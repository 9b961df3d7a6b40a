package store

import (
	"bytes"
	"encoding/binary"

	"github.com/cockroachdb/pebble/v2"
)

func appendUvarint(dst []byte, v uint64) []byte { return binary.AppendUvarint(dst, v) }

func uvarint(b []byte) (uint64, int) { return binary.Uvarint(b) }

// scanner checks a stream of data records in key order and passes those
// of live keys on, with logical database numbers: every key starts with
// its meta record, hash keys have only field records, list keys only
// contiguous element records. Keys whose deadline is at or before now
// are reported to expired instead.
type scanner struct {
	inv     [NumDBs]int // physical -> logical
	now     int64
	fn      func(*Record) error
	expired func(pdb int, key []byte)
	rec     Record
	cur     []byte // record-key prefix of the current key
	skip    bool   // the current key expired
	kind    Kind
	next    int64 // the current list's next position
	elems   int   // elements seen for the current key
}

func newScanner(dbmap [NumDBs]int, now int64, fn func(*Record) error, expired func(int, []byte)) *scanner {
	sc := &scanner{now: now, fn: fn, expired: expired}
	for l, p := range dbmap {
		sc.inv[p] = l
	}
	return sc
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
	pdb := r.DB
	r.DB = sc.inv[pdb]
	if !bytes.Equal(prefix, sc.cur) {
		if r.Tag != tagMeta {
			return corrupt("record of key %q without its type record", r.Key)
		}
		sc.cur = append(sc.cur[:0], prefix...)
		sc.kind, sc.elems = r.Kind, 0
		sc.skip = r.Deadline != 0 && r.Deadline <= sc.now
		if sc.skip {
			if sc.expired != nil {
				sc.expired(pdb, r.Key)
			}
			return nil
		}
		return sc.fn(r)
	}
	if r.Tag == tagMeta {
		return corrupt("two type records for key %q", r.Key)
	}
	switch {
	case r.Tag == tagField && sc.kind == KindHash:
	case r.Tag == tagElem && sc.kind == KindList:
		if sc.elems > 0 && r.Pos != sc.next {
			return corrupt("list %q has a gap at position %d", r.Key, sc.next)
		}
		sc.next = r.Pos + 1
	default:
		return corrupt("element record of the wrong type under key %q", r.Key)
	}
	sc.elems++
	if sc.skip {
		return nil
	}
	return sc.fn(r)
}

// dataBounds are the iterator bounds of all data records.
var dataBounds = pebble.IterOptions{LowerBound: []byte{prefixData}, UpperBound: []byte{prefixData + 1}}

// scanReader feeds every data record of r to sc.
func scanReader(r pebble.Reader, sc *scanner) error {
	it, err := r.NewIter(&dataBounds)
	if err != nil {
		return err
	}
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
	return it.Close()
}

// Load calls fn for every record of every live key, one key after the
// other with its meta record first, in physical order. Keys whose
// deadline is at or before now are skipped and deleted. The Record and
// its slices are valid only during the call.
func (s *Store) Load(now int64, fn func(*Record) error) error {
	b := s.NewBatch()
	expired := 0
	var cerr error
	sc := newScanner(s.dbmap, now, fn, func(pdb int, key []byte) {
		b.DelKey(pdb, string(key))
		expired++
		if b.Count() >= 4096 && cerr == nil {
			cerr = s.Commit(b)
			b = s.NewBatch()
		}
	})
	err := scanReader(s.db, sc)
	if err != nil {
		b.close()
		if pebble.IsCorruptionError(err) {
			return corrupt("%v", err)
		}
		return err
	}
	if err := s.Commit(b); err != nil && cerr == nil {
		cerr = err
	}
	if expired > 0 {
		s.log.Info("removed keys that expired while the server was down", "keys", expired)
	}
	return cerr
}

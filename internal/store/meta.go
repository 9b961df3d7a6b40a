package store

import (
	"encoding/binary"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Meta records are small named records beside the data, for state of the
// store that is not keys (function libraries, ...). They live under their
// own prefix, grouped by namespace:
//
//	0x02 <uvarint n> <namespace[n]> <name>  -> value
//
// so that a namespace is one contiguous range: replacing all of it is
// one range deletion. The restart scan of data records never meets them,
// and a checkpoint (SNAPSHOT CREATE, SAVE) holds them like everything
// else.
const prefixMeta = 0x02

// MaxMetaNamespace bounds the length of a meta namespace.
const MaxMetaNamespace = 255

// MetaRecord is one named meta record.
type MetaRecord struct {
	Name  string
	Value []byte
}

func appendMetaNS(dst []byte, ns string) []byte {
	dst = append(dst, prefixMeta)
	dst = binary.AppendUvarint(dst, uint64(len(ns)))
	return append(dst, ns...)
}

// metaBounds returns the key range of namespace ns: its prefix, and the
// prefix with its last byte incremented as the exclusive upper bound (the
// length prefix keeps other namespaces out of the range).
func metaBounds(ns string) (lo, hi []byte) {
	lo = appendMetaNS(nil, ns)
	hi = append([]byte(nil), lo...)
	for i := len(hi) - 1; i >= 0; i-- {
		if hi[i] != 0xff {
			hi[i]++
			return lo, hi[:i+1]
		}
	}
	return lo, []byte{prefixMeta + 1}
}

func checkNS(ns string) error {
	if ns == "" || len(ns) > MaxMetaNamespace {
		return fmt.Errorf("store: meta namespace length %d out of range 1..%d", len(ns), MaxMetaNamespace)
	}
	return nil
}

// MetaRecords returns the records of namespace ns, sorted by name. The
// returned slices are the caller's.
func (s *Store) MetaRecords(ns string) ([]MetaRecord, error) {
	if err := checkNS(ns); err != nil {
		return nil, err
	}
	lo, hi := metaBounds(ns)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, err
	}
	var out []MetaRecord
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return nil, err
		}
		out = append(out, MetaRecord{Name: string(k[len(lo):]), Value: append([]byte(nil), v...)})
	}
	return out, it.Close()
}

// WriteMeta changes namespace ns in one atomic, synced batch: with
// replace, every record of ns is deleted first; then the names in del are
// deleted and the records in put written. It syncs the WAL whatever the
// fsync policy (meta records change rarely and must survive a crash
// right after the command that changed them).
func (s *Store) WriteMeta(ns string, replace bool, put []MetaRecord, del []string) error {
	if err := checkNS(ns); err != nil {
		return err
	}
	b := s.NewBatch()
	lo, hi := metaBounds(ns)
	if replace {
		_ = b.b.DeleteRange(lo, hi, nil)
	}
	key := func(name string) []byte { return append(append([]byte(nil), lo...), name...) }
	for _, name := range del {
		_ = b.b.Delete(key(name), nil)
	}
	for _, r := range put {
		_ = b.b.Set(key(r.Name), r.Value, nil)
	}
	if err := s.Commit(b); err != nil {
		return err
	}
	return s.SyncWAL()
}

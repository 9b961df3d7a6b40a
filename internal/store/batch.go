package store

import (
	"encoding/binary"

	"github.com/cockroachdb/pebble/v2"
)

// Batch collects the record changes of one transaction; Store.Commit
// writes them atomically. A Batch is used by one goroutine. pdb arguments
// are physical database numbers (see encoding.go).
type Batch struct {
	b   *pebble.Batch
	db  *pebble.DB // the Pebble it was made for (Commit moves it after a recovery)
	buf []byte     // scratch for keys
	end []byte     // scratch for range ends
}

// NewBatch returns an empty batch.
func (s *Store) NewBatch() *Batch {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	return &Batch{b: s.db.NewBatch(), db: s.db}
}

func (b *Batch) close() { _ = b.b.Close() }

// Discard releases a batch that will not be committed.
func (b *Batch) Discard() { b.close() }

// Empty reports whether the batch holds no change.
func (b *Batch) Empty() bool { return b.b.Empty() }

// Count returns the number of record changes in the batch.
func (b *Batch) Count() uint32 { return b.b.Count() }

// PutString stores a string key (its whole record).
func (b *Batch) PutString(pdb int, key string, deadline int64, v []byte) {
	b.buf = appendMetaKey(b.buf[:0], pdb, key)
	var hdr [1 + binary.MaxVarintLen64]byte
	h := appendMeta(hdr[:0], KindString, deadline)
	op := b.b.SetDeferred(len(b.buf), len(h)+len(v))
	copy(op.Key, b.buf)
	copy(op.Value, h)
	copy(op.Value[len(h):], v)
	_ = op.Finish()
}

// PutMeta stores the type and deadline of a container key.
func (b *Batch) PutMeta(pdb int, key string, k Kind, deadline int64) {
	b.buf = appendMetaKey(b.buf[:0], pdb, key)
	var hdr [1 + binary.MaxVarintLen64]byte
	_ = b.b.Set(b.buf, appendMeta(hdr[:0], k, deadline), nil)
}

// PutField stores one hash field.
func (b *Batch) PutField(pdb int, key, field string, v []byte) {
	b.buf = appendFieldKey(b.buf[:0], pdb, key, field)
	_ = b.b.Set(b.buf, v, nil)
}

// DelField removes one hash field.
func (b *Batch) DelField(pdb int, key, field string) {
	b.buf = appendFieldKey(b.buf[:0], pdb, key, field)
	_ = b.b.Delete(b.buf, nil)
}

// PutElem stores the list element at position pos.
func (b *Batch) PutElem(pdb int, key string, pos int64, v []byte) {
	b.buf = appendElemKey(b.buf[:0], pdb, key, pos)
	_ = b.b.Set(b.buf, v, nil)
}

// DelElem removes the list element at position pos.
func (b *Batch) DelElem(pdb int, key string, pos int64) {
	b.buf = appendElemKey(b.buf[:0], pdb, key, pos)
	_ = b.b.Delete(b.buf, nil)
}

// DelElems removes the list elements at positions lo..hi-1 with one range
// deletion.
func (b *Batch) DelElems(pdb int, key string, lo, hi int64) {
	b.buf = appendElemKey(b.buf[:0], pdb, key, lo)
	b.end = appendElemKey(b.end[:0], pdb, key, hi)
	_ = b.b.DeleteRange(b.buf, b.end, nil)
}

// DelString removes a string key (its one record).
func (b *Batch) DelString(pdb int, key string) {
	b.buf = appendMetaKey(b.buf[:0], pdb, key)
	_ = b.b.Delete(b.buf, nil)
}

// DelKey removes every record of key with one range deletion: O(1)
// whatever the size of the value.
func (b *Batch) DelKey(pdb int, key string) {
	b.buf = append(appendKeyPrefix(b.buf[:0], pdb, key), tagMeta)
	b.end = append(appendKeyPrefix(b.end[:0], pdb, key), tagEnd)
	_ = b.b.DeleteRange(b.buf, b.end, nil)
}

// FlushDB removes every record of physical database pdb.
func (b *Batch) FlushDB(pdb int) {
	_ = b.b.DeleteRange([]byte{prefixData, byte(pdb)}, []byte{prefixData, byte(pdb) + 1}, nil)
}

// SetDBMap maps logical database ldb to physical database pdb.
func (b *Batch) SetDBMap(ldb, pdb int) {
	_ = b.b.Set(keyDBMap(ldb), []byte{byte(pdb)}, nil)
}

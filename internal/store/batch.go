package store

import (
	"encoding/binary"

	"github.com/cockroachdb/pebble/v2"
)

// Batch collects the record changes of one transaction; Store.Commit
// writes them atomically. A Batch is used by one goroutine. space
// arguments name the layer the records belong to (see encoding.go).
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
func (b *Batch) PutString(space uint64, key string, deadline int64, v []byte) {
	b.putValue(space, key, KindString, deadline, v)
}

// putValue writes a meta record that carries the value (strings, JSON).
func (b *Batch) putValue(space uint64, key string, k Kind, deadline int64, v []byte) {
	b.buf = appendMetaKey(b.buf[:0], space, key)
	var hdr [1 + binary.MaxVarintLen64]byte
	h := appendMeta(hdr[:0], k, deadline)
	op := b.b.SetDeferred(len(b.buf), len(h)+len(v))
	copy(op.Key, b.buf)
	copy(op.Value, h)
	copy(op.Value[len(h):], v)
	_ = op.Finish()
}

// PutJSON stores a JSON document key (its whole record, like a string).
func (b *Batch) PutJSON(space uint64, key string, deadline int64, v []byte) {
	b.putValue(space, key, KindJSON, deadline, v)
}

// PutMeta stores the type and deadline of a container key.
func (b *Batch) PutMeta(space uint64, key string, k Kind, deadline int64) {
	b.buf = appendMetaKey(b.buf[:0], space, key)
	var hdr [1 + binary.MaxVarintLen64]byte
	_ = b.b.Set(b.buf, appendMeta(hdr[:0], k, deadline), nil)
}

// PutOverlayMeta stores the meta of a hash whose records in space are
// changes over the parent space's hash.
func (b *Batch) PutOverlayMeta(space uint64, key string, deadline int64) {
	b.buf = appendMetaKey(b.buf[:0], space, key)
	var hdr [1 + binary.MaxVarintLen64]byte
	_ = b.b.Set(b.buf, appendMeta(hdr[:0], KindHash|overlayFlag, deadline), nil)
}

// PutOverlaySetMeta stores the meta of a set whose records in space are
// changes over the parent space's set (members added as field records,
// members removed as deleted-field records).
func (b *Batch) PutOverlaySetMeta(space uint64, key string, deadline int64) {
	b.buf = appendMetaKey(b.buf[:0], space, key)
	var hdr [1 + binary.MaxVarintLen64]byte
	_ = b.b.Set(b.buf, appendMeta(hdr[:0], KindSet|overlayFlag, deadline), nil)
}

// PutOverlayMetaKind is PutOverlayMeta for a container of kind k stored
// field by field (a hash or a sorted set).
func (b *Batch) PutOverlayMetaKind(space uint64, key string, k Kind, deadline int64) {
	b.buf = appendMetaKey(b.buf[:0], space, key)
	var hdr [1 + binary.MaxVarintLen64]byte
	_ = b.b.Set(b.buf, appendMeta(hdr[:0], k|overlayFlag, deadline), nil)
}

// PutOverlayListMeta stores the meta of a list whose elements in space
// are changes over the parent space's: element i is at position base+i,
// for i < n, read from the parent where space has no record.
func (b *Batch) PutOverlayListMeta(space uint64, key string, deadline, base int64, n int) {
	b.buf = appendMetaKey(b.buf[:0], space, key)
	var v [1 + 3*binary.MaxVarintLen64]byte
	m := appendMeta(v[:0], KindList|overlayFlag, deadline)
	m = binary.AppendVarint(m, base)
	m = binary.AppendUvarint(m, uint64(n))
	_ = b.b.Set(b.buf, m, nil)
}

// PutTombstone records key as deleted in space over its parent: its
// records in space are removed and a tombstone meta stands in their place.
func (b *Batch) PutTombstone(space uint64, key string) {
	b.DelKey(space, key)
	b.PutMeta(space, key, KindTombstone, 0)
}

// PutField stores one hash field.
func (b *Batch) PutField(space uint64, key, field string, v []byte) {
	b.buf = appendFieldKey(b.buf[:0], space, key, field)
	_ = b.b.Set(b.buf, v, nil)
}

// PutOverlayField stores one field of an overlay hash, over a
// deleted-field record the field may have had.
func (b *Batch) PutOverlayField(space uint64, key, field string, v []byte) {
	b.buf = appendFieldDelKey(b.buf[:0], space, key, field)
	_ = b.b.Delete(b.buf, nil)
	b.PutField(space, key, field, v)
}

// DelField removes one hash field.
func (b *Batch) DelField(space uint64, key, field string) {
	b.buf = appendFieldKey(b.buf[:0], space, key, field)
	_ = b.b.Delete(b.buf, nil)
}

// PutFieldDel records field as deleted in space over the parent's hash
// (an overlay): the field's record goes and a deleted-field record stands.
func (b *Batch) PutFieldDel(space uint64, key, field string) {
	b.DelField(space, key, field)
	b.buf = appendFieldDelKey(b.buf[:0], space, key, field)
	_ = b.b.Set(b.buf, nil, nil)
}

// PutElem stores the list element at position pos.
func (b *Batch) PutElem(space uint64, key string, pos int64, v []byte) {
	b.buf = appendElemKey(b.buf[:0], space, key, pos)
	_ = b.b.Set(b.buf, v, nil)
}

// DelElem removes the list element at position pos.
func (b *Batch) DelElem(space uint64, key string, pos int64) {
	b.buf = appendElemKey(b.buf[:0], space, key, pos)
	_ = b.b.Delete(b.buf, nil)
}

// DelElems removes the list elements at positions lo..hi-1 with one range
// deletion.
func (b *Batch) DelElems(space uint64, key string, lo, hi int64) {
	b.buf = appendElemKey(b.buf[:0], space, key, lo)
	b.end = appendElemKey(b.end[:0], space, key, hi)
	_ = b.b.DeleteRange(b.buf, b.end, nil)
}

// DelString removes a string key (its one record).
func (b *Batch) DelString(space uint64, key string) {
	b.buf = appendMetaKey(b.buf[:0], space, key)
	_ = b.b.Delete(b.buf, nil)
}

// DelKey removes every record of key in space with one range deletion:
// O(1) whatever the size of the value.
func (b *Batch) DelKey(space uint64, key string) {
	b.buf = append(appendKeyPrefix(b.buf[:0], space, key), tagMeta)
	b.end = append(appendKeyPrefix(b.end[:0], space, key), tagEnd)
	_ = b.b.DeleteRange(b.buf, b.end, nil)
}

// DelSpace removes every data record of space with one range deletion.
func (b *Batch) DelSpace(space uint64) {
	b.buf = appendSpacePrefix(b.buf[:0], space)
	b.end = append(b.end[:0], b.buf...)
	b.end[len(b.end)-1]++ // a uvarint's last byte is < 0x80: no carry
	_ = b.b.DeleteRange(b.buf, b.end, nil)
	_ = b.b.Delete(keyCountHint(space), nil)
}

// PutSpace records space and its parent (hasParent false: a bottom
// layer).
func (b *Batch) PutSpace(space, parent uint64, hasParent bool) {
	p := uint64(0)
	if hasParent {
		p = parent + 1
	}
	_ = b.b.Set(keySpace(space), binary.AppendUvarint(nil, p), nil)
}

// DropSpace removes space's record and every data record of it.
func (b *Batch) DropSpace(space uint64) {
	b.DelSpace(space)
	_ = b.b.Delete(keySpace(space), nil)
}

// PutBranch stores a branch record.
func (b *Batch) PutBranch(r *BranchRecord) {
	_ = b.b.Set(keyBranch(r.Name), r.encode(), nil)
}

// DelBranch removes a branch record.
func (b *Batch) DelBranch(name string) {
	_ = b.b.Delete(keyBranch(name), nil)
}

// SetKeyCountHint records the number of keys space held at a clean close.
func (b *Batch) SetKeyCountHint(space uint64, n int) {
	_ = b.b.Set(keyCountHint(space), binary.AppendUvarint(nil, uint64(n)), nil)
}

package potato

import (
	"rustypotato/internal/keyspace"
	"rustypotato/internal/store"
)

// Sorted sets on disk are stored like hashes (internal/store/encoding.go):
// a meta record of kind store.KindZSet, one field record per member
// whose value is its score (zscoreBytes), and, in an overlay over a
// parent space's set, deleted-member records. ZADD on a big set writes
// one small record.

// writeZSet writes e's sorted set whole as key's value in space sp.
func writeZSet(b *store.Batch, sp uint64, key string, e *keyspace.Entry) {
	b.PutMeta(sp, key, store.KindZSet, e.ExpireAt)
	e.ZSet.All(func(m keyspace.ZMember) bool {
		b.PutField(sp, key, m.Member, zscoreBytes(m.Score))
		return true
	})
}

// zsetEdit translates one EditZSet or EditZDel: a member record written
// or deleted, or, on a set copied up from a parent layer, the overlay's
// member or deleted-member record (and its meta, once per batch).
func (t *translator) zsetEdit(at loc, sp uint64, ed *Edit) {
	b := t.b
	if _, ok := t.mat[at]; ok {
		return // written whole in this batch
	}
	e := t.entryAt(at)
	if !t.overlay(at, e) {
		if ed.Kind == EditZSet {
			b.PutField(sp, at.key, ed.Field, ed.After)
		} else {
			b.DelField(sp, at.key, ed.Field)
		}
		return
	}
	if _, ok := t.meta[at]; !ok {
		t.meta[at] = struct{}{}
		b.PutOverlayMetaKind(sp, at.key, store.KindZSet, e.ExpireAt)
	}
	if ed.Kind == EditZSet {
		b.PutOverlayField(sp, at.key, ed.Field, ed.After)
	} else {
		b.PutFieldDel(sp, at.key, ed.Field)
	}
}

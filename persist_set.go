package potato

import (
	"rustypotato/internal/keyspace"
	"rustypotato/internal/store"
)

// Sets on disk are stored like hashes whose fields are the members, with
// empty values (internal/store/encoding.go): one record per member, so
// SADD to a big set writes one small record, and a set copied up on a
// branch is an overlay of the members added and removed over the
// parent's. Loading re-encodes each set (intset or hashtable) by the
// default set-max-intset-entries, as Redis's RDB load re-encodes by its
// configured limit.

// loadMaxIntset is the intset limit sets are loaded with.
const loadMaxIntset = keyspace.SetMaxIntsetEntries

// putSetWhole writes set s whole as key's value in space sp.
func putSetWhole(b *store.Batch, sp uint64, key string, deadline int64, s *keyspace.Set) {
	b.PutMeta(sp, key, store.KindSet, deadline)
	s.All(func(m string) bool {
		b.PutField(sp, key, m, nil)
		return true
	})
}

// setEdit translates a set Edit of the key at at into records: a member
// record added or removed, or, for a set copied up from the parent
// layer, an overlay record (a member set, or deleted over the parent's).
func (t *translator) setEdit(at loc, sp uint64, ed *Edit) {
	if ed.Kind == EditSConvert {
		return // the encoding is not stored
	}
	if _, ok := t.mat[at]; ok {
		return // written whole by this batch
	}
	b := t.b
	e := t.entryAt(at)
	if !t.overlay(at, e) {
		if ed.Kind == EditSAdd {
			b.PutField(sp, at.key, ed.Field, nil)
		} else {
			b.DelField(sp, at.key, ed.Field)
		}
		return
	}
	if _, ok := t.meta[at]; !ok {
		t.meta[at] = struct{}{}
		b.PutOverlaySetMeta(sp, at.key, e.ExpireAt)
	}
	if ed.Kind == EditSAdd {
		b.PutOverlayField(sp, at.key, ed.Field, nil)
	} else {
		b.PutFieldDel(sp, at.key, ed.Field)
	}
}

// setRecords passes the members of s, key's set in an export, as field
// records to put; r holds the key's meta record, already passed.
func setRecords(r *store.Record, db int, s *keyspace.Set, put func(*store.Record) error) error {
	r.Kind = store.KindSet
	if err := put(r); err != nil {
		return err
	}
	key := r.Key
	var err error
	s.All(func(m string) bool {
		*r = store.Record{Space: uint64(db), DB: db, Key: key, Tag: store.TagField, Field: []byte(m), Value: []byte{}}
		err = put(r)
		return err == nil
	})
	return err
}

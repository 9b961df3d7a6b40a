package store

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// FormatVersion is the version of the key/value encoding below. It is
// stored under keyFormat when a directory is created; Open refuses a
// directory whose version is newer (written by a later release) and
// migrates older ones (version 1 had no branches: see migrateV1).
const FormatVersion = 2

// NumDBs is the number of numbered databases (SELECT 0..15).
const NumDBs = 16

// The encoding, all binary-safe (keys and fields may hold any bytes):
//
//	0x00 'v'                    -> uvarint FormatVersion
//	0x00 'b' <name>             -> branch record (see BranchRecord)
//	0x00 's' <uvarint space>    -> space record: uvarint parent+1 (0: none)
//	0x00 'n' <uvarint space>    -> uvarint key count at the last clean close (a hint)
//	0x00 'd' <logical db>       -> <physical db> (version 1 only)
//	0x01 <uvarint space> <uvarint n> <key[n]> 0x00           -> meta: <kind> <uvarint deadline> [string value | overlay list: <varint base> <uvarint len>]
//	0x01 <uvarint space> <uvarint n> <key[n]> 0x01 <field>   -> hash field value
//	0x01 <uvarint space> <uvarint n> <key[n]> 0x02 <pos:8>   -> list element value
//	0x01 <uvarint space> <uvarint n> <key[n]> 0x03 <field>   -> hash field deleted over the parent space (empty value)
//
// A set (KindSet) is stored like a hash whose fields are its members,
// with empty values: a member is a 0x01 record, a member removed over
// the parent space's set a 0x03 record.
//
// A sorted set (KindZSet) is stored like a hash: one 0x01 record per
// member holding its score (8 bytes: IEEE 754 bits, big-endian), and in
// an overlay 0x03 records for members deleted over the parent's set.
//
// A space holds one layer of one database of the branches (package
// keyspace): a branch's databases are chains of spaces, the top one
// written, the others frozen and shared with other branches. A space's
// records are one contiguous range (uvarints are prefix-free), so a
// FLUSHDB or the deletion of a branch's layer is one range deletion. In
// version 1 the physical databases 0..15 had the same record keys as
// spaces 0..15 have now.
//
// Within a space the key is length-prefixed, so one key's records are a
// contiguous range that no other key's records fall into: DEL of a
// container is one range deletion. The meta record (tag 0x00) sorts first,
// so a scan meets a key's type and deadline before its elements. A
// string's value is in its meta record (one record per SET), and so is a
// JSON document's. List
// positions are int64 with the sign bit flipped, big-endian, so they sort
// numerically; a list's elements occupy contiguous positions
// head..head+n-1.
//
// In a space with a parent, a key deleted over the parent is a tombstone
// meta (kind 0), and a container copied up from the parent and changed
// element by element is an overlay (kind | 0x80): its records are only the
// changes (fields set, fields deleted as 0x03 records; list elements
// written, with the list's base and length in the meta), the rest is read
// through from the parent space.
const (
	prefixGlobal = 0x00
	prefixData   = 0x01

	tagMeta     = 0x00
	tagField    = 0x01
	tagElem     = 0x02
	tagFieldDel = 0x03
	tagEnd      = 0x04 // exclusive upper bound of a key's records

	overlayFlag = 0x80
)

var (
	keyFormat = []byte{prefixGlobal, 'v'}
)

func keyDBMap(ldb int) []byte { return []byte{prefixGlobal, 'd', byte(ldb)} }

func keyCountHint(space uint64) []byte {
	return binary.AppendUvarint([]byte{prefixGlobal, 'n'}, space)
}

func keyBranch(name string) []byte { return append([]byte{prefixGlobal, 'b'}, name...) }

func keySpace(space uint64) []byte { return binary.AppendUvarint([]byte{prefixGlobal, 's'}, space) }

// Kind is the type of a key's value as stored.
type Kind uint8

// The stored kinds. Their numbers are part of the format.
const (
	KindTombstone Kind = 0
	KindString    Kind = 1
	KindHash      Kind = 2
	KindList      Kind = 3
	// KindJSON is a JSON document, its text in the meta record like a
	// string's value.
	KindJSON Kind = 4
	// KindSet is a set (its members as per-member records); KindZSet a
	// sorted set (per-member records holding the score). Reserved so that
	// their numbers are fixed before either lands.
	KindSet  Kind = 5
	KindZSet Kind = 6
)

// ErrCorrupt is returned (wrapped) when stored records do not decode.
var ErrCorrupt = errors.New("data directory is corrupt")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

func appendSpacePrefix(dst []byte, space uint64) []byte {
	return binary.AppendUvarint(append(dst, prefixData), space)
}

// appendKeyPrefix appends the prefix shared by every record of key in
// space (everything up to the tag byte).
func appendKeyPrefix(dst []byte, space uint64, key string) []byte {
	dst = appendSpacePrefix(dst, space)
	dst = binary.AppendUvarint(dst, uint64(len(key)))
	return append(dst, key...)
}

func appendMetaKey(dst []byte, space uint64, key string) []byte {
	return append(appendKeyPrefix(dst, space, key), tagMeta)
}

func appendFieldKey(dst []byte, space uint64, key, field string) []byte {
	dst = append(appendKeyPrefix(dst, space, key), tagField)
	return append(dst, field...)
}

func appendFieldDelKey(dst []byte, space uint64, key, field string) []byte {
	dst = append(appendKeyPrefix(dst, space, key), tagFieldDel)
	return append(dst, field...)
}

func appendElemKey(dst []byte, space uint64, key string, pos int64) []byte {
	dst = append(appendKeyPrefix(dst, space, key), tagElem)
	return binary.BigEndian.AppendUint64(dst, uint64(pos)^(1<<63))
}

func appendMeta(dst []byte, k Kind, deadline int64) []byte {
	dst = append(dst, byte(k))
	return binary.AppendUvarint(dst, uint64(deadline))
}

// Record is one decoded data record. Byte slices point into the scan's
// buffers and are valid only until the next record: copy what you keep.
type Record struct {
	Space    uint64 // the space (for a scan of an export file: the database)
	DB       int    // export files: the logical database (= Space)
	Key      []byte // the key
	Tag      byte   // which of the fields below are set
	Kind     Kind   // meta: the type (KindTombstone: deleted over the parent)
	Overlay  bool   // meta of a container: changes over the parent space's
	Deadline int64  // meta: Unix ms, 0 for none
	Base     int64  // meta of an overlay list: position of element 0
	Len      int64  // meta of an overlay list: its length
	Field    []byte // hash field (set or deleted)
	Pos      int64  // list position
	Value    []byte // string value (meta of a string), field or element value
}

// Tag values of Record.Tag.
const (
	TagMeta     = tagMeta
	TagField    = tagField
	TagElem     = tagElem
	TagFieldDel = tagFieldDel
)

// decodeData decodes a data record's key and value into r.
func decodeData(k, v []byte, r *Record) error {
	if len(k) < 3 || k[0] != prefixData {
		return corrupt("bad record key %q", k)
	}
	space, w := binary.Uvarint(k[1:])
	if w <= 0 {
		return corrupt("bad space in record key %q", k)
	}
	r.Space = space
	r.DB = int(min(space, 1<<20))
	p := 1 + w
	n, w := binary.Uvarint(k[p:])
	if w <= 0 || n > uint64(len(k)) || p+w+int(n) >= len(k) {
		return corrupt("bad key length in %q", k)
	}
	p += w
	r.Key = k[p : p+int(n)]
	p += int(n)
	r.Tag = k[p]
	rest := k[p+1:]
	r.Field, r.Value, r.Kind, r.Deadline, r.Pos = nil, nil, 0, 0, 0
	r.Overlay, r.Base, r.Len = false, 0, 0
	switch r.Tag {
	case tagMeta:
		if len(rest) != 0 || len(v) < 2 {
			return corrupt("bad meta record for key %q", r.Key)
		}
		r.Kind = Kind(v[0] &^ overlayFlag)
		r.Overlay = v[0]&overlayFlag != 0
		d, w := binary.Uvarint(v[1:])
		if w <= 0 || d > 1<<62 {
			return corrupt("bad deadline for key %q", r.Key)
		}
		r.Deadline = int64(d)
		tail := v[1+w:]
		switch {
		case (r.Kind == KindString || r.Kind == KindJSON) && !r.Overlay:
			r.Value = tail
		case r.Kind == KindTombstone && !r.Overlay && len(tail) == 0:
		case r.Kind == KindHash && len(tail) == 0:
		case r.Kind == KindSet && len(tail) == 0: // members are field records with empty values
		case r.Kind == KindZSet && len(tail) == 0: // members as field records, scores 8 bytes
		case r.Kind == KindList && !r.Overlay && len(tail) == 0:
		case r.Kind == KindList && r.Overlay:
			base, w1 := binary.Varint(tail)
			ln, w2 := uint64(0), 0
			if w1 > 0 {
				ln, w2 = binary.Uvarint(tail[w1:])
			}
			if w1 <= 0 || w2 <= 0 || w1+w2 != len(tail) || ln > 1<<40 {
				return corrupt("bad overlay list meta for key %q", r.Key)
			}
			r.Base, r.Len = base, int64(ln)
		default:
			return corrupt("unknown type %d for key %q", v[0], r.Key)
		}
	case tagField:
		r.Field = rest
		r.Value = v
	case tagFieldDel:
		if len(v) != 0 {
			return corrupt("bad deleted-field record for key %q", r.Key)
		}
		r.Field = rest
	case tagElem:
		if len(rest) != 8 {
			return corrupt("bad list position for key %q", r.Key)
		}
		r.Pos = int64(binary.BigEndian.Uint64(rest) ^ (1 << 63))
		r.Value = v
	default:
		return corrupt("unknown record tag %d for key %q", r.Tag, r.Key)
	}
	return nil
}

// BranchRecord is a branch as stored: its name, where it forked from, the
// sequence number of its last mutation as last recorded, and the top space
// of each database.
type BranchRecord struct {
	Name      string
	ID        uint64
	Parent    string
	ForkSeq   uint64
	CreatedMs int64
	Seq       uint64
	Tops      [NumDBs]uint64
}

func (b *BranchRecord) encode() []byte {
	out := binary.AppendUvarint(nil, b.ID)
	out = binary.AppendUvarint(out, uint64(len(b.Parent)))
	out = append(out, b.Parent...)
	out = binary.AppendUvarint(out, b.ForkSeq)
	out = binary.AppendVarint(out, b.CreatedMs)
	out = binary.AppendUvarint(out, b.Seq)
	for _, t := range b.Tops {
		out = binary.AppendUvarint(out, t)
	}
	return out
}

func decodeBranch(name string, v []byte) (BranchRecord, error) {
	b := BranchRecord{Name: name}
	bad := corrupt("bad record of branch %q", name)
	next := func() uint64 {
		x, w := binary.Uvarint(v)
		if w <= 0 {
			v = nil
			bad = corrupt("truncated record of branch %q", name)
			return 0
		}
		v = v[w:]
		return x
	}
	b.ID = next()
	pl := next()
	if pl > uint64(len(v)) {
		return b, bad
	}
	b.Parent, v = string(v[:pl]), v[pl:]
	b.ForkSeq = next()
	ms, w := binary.Varint(v)
	if w <= 0 {
		return b, bad
	}
	b.CreatedMs, v = ms, v[w:]
	b.Seq = next()
	for i := range b.Tops {
		b.Tops[i] = next()
	}
	if v == nil || len(v) != 0 {
		return b, bad
	}
	return b, nil
}

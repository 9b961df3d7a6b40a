package store

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// FormatVersion is the version of the key/value encoding below. It is
// stored under keyFormat when a directory is created; Open refuses a
// directory whose version is newer (written by a later release) and a
// later release that changes the encoding migrates older versions.
const FormatVersion = 1

// NumDBs is the number of numbered databases (SELECT 0..15).
const NumDBs = 16

// The encoding, all binary-safe (keys and fields may hold any bytes):
//
//	0x00 'v'                          -> uvarint FormatVersion
//	0x00 'd' <logical db>             -> <physical db>
//	0x00 'n' <logical db>             -> uvarint key count at the last clean close (a hint)
//	0x01 <pdb> <uvarint n> <key[n]> 0x00           -> meta: <kind> <uvarint deadline> [string value]
//	0x01 <pdb> <uvarint n> <key[n]> 0x01 <field>   -> hash field value
//	0x01 <pdb> <uvarint n> <key[n]> 0x02 <pos:8>   -> list element value
//
// Data records live under a physical database number (pdb); the 'd'
// records map each logical database (SELECT index) to one, so SWAPDB
// rewrites two small records whatever the size of the databases. The key
// is length-prefixed, so one key's records are a contiguous range that
// no other key's records fall into: DEL of a container is one range
// deletion. The meta record (tag 0x00) sorts first, so a scan meets a
// key's type and deadline before its elements. A string's value is in
// its meta record (one record per SET), and so is a JSON document's. List positions are int64 with
// the sign bit flipped, big-endian, so they sort numerically; a list's
// elements occupy contiguous positions head..head+n-1.
const (
	prefixGlobal = 0x00
	prefixData   = 0x01

	tagMeta  = 0x00
	tagField = 0x01
	tagElem  = 0x02
	tagEnd   = 0x03 // exclusive upper bound of a key's records
)

var (
	keyFormat = []byte{prefixGlobal, 'v'}
)

func keyDBMap(ldb int) []byte { return []byte{prefixGlobal, 'd', byte(ldb)} }

func keyCountHint(ldb int) []byte { return []byte{prefixGlobal, 'n', byte(ldb)} }

// Kind is the type of a key's value as stored.
type Kind uint8

// The stored kinds. Their numbers are part of the format.
const (
	KindString Kind = 1
	KindHash   Kind = 2
	KindList   Kind = 3
	// KindJSON is a JSON document, its text in the meta record like a
	// string's value.
	KindJSON Kind = 4
)

// ErrCorrupt is returned (wrapped) when stored records do not decode.
var ErrCorrupt = errors.New("data directory is corrupt")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// appendKeyPrefix appends the prefix shared by every record of key in
// physical database pdb (everything up to the tag byte).
func appendKeyPrefix(dst []byte, pdb int, key string) []byte {
	dst = append(dst, prefixData, byte(pdb))
	dst = binary.AppendUvarint(dst, uint64(len(key)))
	return append(dst, key...)
}

func appendMetaKey(dst []byte, pdb int, key string) []byte {
	return append(appendKeyPrefix(dst, pdb, key), tagMeta)
}

func appendFieldKey(dst []byte, pdb int, key, field string) []byte {
	dst = append(appendKeyPrefix(dst, pdb, key), tagField)
	return append(dst, field...)
}

func appendElemKey(dst []byte, pdb int, key string, pos int64) []byte {
	dst = append(appendKeyPrefix(dst, pdb, key), tagElem)
	return binary.BigEndian.AppendUint64(dst, uint64(pos)^(1<<63))
}

func appendMeta(dst []byte, k Kind, deadline int64) []byte {
	dst = append(dst, byte(k))
	return binary.AppendUvarint(dst, uint64(deadline))
}

// Record is one decoded data record. Byte slices point into the scan's
// buffers and are valid only until the next record: copy what you keep.
type Record struct {
	DB       int    // logical database
	Key      []byte // the key
	Tag      byte   // which of the fields below are set
	Kind     Kind   // meta: the type
	Deadline int64  // meta: Unix ms, 0 for none
	Field    []byte // hash field
	Pos      int64  // list position
	Value    []byte // string value (meta of a string), field or element value
}

// Tag values of Record.Tag.
const (
	TagMeta  = tagMeta
	TagField = tagField
	TagElem  = tagElem
)

// decodeData decodes a data record's key and value into r, with the
// physical database left in r.DB.
func decodeData(k, v []byte, r *Record) error {
	if len(k) < 3 || k[0] != prefixData {
		return corrupt("bad record key %q", k)
	}
	r.DB = int(k[1])
	if r.DB >= NumDBs {
		return corrupt("record for database %d", r.DB)
	}
	n, w := binary.Uvarint(k[2:])
	if w <= 0 || n > uint64(len(k)) || 2+w+int(n) >= len(k) {
		return corrupt("bad key length in %q", k)
	}
	p := 2 + w
	r.Key = k[p : p+int(n)]
	p += int(n)
	r.Tag = k[p]
	rest := k[p+1:]
	r.Field, r.Value, r.Kind, r.Deadline, r.Pos = nil, nil, 0, 0, 0
	switch r.Tag {
	case tagMeta:
		if len(rest) != 0 || len(v) < 2 {
			return corrupt("bad meta record for key %q", r.Key)
		}
		r.Kind = Kind(v[0])
		d, w := binary.Uvarint(v[1:])
		if w <= 0 || d > 1<<62 {
			return corrupt("bad deadline for key %q", r.Key)
		}
		r.Deadline = int64(d)
		switch r.Kind {
		case KindString, KindJSON:
			r.Value = v[1+w:]
		case KindHash, KindList:
			if len(v) != 1+w {
				return corrupt("bad meta record for key %q", r.Key)
			}
		default:
			return corrupt("unknown type %d for key %q", v[0], r.Key)
		}
	case tagField:
		r.Field = rest
		r.Value = v
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

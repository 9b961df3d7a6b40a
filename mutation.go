package potato

import (
	"strconv"
	"time"

	"rustypotato/internal/keyspace"
)

// Mutation is the record of one command's change to one key. Every write,
// whatever its origin, produces Mutations through the same path, in commit
// order per key; persistence, the timeline, notifications and hooks consume
// them.
//
// A Mutation and the byte slices it references must not be modified by
// its receiver. The Mutation value and its Edits slice are valid only
// during the callback that receives it (they are reused); the byte slices
// (values) may be kept.
type Mutation struct {
	Branch string    // the branch changed ("main" unless forked)
	Seq    uint64    // position in the branch's order of mutations
	Time   time.Time // when the command ran (the DB's Clock)
	DB     int       // numbered database, 0..15
	Key    string    // the key changed ("" for FLUSHDB and SWAPDB)
	Op     string    // Redis keyspace-event name: "set", "del", "expired", "hset", "lpush", ...
	Edits  []Edit    // the primitive changes, in order, with before-images
	Origin Origin    // the command and client that made it (Tx.SetOrigin)
}

// EditKind names a primitive change to a key.
type EditKind uint8

// The primitive changes. Each Edit holds what is needed to undo it.
const (
	// EditSet replaces the whole value of the key. After holds the new
	// value when it is a string or a JSON document (its text); Before the
	// old one when it was one (nil when the key did not exist or held
	// another type).
	EditSet EditKind = iota + 1
	// EditDel removes the key. Before holds the old value when it was a
	// string or a JSON document.
	EditDel
	// EditExpire changes the key's deadline from PrevDeadline to Deadline
	// (Unix milliseconds; 0 means none).
	EditExpire
	// EditHSet sets hash field Field from Before (nil if new) to After.
	EditHSet
	// EditHDel removes hash field Field, whose value was Before, from
	// position Index of a flat hash's order (-1 otherwise; undo puts it
	// back there).
	EditHDel
	// EditHConvert moves a hash from the flat encoding (small, in
	// insertion order) to the map: no change of its contents, recorded
	// so that undo restores the encoding and the order.
	EditHConvert
	// EditLPush and EditRPush add After at the head or tail of a list.
	EditLPush
	EditRPush
	// EditLPop and EditRPop remove Before from the head or tail of a list.
	EditLPop
	EditRPop
	// EditLSet replaces list element Index: Before becomes After.
	EditLSet
	// EditLInsert inserts After so that it becomes element Index.
	EditLInsert
	// EditLRemove removes element Index, which was Before.
	EditLRemove
	// EditFlushDB empties the whole database (the Mutation's Key is "").
	EditFlushDB
	// EditSwapDB exchanges the contents of the Mutation's DB and database
	// Index (the Mutation's Key is "").
	EditSwapDB

	// Sets (set.go). EditSAdd adds member Field to a set; EditSRem
	// removes member Field. EditSConvert moves a set from the intset
	// encoding to the hashtable: no change of its members, recorded so
	// that undo restores the encoding.
	EditSAdd
	EditSRem
	EditSConvert
	// EditZSet sets sorted-set member Field's score from Before (nil if
	// new) to After, each 8 bytes: the IEEE 754 bits, big-endian.
	EditZSet
	// EditZDel removes sorted-set member Field, whose score was Before.
	EditZDel
	// EditZConvert moves a sorted set from the listpack encoding to the
	// skiplist (OBJECT ENCODING): no change of its contents.
	EditZConvert
)

var editNames = [...]string{EditSet: "set", EditDel: "del", EditExpire: "expire", EditHSet: "hset", EditHDel: "hdel",
	EditHConvert: "hconvert", EditLPush: "lpush", EditRPush: "rpush", EditLPop: "lpop", EditRPop: "rpop",
	EditLSet: "lset", EditLInsert: "linsert", EditLRemove: "lremove", EditFlushDB: "flushdb", EditSwapDB: "swapdb",
	EditSAdd: "sadd", EditSRem: "srem", EditSConvert: "sconvert",
	EditZSet: "zset", EditZDel: "zdel", EditZConvert: "zconvert"}

// String returns the edit kind's name in lower case ("set", "hset",
// "lpush", ...), as CHANGES shows it.
func (k EditKind) String() string {
	if int(k) < len(editNames) && editNames[k] != "" {
		return editNames[k]
	}
	return "edit" + strconv.Itoa(int(k))
}

// Edit is one primitive change within a Mutation.
type Edit struct {
	Kind                   EditKind
	Field                  string // hash field, set member
	Index                  int    // list position
	Before, After          []byte
	Deadline, PrevDeadline int64

	prev    *keyspace.Entry // EditSet, EditDel: the previous entry of the key's view
	prevTop *keyspace.Entry // EditSet, EditDel: what the top layer stored for the key before (nil, a tombstone or prev)
	next    *keyspace.Entry // EditSet: the entry stored
	// snap, for an EditDel whose entry lives on under another name
	// (RENAME, MOVE), is a copy of the value as it was deleted, for the
	// timeline: later commands of the transaction may change the entry.
	snap    *keyspace.Entry
	flushed keyspace.DBData // EditFlushDB: the old contents

	// watchers are the Watchers this FLUSHDB or SWAPDB invalidates,
	// chosen before the change as Redis's touchAllWatchedKeysInDb does;
	// they are marked dirty when the transaction commits.
	watchers []*Watcher
}

// dbWide reports whether m changes a whole database (FLUSHDB, SWAPDB)
// rather than one key.
func (m *Mutation) dbWide() bool {
	return len(m.Edits) == 1 && (m.Edits[0].Kind == EditFlushDB || m.Edits[0].Kind == EditSwapDB)
}

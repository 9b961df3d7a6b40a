package potato

import (
	"errors"
	"fmt"

	"rustypotato/internal/keyspace"
	"rustypotato/internal/rdb"
)

// Errors of DUMP and RESTORE, with Redis 7.0's reply text.
var (
	// ErrDumpPayload is RESTORE's error for a payload whose RDB version
	// or CRC64 is wrong.
	ErrDumpPayload = errors.New("potato: ERR DUMP payload version or checksum are wrong")
	// ErrBadDataFormat is RESTORE's error for a payload that does not
	// decode (or holds a type not supported yet).
	ErrBadDataFormat = errors.New("potato: ERR Bad data format")
	// ErrBusyKey is RESTORE's error for an existing key without REPLACE.
	ErrBusyKey = errors.New("potato: BUSYKEY Target key name already exists.")
)

// RestoreArgs are RESTORE's options. TTL is in milliseconds (0: none);
// with AbsTTL it is a Unix-milliseconds deadline. IdleTime (seconds) and
// Freq set the access clock under LRU and LFU policies; -1 leaves them.
type RestoreArgs struct {
	TTL      int64
	Replace  bool
	AbsTTL   bool
	IdleTime int64
	Freq     int64
}

// Dump returns the value of key serialized as Redis 7.0's DUMP does (RDB
// version 10 with its CRC64). It returns ErrNotFound for a missing key.
// Only strings are supported so far; other types give an error.
func (tx *Tx) Dump(key string) ([]byte, error) {
	e := tx.lookup(key)
	if e == nil {
		return nil, ErrNotFound
	}
	if e.Kind != keyspace.KindString {
		return nil, fmt.Errorf("%w: ERR DUMP of this type is not supported yet", ErrInvalidArgument)
	}
	return rdb.DumpString(e.Str), nil
}

// Dump is Tx.Dump in its own transaction.
func (d *DB) Dump(key string) (p []byte, err error) {
	err = d.do(false, func(tx *Tx) error { p, err = tx.Dump(key); return err }, key)
	return
}

// Restore stores the DUMP payload p under key (RESTORE), through the
// mutation path as a "restore" of the whole value. Errors and their order
// are Redis's: ErrBusyKey, ErrInvalidExpire for a negative TTL,
// ErrDumpPayload, ErrBadDataFormat. A deadline already past stores
// nothing (deleting key with Replace).
func (tx *Tx) Restore(key string, p []byte, a RestoreArgs) error {
	tx.mustWrite()
	if !a.Replace && tx.lookup(key) != nil {
		return ErrBusyKey
	}
	if a.TTL < 0 {
		return errRestoreTTL
	}
	if _, err := rdb.Verify(p); err != nil {
		return ErrDumpPayload
	}
	// Redis reads the value from the whole payload, footer included (a
	// value may run into it), so decoding does too.
	v, err := rdb.Decode(p, int(min(tx.c.opts.MaxValueBytes, int64(len(p))*256)))
	if err != nil || v.Type != rdb.TypeString {
		return ErrBadDataFormat
	}
	if int64(len(v.Str)) > tx.c.opts.MaxValueBytes {
		return ErrStringTooLong
	}
	at := a.TTL
	if at != 0 && !a.AbsTTL {
		at += tx.nowMs
	}
	if at != 0 && at <= tx.nowMs {
		if a.Replace && tx.lookupW(key) != nil {
			tx.del(key, "del")
		}
		return nil
	}
	if a.Replace {
		tx.lookupW(key)
	}
	e := strEntry(v.Str)
	e.ExpireAt = at
	tx.put(key, "restore", e)
	tx.restoreAccess(e, a)
	return nil
}

// restoreAccess applies IDLETIME (LRU policies) or FREQ (LFU policies) as
// Redis's objectSetLRUOrLFU does.
func (tx *Tx) restoreAccess(e *keyspace.Entry, a RestoreArgs) {
	lfu := EvictionPolicy(tx.c.mem.policy.Load()).lfu()
	switch {
	case lfu && a.Freq >= 0:
		e.SetAccessWord(uint32(tx.nowMs/60000)&0xffff<<8 | uint32(a.Freq))
	case !lfu && a.IdleTime >= 0:
		e.SetAccessWord(uint32(tx.nowMs/1000 - a.IdleTime))
	}
}

var errRestoreTTL = errors.New("potato: ERR Invalid TTL value, must be >= 0")

// Restore is Tx.Restore in its own transaction.
func (d *DB) Restore(key string, p []byte, a RestoreArgs) error {
	return d.do(true, func(tx *Tx) error { return tx.Restore(key, p, a) }, key)
}

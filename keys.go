package potato

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"rustypotato/internal/keyspace"
	"rustypotato/internal/num"
)

// NoExpiry is what TTL returns for a key that has no deadline (Redis -1).
const NoExpiry time.Duration = -1

// ExpireCond is the condition of EXPIRE's NX, XX, GT and LT options.
type ExpireCond uint8

// The conditions under which ExpireArgs sets a deadline.
const (
	ExpireAlways ExpireCond = iota // no condition
	ExpireNX                       // only if the key has no deadline
	ExpireXX                       // only if the key has a deadline
	ExpireGT                       // only if the new deadline is later (no deadline counts as infinite)
	ExpireLT                       // only if the new deadline is earlier (no deadline counts as infinite)
)

// ScanArgs are SCAN's options.
type ScanArgs struct {
	Match string // glob pattern (Redis rules); empty matches all
	Count int64  // keys to visit per call, a hint; 0 means 10
	Type  string // only keys of this type ("string", "hash", "list"); empty: all
}

func typeName(k keyspace.Kind) string {
	switch k {
	case keyspace.KindString:
		return "string"
	case keyspace.KindHash:
		return "hash"
	case keyspace.KindList:
		return "list"
	case keyspace.KindJSON:
		return jsonTypeName // json.go
	case keyspace.KindSet:
		return "set"
	case keyspace.KindZSet:
		return "zset"
	}
	return "none"
}

// Del deletes keys (DEL) and returns how many existed.
func (tx *Tx) Del(keys ...string) (int64, error) {
	tx.mustWrite()
	var n int64
	for _, k := range keys {
		if tx.lookupW(k) != nil && tx.del(k, "del") {
			n++
		}
	}
	return n, nil
}

// Del deletes keys (DEL, UNLINK) and returns how many existed.
func (d *DB) Del(keys ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.Del(keys...); return err }, keys...)
	return
}

// Unlink is Del: values are always released in the background by the Go
// runtime, so UNLINK and DEL are the same.
func (tx *Tx) Unlink(keys ...string) (int64, error) { return tx.Del(keys...) }

// Unlink is Del (UNLINK); see Tx.Unlink.
func (d *DB) Unlink(keys ...string) (int64, error) { return d.Del(keys...) }

// Exists returns how many of keys exist, counting repeats (EXISTS).
func (tx *Tx) Exists(keys ...string) (int64, error) {
	var n int64
	for _, k := range keys {
		if tx.lookup(k) != nil {
			n++
		}
	}
	return n, nil
}

// Exists returns how many of keys exist, counting repeats (EXISTS).
func (d *DB) Exists(keys ...string) (n int64, err error) {
	err = d.do(false, func(tx *Tx) error { n, err = tx.Exists(keys...); return err }, keys...)
	return
}

// Type returns the type of key's value: "string", "hash", "list", or
// "none" if it does not exist (TYPE).
func (tx *Tx) Type(key string) (string, error) {
	e := tx.lookup(key)
	if e == nil {
		return "none", nil
	}
	return typeName(e.Kind), nil
}

// Type returns the type of key's value, "none" if it does not exist (TYPE).
func (d *DB) Type(key string) (t string, err error) {
	err = d.do(false, func(tx *Tx) error { t, err = tx.Type(key); return err }, key)
	return
}

// ExpireArgs sets key's deadline to at if cond holds (EXPIRE, PEXPIRE,
// EXPIREAT, PEXPIREAT with NX/XX/GT/LT) and reports whether it did. A
// deadline not in the future deletes the key, as in Redis.
func (tx *Tx) ExpireArgs(key string, at time.Time, cond ExpireCond) (bool, error) {
	tx.mustWrite()
	e := tx.lookupW(key)
	if e == nil {
		return false, nil
	}
	when := at.UnixMilli()
	cur := e.ExpireAt
	switch cond {
	case ExpireNX:
		if cur != 0 {
			return false, nil
		}
	case ExpireXX:
		if cur == 0 {
			return false, nil
		}
	case ExpireGT:
		if cur == 0 || when <= cur {
			return false, nil
		}
	case ExpireLT:
		if cur != 0 && when >= cur {
			return false, nil
		}
	}
	if when <= tx.nowMs {
		tx.del(key, "del")
		return true, nil
	}
	tx.expire(key, "expire", e, when)
	return true, nil
}

// ExpireArgs sets key's deadline if cond holds; see Tx.ExpireArgs.
func (d *DB) ExpireArgs(key string, at time.Time, cond ExpireCond) (ok bool, err error) {
	err = d.do(true, func(tx *Tx) error { ok, err = tx.ExpireArgs(key, at, cond); return err }, key)
	return
}

// Expire makes key expire after ttl (EXPIRE, PEXPIRE) and reports whether
// the key exists. A ttl <= 0 deletes the key.
func (tx *Tx) Expire(key string, ttl time.Duration) (bool, error) {
	return tx.ExpireArgs(key, tx.now.Add(ttl), ExpireAlways)
}

// Expire makes key expire after ttl (EXPIRE, PEXPIRE) and reports whether
// the key exists. A ttl <= 0 deletes the key.
func (d *DB) Expire(key string, ttl time.Duration) (ok bool, err error) {
	err = d.do(true, func(tx *Tx) error { ok, err = tx.Expire(key, ttl); return err }, key)
	return
}

// ExpireAt makes key expire at t (EXPIREAT, PEXPIREAT) and reports whether
// the key exists. A time not in the future deletes the key.
func (tx *Tx) ExpireAt(key string, t time.Time) (bool, error) {
	return tx.ExpireArgs(key, t, ExpireAlways)
}

// ExpireAt makes key expire at t (EXPIREAT, PEXPIREAT).
func (d *DB) ExpireAt(key string, t time.Time) (ok bool, err error) {
	return d.ExpireArgs(key, t, ExpireAlways)
}

// Persist removes key's deadline (PERSIST) and reports whether it had one.
func (tx *Tx) Persist(key string) (bool, error) {
	e := tx.lookupW(key)
	if e == nil || e.ExpireAt == 0 {
		return false, nil
	}
	tx.expire(key, "persist", e, 0)
	return true, nil
}

// Persist removes key's deadline (PERSIST) and reports whether it had one.
func (d *DB) Persist(key string) (ok bool, err error) {
	err = d.do(true, func(tx *Tx) error { ok, err = tx.Persist(key); return err }, key)
	return
}

// TTL returns the time left before key expires, with millisecond
// precision (TTL, PTTL): NoExpiry if it has no deadline, ErrNotFound if it
// does not exist.
func (tx *Tx) TTL(key string) (time.Duration, error) {
	e := tx.lookup(key)
	if e == nil {
		return 0, ErrNotFound
	}
	if e.ExpireAt == 0 {
		return NoExpiry, nil
	}
	left := e.ExpireAt - tx.nowMs
	if left < 0 {
		left = 0
	}
	if left > math.MaxInt64/int64(time.Millisecond) {
		// Deadlines up to Redis's limit (year 292 million) are more than
		// a Duration holds: saturate rather than overflow to negative.
		return time.Duration(math.MaxInt64), nil
	}
	return time.Duration(left) * time.Millisecond, nil
}

// TTL returns the time left before key expires; see Tx.TTL.
func (d *DB) TTL(key string) (ttl time.Duration, err error) {
	err = d.do(false, func(tx *Tx) error { ttl, err = tx.TTL(key); return err }, key)
	return
}

// ExpireTime returns key's deadline (EXPIRETIME, PEXPIRETIME): the zero
// Time if it has none, ErrNotFound if the key does not exist.
func (tx *Tx) ExpireTime(key string) (time.Time, error) {
	e := tx.lookup(key)
	if e == nil {
		return time.Time{}, ErrNotFound
	}
	if e.ExpireAt == 0 {
		return time.Time{}, nil
	}
	return time.UnixMilli(e.ExpireAt), nil
}

// ExpireTime returns key's deadline; see Tx.ExpireTime.
func (d *DB) ExpireTime(key string) (t time.Time, err error) {
	err = d.do(false, func(tx *Tx) error { t, err = tx.ExpireTime(key); return err }, key)
	return
}

// markIfList tells blocked clients that key may now hold elements.
func (tx *Tx) markIfList(e *keyspace.Entry, key string) {
	if e.Kind == keyspace.KindList {
		tx.pushed = append(tx.pushed, blockedKey{db: tx.db, key: key})
	}
}

// Rename renames src to dst, replacing dst (RENAME). The deadline moves
// with the value. It returns ErrNoSuchKey if src does not exist.
func (tx *Tx) Rename(src, dst string) error {
	_, err := tx.rename(src, dst, false)
	return err
}

func (tx *Tx) rename(src, dst string, nx bool) (bool, error) {
	tx.mustWrite()
	e := tx.lookupW(src)
	if e == nil {
		return false, ErrNoSuchKey
	}
	if src == dst {
		return !nx, nil
	}
	if d := tx.lookupW(dst); d != nil && nx {
		return false, nil
	}
	tx.del(src, "rename_from")
	tx.keepMoved(e)
	tx.put(dst, "rename_to", e)
	tx.markIfList(e, dst)
	return true, nil
}

// Rename renames src to dst, replacing dst (RENAME).
func (d *DB) Rename(src, dst string) error {
	return d.do(true, func(tx *Tx) error { return tx.Rename(src, dst) }, src, dst)
}

// RenameNX renames src to dst only if dst does not exist (RENAMENX), and
// reports whether it did.
func (tx *Tx) RenameNX(src, dst string) (bool, error) {
	return tx.rename(src, dst, true)
}

// RenameNX renames src to dst only if dst does not exist (RENAMENX).
func (d *DB) RenameNX(src, dst string) (ok bool, err error) {
	err = d.do(true, func(tx *Tx) error { ok, err = tx.RenameNX(src, dst); return err }, src, dst)
	return
}

// Copy copies the value (and deadline) of src to dst in database dstDB
// (COPY ... DB dstDB [REPLACE]) and reports whether it did: not when src is
// missing, nor when dst exists and replace is false. Copying a key onto
// itself returns ErrSameObject.
func (tx *Tx) Copy(src, dst string, dstDB int, replace bool) (bool, error) {
	tx.mustWrite()
	if dstDB < 0 || dstDB >= NumDBs {
		return false, ErrDBIndex
	}
	if dstDB == tx.db && src == dst {
		return false, ErrSameObject
	}
	e := tx.lookup(src)
	if e == nil {
		return false, nil
	}
	c := tx.cloneEntry(src, e)
	srcDB := tx.db
	tx.db = dstDB
	defer func() { tx.db = srcDB }()
	// REPLACE overwrites in place: Redis announces only copy_to, no del.
	if tx.lookupW(dst) != nil && !replace {
		return false, nil
	}
	tx.put(dst, "copy_to", c)
	tx.markIfList(c, dst)
	return true, nil
}

// Copy copies src to dst in database dstDB; see Tx.Copy.
func (d *DB) Copy(src, dst string, dstDB int, replace bool) (ok bool, err error) {
	err = d.c.run(d.br, d.db, true, nil, func(tx *Tx) error {
		tx.lockKey(d.db, src)
		if dstDB >= 0 && dstDB < NumDBs {
			tx.lockKey(dstDB, dst)
		}
		ok, err = tx.Copy(src, dst, dstDB, replace)
		return err
	})
	return
}

// Move moves key to database db (MOVE) and reports whether it did: not if
// key is missing here or exists there.
func (tx *Tx) Move(key string, db int) (bool, error) {
	tx.mustWrite()
	if db < 0 || db >= NumDBs {
		return false, ErrDBIndex
	}
	if db == tx.db {
		return false, ErrSameObject
	}
	e := tx.lookupW(key)
	if e == nil {
		return false, nil
	}
	src := tx.db
	tx.db = db
	exists := tx.lookupW(key) != nil
	tx.db = src
	if exists {
		return false, nil
	}
	tx.del(key, "move_from")
	tx.keepMoved(e)
	tx.db = db
	tx.put(key, "move_to", e)
	tx.markIfList(e, key)
	tx.db = src
	return true, nil
}

// Move moves key to database db (MOVE); see Tx.Move.
func (d *DB) Move(key string, db int) (ok bool, err error) {
	err = d.c.run(d.br, d.db, true, nil, func(tx *Tx) error {
		ok, err = tx.Move(key, db)
		return err
	})
	return
}

// Keys returns the keys matching the glob pattern (KEYS). It sees one
// consistent state of the database and is O(N) in its size (on a branch,
// in the size of its layers).
func (tx *Tx) Keys(pattern string) ([]string, error) {
	tx.lockDB(tx.db)
	var out []string
	all := pattern == "*"
	ks := tx.ks
	for l := ks.Top(tx.db); l != nil; l = l.Parent() {
		for i := 0; i < keyspace.NumShards; i++ {
			l.ShardKeys(i, func(k string, e *keyspace.Entry) bool {
				if e != nil && !e.Expired(tx.nowMs) && (all || keyspace.Match(pattern, k, false)) && !ks.Shadowed(tx.db, l, k) {
					out = append(out, k)
				}
				return true
			})
		}
	}
	return out, nil
}

// Keys returns the keys matching the glob pattern (KEYS).
func (d *DB) Keys(pattern string) (keys []string, err error) {
	err = d.do(false, func(tx *Tx) error { keys, err = tx.Keys(pattern); return err })
	return
}

// A SCAN cursor packs where the scan is: a slot of a shard of a layer of
// the chain, the layer counted from the bottom (forks add layers on top,
// so the index of a layer being scanned does not move) and recognised by
// bits of its serial (a fold replaces layers: a cursor whose layer is gone
// restarts the layer now at its index, which holds what the gone one did,
// so nothing is missed, at worst revisited).
const (
	scanSlotBits   = 26
	scanShardBits  = 7
	scanLayerBits  = 8
	scanSerialBits = 63 - scanSlotBits - scanShardBits - scanLayerBits
)

func scanSerial(l *keyspace.Layer) uint64 {
	return l.Serial()%(1<<scanSerialBits-1) + 1 // never 0, so no cursor is 0
}

func packScan(serial uint64, layer, shard, slot int) uint64 {
	return serial<<(scanSlotBits+scanShardBits+scanLayerBits) | uint64(layer)<<(scanSlotBits+scanShardBits) |
		uint64(shard)<<scanSlotBits | uint64(slot)
}

func unpackScan(c uint64) (serial uint64, layer, shard, slot int) {
	slot = int(c & (1<<scanSlotBits - 1))
	shard = int(c >> scanSlotBits & (1<<scanShardBits - 1))
	layer = int(c >> (scanSlotBits + scanShardBits) & (1<<scanLayerBits - 1))
	serial = c >> (scanSlotBits + scanShardBits + scanLayerBits)
	return
}

// Scan returns some keys and the cursor for the next call (SCAN); start
// and end with cursor 0. A full scan returns every key that exists
// throughout it at least once, even while others are written; a key may
// be returned more than once.
func (tx *Tx) Scan(cursor uint64, a ScanArgs) ([]string, uint64, error) {
	count := a.Count
	if count <= 0 {
		count = 10
	}
	if cursor>>63 != 0 {
		return nil, 0, nil // no cursor of ours: the scan is over
	}
	ks := tx.ks
	serial, idx, shard, next := unpackScan(cursor)
	// The chain cannot change while a stripe of the database is held.
	tx.acquire(keyspace.Stripe(tx.db*keyspace.NumShards + shard))
	var chain []*keyspace.Layer // bottom first
	for l := ks.Top(tx.db); l != nil; l = l.Parent() {
		chain = append(chain, l)
	}
	slices.Reverse(chain)
	switch {
	case cursor == 0 || idx >= len(chain):
		idx, shard, next = len(chain)-1, 0, 0
	case serial != scanSerial(chain[idx]):
		shard, next = 0, 0
	}
	var out []string
	visited := int64(0)
	for visited < count {
		l := chain[idx]
		top := idx == len(chain)-1
		s := keyspace.Stripe(tx.db*keyspace.NumShards + shard)
		tx.acquire(s)
		budget := count - visited
		if budget > 1<<20 {
			budget = 1 << 20
		}
		n := 0
		nx := l.ScanShard(shard, next, int(budget), func(k string, e *keyspace.Entry) {
			n++
			if !top {
				// A key of a lower layer counts as the view has it now
				// (copied up and changed, or deleted, or not).
				e = ks.Get(tx.db, k)
			}
			if e == nil || e.Expired(tx.nowMs) {
				return
			}
			if a.Type != "" && !equalFold(a.Type, typeName(e.Kind)) {
				return
			}
			if a.Match != "" && a.Match != "*" && !keyspace.Match(a.Match, k, false) {
				return
			}
			out = append(out, k)
		})
		visited += int64(n)
		if nx != 0 {
			next = nx
			continue
		}
		next = 0
		if n == 0 {
			visited++ // an empty shard still costs a step
		}
		if shard++; shard == keyspace.NumShards {
			if idx == 0 {
				return out, 0, nil
			}
			idx, shard = idx-1, 0
		}
	}
	return out, packScan(scanSerial(chain[idx]), idx, shard, next), nil
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// Scan returns some keys and the next cursor (SCAN); see Tx.Scan. Each
// call locks only the stripes it visits, one at a time.
func (d *DB) Scan(cursor uint64, a ScanArgs) (keys []string, next uint64, err error) {
	// Scan in stripe-sized steps so that no call holds many locks.
	err = d.do(false, func(tx *Tx) error {
		keys, next, err = tx.Scan(cursor, a)
		return err
	})
	return
}

// RandomKey returns a random live key (RANDOMKEY), ErrNotFound if the
// database is empty.
func (tx *Tx) RandomKey() (string, error) {
	ks := tx.ks
	start := rand.IntN(keyspace.NumShards)
	tx.acquire(keyspace.Stripe(tx.db*keyspace.NumShards + start))
	// Draw a layer by the number of keys it stores, then a key of it; a
	// key of a lower layer counts if the view still has it.
	var chain []*keyspace.Layer
	var weights []int
	total := 0
	for l := ks.Top(tx.db); l != nil; l = l.Parent() {
		chain = append(chain, l)
		total += l.Stored()
		weights = append(weights, total)
	}
	for tries := 0; tries < 4 && total > 0; tries++ {
		w := rand.IntN(total)
		li := 0
		for weights[li] <= w {
			li++
		}
		l := chain[li]
		for i := 0; i < keyspace.NumShards; i++ {
			sh := (start + i) % keyspace.NumShards
			s := keyspace.Stripe(tx.db*keyspace.NumShards + sh)
			tx.acquire(s)
			n := l.ShardLen(sh)
			if n == 0 {
				continue
			}
			for j := 0; j < 8; j++ {
				k, e := l.KeyAt(sh, rand.IntN(n))
				if li > 0 {
					e = ks.Get(tx.db, k)
				}
				if e != nil && !e.Expired(tx.nowMs) {
					return k, nil
				}
			}
		}
		start = rand.IntN(keyspace.NumShards)
	}
	// Nearly every key is past its deadline. Redis keeps drawing, removing
	// the expired keys it meets, until it finds a live one: find one with
	// a full pass instead (O(N) only in this case, as in Redis).
	for _, l := range chain {
		for i := 0; i < keyspace.NumShards; i++ {
			sh := (start + i) % keyspace.NumShards
			tx.acquire(keyspace.Stripe(tx.db*keyspace.NumShards + sh))
			var key string
			found := false
			l.ShardKeys(sh, func(k string, e *keyspace.Entry) bool {
				if e = ks.Get(tx.db, k); e != nil && !e.Expired(tx.nowMs) {
					key, found = k, true
				}
				return !found
			})
			if found {
				return key, nil
			}
		}
	}
	return "", ErrNotFound
}

// RandomKey returns a random live key (RANDOMKEY).
func (d *DB) RandomKey() (k string, err error) {
	err = d.do(false, func(tx *Tx) error { k, err = tx.RandomKey(); return err })
	return
}

// DBSize returns the number of keys in the database (DBSIZE), counting
// keys past their deadline that expiry has not removed yet, like Redis.
func (tx *Tx) DBSize() (int64, error) {
	return int64(tx.ks.Len(tx.db)), nil
}

// DBSize returns the number of keys in the database (DBSIZE).
func (d *DB) DBSize() (int64, error) {
	if d.c.closed.Load() {
		return 0, ErrClosed
	}
	return int64(d.br.ks.Len(d.db)), nil
}

// FlushDB deletes every key of the database (FLUSHDB) in O(1).
func (tx *Tx) FlushDB() error {
	tx.mustWrite()
	tx.lockDB(tx.db)
	ws := tx.br.dbWatchers(tx.db, -1, tx.nowMs, nil)
	data := tx.ks.Flush(tx.db)
	tx.muts = append(tx.muts, Mutation{DB: tx.db, Op: "flushdb",
		Edits: []Edit{{Kind: EditFlushDB, flushed: data, watchers: ws}}})
	return nil
}

// FlushDB deletes every key of the database (FLUSHDB).
func (d *DB) FlushDB() error {
	return d.do(true, func(tx *Tx) error { return tx.FlushDB() })
}

// FlushAll deletes every key of every database (FLUSHALL).
func (tx *Tx) FlushAll() error {
	cur := tx.db
	defer func() { tx.db = cur }()
	for i := 0; i < NumDBs; i++ {
		tx.db = i
		if err := tx.FlushDB(); err != nil {
			return err
		}
	}
	return nil
}

// FlushAll deletes every key of every database (FLUSHALL).
func (d *DB) FlushAll() error {
	return d.do(true, func(tx *Tx) error { return tx.FlushAll() })
}

// SwapDB exchanges the contents of databases a and b (SWAPDB).
func (tx *Tx) SwapDB(a, b int) error {
	tx.mustWrite()
	if a < 0 || a >= NumDBs || b < 0 || b >= NumDBs {
		return ErrDBIndex
	}
	if a == b {
		return nil
	}
	lo, hi := min(a, b), max(a, b)
	tx.lockDB(lo)
	tx.lockDB(hi)
	ws := tx.br.dbWatchers(a, b, tx.nowMs, nil)
	ws = tx.br.dbWatchers(b, a, tx.nowMs, ws)
	tx.ks.Swap(a, b)
	tx.muts = append(tx.muts, Mutation{DB: a, Op: "swapdb",
		Edits: []Edit{{Kind: EditSwapDB, Index: b, watchers: ws}}})
	return nil
}

// SwapDB exchanges the contents of databases a and b (SWAPDB).
func (d *DB) SwapDB(a, b int) error {
	return d.do(true, func(tx *Tx) error { return tx.SwapDB(a, b) })
}

// ObjectInfo describes how a key's value is held (OBJECT).
type ObjectInfo struct {
	Type     string        // as TYPE reports it
	Encoding string        // Redis 7.0's name for the equivalent encoding
	Idle     time.Duration // time since the last read or write
	RefCount int64         // Redis's refcount (shared small integers report 2147483647)
}

// Object returns how key's value is held (OBJECT ENCODING, IDLETIME,
// REFCOUNT), or ErrNotFound. Encodings are reported with the names Redis
// 7.0 would use for a value of that shape and size ("int", "embstr",
// "raw", "listpack", "hashtable", "quicklist"), so tools that inspect them
// keep working; the in-memory layout is RustyPotato's own. It does not
// count as an access.
func (tx *Tx) Object(key string) (ObjectInfo, error) {
	tx.lockKey(tx.db, key)
	e := tx.ks.Get(tx.db, key)
	if e == nil || e.Expired(tx.nowMs) {
		return ObjectInfo{}, ErrNotFound
	}
	oi := ObjectInfo{Type: typeName(e.Kind), RefCount: 1}
	if last := e.LastAccess(); last > 0 && tx.nowMs/1000 > last {
		oi.Idle = time.Duration(tx.nowMs/1000-last) * time.Second
	}
	switch e.Kind {
	case keyspace.KindString:
		switch v, isInt := num.ParseInt(e.Str); {
		case isInt:
			oi.Encoding = "int"
			if v >= 0 && v < 10000 {
				oi.RefCount = 2147483647
			}
		case len(e.Str) <= 44:
			oi.Encoding = "embstr"
		default:
			oi.Encoding = "raw"
		}
	case keyspace.KindHash:
		oi.Encoding = "hashtable"
		if e.Hash.Listpack() {
			oi.Encoding = "listpack"
		}
	case keyspace.KindList:
		oi.Encoding = "quicklist"
	case keyspace.KindSet:
		oi.Encoding = "hashtable"
		if e.Set.Intset() {
			oi.Encoding = "intset"
		}
	case keyspace.KindZSet:
		oi.Encoding = "skiplist"
		if e.ZSet.Listpack() {
			oi.Encoding = "listpack"
		}
	case keyspace.KindJSON:
		oi.Encoding = "raw" // what Redis reports for a module type
	}
	return oi, nil
}

// Object returns how key's value is held; see Tx.Object.
func (d *DB) Object(key string) (oi ObjectInfo, err error) {
	err = d.do(false, func(tx *Tx) error { oi, err = tx.Object(key); return err }, key)
	return
}

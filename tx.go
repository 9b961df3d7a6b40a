package potato

import (
	"sync"
	"sync/atomic"

	"rustypotato/internal/keyspace"
)

// Watcher is Redis's WATCH: it marks keys, and reports whether any of them
// was modified (written, deleted, expired, flushed) since it began watching.
// Use Tx.Check inside Update to abort a transaction atomically when a
// watched key changed. A Watcher is safe for concurrent use; Close it when
// done (UNWATCH), or its registrations stay.
type Watcher struct {
	c     *core
	br    *branch
	dirty atomic.Bool
	mu    sync.Mutex
	keys  []watchedKey
}

type watchedKey struct {
	db      int
	key     string
	expired bool // logically expired when watched (Redis 7 semantics)
	at      int64
}

// WatchKeys starts watching keys of this handle's database and returns a
// new Watcher. Add watches more keys, of any database.
func (d *DB) WatchKeys(keys ...string) *Watcher {
	w := &Watcher{c: d.c, br: d.br}
	w.Add(d, keys...)
	return w
}

// Add watches keys of database d (a handle on the same store and branch;
// a handle on another branch is ignored).
func (w *Watcher) Add(d *DB, keys ...string) {
	if d.br != w.br {
		return
	}
	c, b := w.c, w.br
	now := c.nowMs()
	for _, k := range keys {
		s := b.ks.StripeOf(d.db, k)
		b.ks.Lock(s)
		m := b.watched[s]
		if m == nil {
			m = make(map[string][]*Watcher)
			b.watched[s] = m
		}
		m[k] = append(m[k], w)
		wk := watchedKey{db: d.db, key: k}
		if e := b.ks.Get(d.db, k); e != nil && e.Expired(now) {
			wk.expired = true
		} else if e != nil {
			wk.at = e.ExpireAt
		}
		b.ks.Unlock(s)
		w.mu.Lock()
		w.keys = append(w.keys, wk)
		w.mu.Unlock()
	}
}

// Changed reports whether a watched key was modified since it was watched.
func (w *Watcher) Changed() bool {
	if w.dirty.Load() {
		return true
	}
	// A key that was live when watched and has since passed its deadline
	// counts as modified, even before expiry removes it (as in Redis 7).
	now := w.c.nowMs()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, wk := range w.keys {
		if !wk.expired && wk.at != 0 && wk.at <= now {
			return true
		}
	}
	return false
}

// Close stops watching all keys (UNWATCH). The Watcher may not be reused.
func (w *Watcher) Close() {
	b := w.br
	w.mu.Lock()
	keys := w.keys
	w.keys = nil
	w.mu.Unlock()
	for _, wk := range keys {
		s := b.ks.StripeOf(wk.db, wk.key)
		b.ks.Lock(s)
		ws := b.watched[s][wk.key]
		out := ws[:0]
		for _, x := range ws {
			if x != w {
				out = append(out, x)
			}
		}
		if len(out) == 0 {
			delete(b.watched[s], wk.key)
		} else {
			b.watched[s][wk.key] = out
		}
		b.ks.Unlock(s)
	}
}

// Check locks the keys watched by w and returns ErrTxAborted if any of
// them changed since it was watched. Called first in an Update closure, it
// makes EXEC's check-and-run atomic. A Watcher of another branch than the
// transaction's returns ErrTxAborted too.
func (tx *Tx) Check(w *Watcher) error {
	if w.br != tx.br {
		// The watched view is not the one the transaction works on (the
		// connection switched branches): abort, as for a changed key.
		return ErrTxAborted
	}
	w.mu.Lock()
	keys := append([]watchedKey(nil), w.keys...)
	w.mu.Unlock()
	for _, wk := range keys {
		tx.lockKey(wk.db, wk.key)
	}
	if w.Changed() {
		return ErrTxAborted
	}
	return nil
}

// touchWatched marks the watchers of (db, key) dirty. The caller holds the
// key's stripe for writing.
func (b *branch) touchWatched(db int, key string) {
	s := b.ks.StripeOf(db, key)
	m := b.watched[s]
	if len(m) == 0 {
		return
	}
	for _, w := range m[key] {
		w.dirty.Store(true)
	}
}

// dbWatchers returns (appended to out) the watchers of database db that a
// FLUSHDB of db (other < 0) or a SWAPDB of db with other invalidates, as
// Redis 7's touchAllWatchedKeysInDb decides: only watched keys present in
// db or in other count (a FLUSHALL does not abort a transaction that
// watched a key that did not exist); a key that was already expired when
// watched changes nothing when it goes or when an expired one replaces
// it, and neither does a missing key replaced by an expired one. Call it
// before the change; the caller holds every stripe of db and of other.
func (b *branch) dbWatchers(db, other int, now int64, out []*Watcher) []*Watcher {
	for i := 0; i < keyspace.NumShards; i++ {
		for key, ws := range b.watched[db*keyspace.NumShards+i] {
			inDB := b.ks.Get(db, key) != nil
			var inOther *keyspace.Entry
			if other >= 0 {
				inOther = b.ks.Get(other, key)
			}
			if !inDB && inOther == nil {
				continue
			}
			for _, w := range ws {
				if w.expiredWhenWatched(db, key) {
					if inOther == nil || inOther.Expired(now) {
						continue
					}
				} else if !inDB && inOther.Expired(now) {
					continue
				}
				out = append(out, w)
			}
		}
	}
	return out
}

// expiredWhenWatched reports whether w watched (db, key) while the key was
// logically expired.
func (w *Watcher) expiredWhenWatched(db int, key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, wk := range w.keys {
		if wk.db == db && wk.key == key {
			return wk.expired
		}
	}
	return false
}

// touchWatchers marks ws dirty.
func touchWatchers(ws []*Watcher) {
	for _, w := range ws {
		w.dirty.Store(true)
	}
}

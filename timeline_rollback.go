package potato

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"rustypotato/internal/keyspace"
)

// Reconstruction of the past from the timeline: the state of a branch
// after a given seq is its live state with the newer entries undone,
// newest first, on scratch copies (the live keyspace is not touched).
// RollbackTo then writes the differences through the one mutation path;
// History reads one key's values on the way.
//
// Each database's past contents are kept as a base chain of layers (at
// first the live database's own chain) plus the keys whose past value
// differs from the base's view (over). Undoing a FLUSHDB makes the
// flushed contents the base and forgets over (before the flush the
// database was exactly them); undoing a SWAPDB exchanges two databases'
// states.

// pastDB is one database's contents at the reconstruction's point.
type pastDB struct {
	base *keyspace.Layer // the chain whose view the contents are, but for over
	live int             // the live database whose chain base is; -1 for flushed contents
	over map[string]*keyspace.Entry
}

// past is a reconstruction in progress. Its caller holds the stripes of
// every key it may read (all of them, for a rollback).
type past struct {
	ks   *keyspace.Keyspace
	dbs  [NumDBs]pastDB
	only string // when set, only this key (in any database) is followed
	one  bool
}

func newPast(ks *keyspace.Keyspace) *past {
	p := &past{ks: ks}
	for i := range p.dbs {
		p.dbs[i] = pastDB{base: ks.Top(i), live: i, over: map[string]*keyspace.Entry{}}
	}
	return p
}

// scratch returns the past value of key in database db as a copy that
// undo may modify (nil when the key is absent).
func (p *past) scratch(db int, key string) *keyspace.Entry {
	s := &p.dbs[db]
	if e, ok := s.over[key]; ok {
		return e
	}
	e := keyspace.ViewGet(s.base, key)
	if e == nil || e.Kind == keyspace.KindTombstone {
		return nil
	}
	return p.copyOf(s, key, e)
}

// copyOf returns a copy of e, read from s's base, whose value may be
// modified without changing e.
func (p *past) copyOf(s *pastDB, key string, e *keyspace.Entry) *keyspace.Entry {
	if s.live >= 0 && p.ks.Top(s.live).Lookup(key) == e {
		// A live entry of a top layer, written in place by later
		// commands: Clone marks both copies shared (the caller holds its
		// stripe for writing).
		return e.Clone()
	}
	// Frozen (a parent layer, or contents detached by FLUSHDB).
	return e.CloneFrozen()
}

// undo takes the reconstruction back over te. It reports an error when
// the timeline does not fit the state (a bug, never expected).
func (p *past) undo(te *TimelineEntry) error {
	if len(te.Edits) == 1 {
		switch ed := &te.Edits[0]; ed.Kind {
		case EditFlushDB:
			p.dbs[te.DB] = pastDB{base: ed.flushed.Old(), live: -1, over: map[string]*keyspace.Entry{}}
			return nil
		case EditSwapDB:
			p.dbs[te.DB], p.dbs[ed.Index] = p.dbs[ed.Index], p.dbs[te.DB]
			return nil
		}
	}
	if p.one && te.Key != p.only {
		return nil
	}
	cur := p.scratch(te.DB, te.Key)
	for j := len(te.Edits) - 1; j >= 0; j-- {
		ed := &te.Edits[j]
		switch ed.Kind {
		case EditSet, EditDel:
			cur = nil
			if ed.prev != nil {
				cur = ed.prev.CloneFrozen()
				cur.ExpireAt = ed.PrevDeadline
				cur.CopiedUp = false
			}
		case EditExpire:
			if cur != nil {
				cur.ExpireAt = ed.PrevDeadline
			}
		default:
			if !undoFits(cur, ed) {
				return fmt.Errorf("potato: timeline entry %d (%s of %q in db %d, edit %v) does not fit the value it undoes", te.Seq, te.Op, te.Key, te.DB, ed.Kind)
			}
			undoValue(cur, ed)
		}
	}
	p.dbs[te.DB].over[te.Key] = cur
	return nil
}

// undoFits reports whether a container edit can be undone on e: the
// value has the edit's type (and, for a list push, the element).
func undoFits(e *keyspace.Entry, ed *Edit) bool {
	if e == nil {
		return false
	}
	switch ed.Kind {
	case EditHSet, EditHDel, EditHConvert:
		return e.Kind == keyspace.KindHash
	case EditLPush, EditRPush, EditLSet, EditLInsert:
		return e.Kind == keyspace.KindList && e.List.Len() > 0
	case EditLPop, EditRPop, EditLRemove:
		return e.Kind == keyspace.KindList
	case EditSAdd:
		return e.Kind == keyspace.KindSet && e.Set.Has(ed.Field)
	case EditSRem, EditSConvert:
		return e.Kind == keyspace.KindSet
	case EditZSet:
		if e.Kind != keyspace.KindZSet {
			return false
		}
		_, ok := e.ZSet.Score(ed.Field)
		return ok
	case EditZDel, EditZConvert:
		return e.Kind == keyspace.KindZSet
	}
	return true
}

// value returns the reconstructed value of key in database db, nil when
// absent (or past its deadline at now). It must not be modified.
func (p *past) value(db int, key string, now int64) *keyspace.Entry {
	s := &p.dbs[db]
	e, ok := s.over[key]
	if !ok {
		e = keyspace.ViewGet(s.base, key)
		if e != nil && e.Kind == keyspace.KindTombstone {
			e = nil
		}
	}
	if e != nil && e.Expired(now) {
		return nil
	}
	return e
}

// chainKeys calls fn for every key visible in the view of the chain from
// l down (tombstones hide the keys below them).
func chainKeys(l *keyspace.Layer, fn func(key string, e *keyspace.Entry)) {
	seen := map[string]bool{}
	for ; l != nil; l = l.Parent() {
		l.Entries(func(key string, e *keyspace.Entry) bool {
			if !seen[key] {
				seen[key] = true
				if e.Kind != keyspace.KindTombstone {
					fn(key, e)
				}
			}
			return true
		})
	}
}

// RollbackChange is one key that a rollback changes (or, dry, would).
type RollbackChange struct {
	DB  int
	Key string
	// Action is "restore" (the key gets its old value back, created if
	// it was gone) or "del" (the key did not exist then).
	Action string
	Type   string // the type the key gets back ("none" for del)
}

// RollbackArgs says where RollbackToArgs goes.
type RollbackArgs struct {
	// Seq is the point to return to: the state right after the mutation
	// with this seq. Zero with Time set means "by time".
	Seq uint64
	// Time, when Seq is 0, is the point to return to: the state after the
	// last mutation at or before it.
	Time time.Time
	// DryRun computes the changes without making them.
	DryRun bool
}

// RollbackResult is what a rollback did.
type RollbackResult struct {
	To      uint64 // the seq returned to
	Undone  int    // timeline entries undone
	Changes []RollbackChange
}

// RollbackTo undoes every mutation of this handle's branch newer than seq
// (in every database), as one atomic step. See RollbackToArgs.
func (d *DB) RollbackTo(seq uint64) (RollbackResult, error) {
	return d.RollbackToArgs(RollbackArgs{Seq: seq})
}

// RollbackToArgs returns this handle's branch to its state right after
// the mutation a.Seq (or the last one at or before a.Time): every newer
// mutation, in every database, is undone newest first, in one
// transaction that locks the whole branch. The rollback is itself a set
// of mutations (ops "restore" and "del", command "rollback") on the
// timeline, so it can be rolled back in turn; persistence, keyspace
// events, WATCH and change feeds see it like any other write. Deadlines
// are absolute: a key whose old deadline has passed since stays gone.
//
// A point older than the timeline keeps returns an error wrapping
// ErrTimelineTrimmed that names the oldest one it can return to; a point
// in the future (a seq the branch has not reached) is ErrInvalidArgument.
func (d *DB) RollbackToArgs(a RollbackArgs) (RollbackResult, error) {
	var res RollbackResult
	err := d.c.run(d.br, d.db, true, nil, func(tx *Tx) error {
		res = RollbackResult{}
		return tx.rollbackTo(a, &res)
	})
	return res, err
}

// RollbackTo is DB.RollbackToArgs inside a transaction: it takes the
// locks of the whole branch, so it is best the transaction's first step.
func (tx *Tx) RollbackTo(a RollbackArgs) (RollbackResult, error) {
	var res RollbackResult
	err := tx.rollbackTo(a, &res)
	return res, err
}

func (tx *Tx) rollbackTo(a RollbackArgs, res *RollbackResult) error {
	tx.mustWrite()
	for db := 0; db < NumDBs; db++ {
		tx.lockDB(db)
	}
	tl := tx.br.tl.Load()
	if tl == nil {
		return ErrTimelineOff
	}
	last := tx.br.seq.Load()
	oldest := tl.oldest()
	to := a.Seq
	all := tl.newerThan(oldest)
	if to == 0 && !a.Time.IsZero() {
		to = oldest
		found := false
		for _, te := range all {
			if te.Time.After(a.Time) {
				break
			}
			to, found = te.Seq, true
		}
		if !found && oldest > 0 {
			// Whether the state at oldest already held at that time is
			// not known: the entry that made it is gone.
			return fmt.Errorf("%w: no retained change at or before %d ms (the oldest retained seq is %d)", ErrTimelineTrimmed, a.Time.UnixMilli(), oldest)
		}
	}
	switch {
	case to > last:
		return fmt.Errorf("%w: ERR seq %d is ahead of the branch's last seq %d", ErrInvalidArgument, to, last)
	case to < oldest:
		return fmt.Errorf("%w: %d is older than the oldest retained seq %d", ErrTimelineTrimmed, to, oldest)
	}
	res.To = to
	p := newPast(tx.ks)
	for i := len(all) - 1; i >= 0 && all[i].Seq > to; i-- {
		if err := p.undo(all[i]); err != nil {
			return err
		}
		res.Undone++
	}
	type write struct {
		db   int
		key  string
		want *keyspace.Entry // nil: delete
	}
	var writes []write
	for db := range p.dbs {
		s := &p.dbs[db]
		consider := func(key string) {
			want := p.value(db, key, tx.nowMs)
			have := liveView(tx.ks, db, key, tx.nowMs)
			if sameValue(want, have) {
				return
			}
			writes = append(writes, write{db: db, key: key, want: want})
		}
		if s.live == db {
			for key := range s.over {
				consider(key)
			}
			continue
		}
		// The contents come from elsewhere (flushed, or another
		// database): compare every key of both sides.
		seen := map[string]bool{}
		chainKeys(tx.ks.Top(db), func(key string, _ *keyspace.Entry) {
			seen[key] = true
			consider(key)
		})
		chainKeys(s.base, func(key string, _ *keyspace.Entry) {
			if !seen[key] {
				seen[key] = true
				consider(key)
			}
		})
		for key := range s.over {
			if !seen[key] {
				consider(key)
			}
		}
	}
	slices.SortFunc(writes, func(a, b write) int {
		if a.db != b.db {
			return a.db - b.db
		}
		return strings.Compare(a.key, b.key)
	})
	// Every target is copied before the first write: a write to one
	// database changes what another's base reads.
	for i := range writes {
		w := &writes[i]
		ch := RollbackChange{DB: w.db, Key: w.key, Action: "del", Type: "none"}
		if w.want != nil {
			ch.Action, ch.Type = "restore", typeName(w.want.Kind)
			if !a.DryRun {
				src := &p.dbs[w.db]
				if e, ok := src.over[w.key]; ok && e == w.want {
					w.want.CopiedUp = false
				} else {
					w.want = p.copyOf(src, w.key, w.want)
				}
			}
		}
		res.Changes = append(res.Changes, ch)
	}
	if a.DryRun {
		return nil
	}
	cur, origin := tx.db, tx.origin
	defer func() { tx.db, tx.origin = cur, origin }()
	if tx.origin.Cmd == "" {
		tx.origin.Cmd = "rollback"
	}
	for _, w := range writes {
		tx.db = w.db
		if w.want == nil {
			tx.del(w.key, "del")
			continue
		}
		e := w.want
		e.Version = 0
		tx.put(w.key, "restore", e)
	}
	return nil
}

// HistoryEntry is one past value of a key (DB.History): the value the key
// held right after the change with this seq.
type HistoryEntry struct {
	Seq    uint64
	Time   time.Time
	Op     string // the change's keyspace-event name
	Origin Origin
	// Type is the type after the change ("none" if the key was gone).
	Type string
	// Value is a string's value or a JSON document's text.
	Value []byte
	// Items is a hash's fields and values (field, value, ...), a list's
	// elements in their order, a set's members (sorted), or a sorted set's
	// members and scores (member, score, ...) by score.
	Items [][]byte
	// ExpireAt is the key's deadline after the change (zero: none).
	ExpireAt time.Time
}

// History returns the past values of key in this handle's database,
// newest first, up to count of them (count <= 0: all the timeline keeps):
// for each change to the key — including FLUSHDB, SWAPDB and expiry —
// what GET (or HGETALL, LRANGE ...) would have returned right after it.
func (d *DB) History(key string, count int) ([]HistoryEntry, error) {
	var out []HistoryEntry
	err := d.c.run(d.br, d.db, true, nil, func(tx *Tx) error {
		out = nil
		for db := 0; db < NumDBs; db++ {
			tx.lockKey(db, key)
		}
		tl := tx.br.tl.Load()
		if tl == nil {
			return ErrTimelineOff
		}
		all := tl.newerThan(tl.oldest())
		p := newPast(tx.ks)
		p.only, p.one = key, true
		for i := len(all) - 1; i >= 0; i-- {
			te := all[i]
			// Every entry is undone (the key in other databases comes
			// here by SWAPDB); only those that changed this database's
			// key are listed.
			mine := te.DB == tx.db && te.Key == key
			wide := te.Key == "" && len(te.Edits) == 1 && (te.DB == tx.db ||
				te.Edits[0].Kind == EditSwapDB && te.Edits[0].Index == tx.db)
			after := p.value(tx.db, key, 0)
			he := historyOf(te, after)
			if err := p.undo(te); err != nil {
				return err
			}
			if !mine && !(wide && !sameValue(after, p.value(tx.db, key, 0))) {
				continue // another key, or a FLUSHDB/SWAPDB that left this one as it was
			}
			out = append(out, he)
			if count > 0 && len(out) >= count {
				break
			}
		}
		return nil
	})
	return out, err
}

// historyOf renders the value e (nil: absent) held after te.
func historyOf(te *TimelineEntry, e *keyspace.Entry) HistoryEntry {
	he := HistoryEntry{Seq: te.Seq, Time: te.Time, Op: te.Op, Origin: te.Origin, Type: "none"}
	if e == nil {
		return he
	}
	he.Type = typeName(e.Kind)
	if e.ExpireAt != 0 {
		he.ExpireAt = time.UnixMilli(e.ExpireAt)
	}
	he.Value, he.Items = renderValue(e)
	return he
}

// renderValue returns a value's contents as bytes: a string or JSON
// text, or a container's items in order (copies, safe to keep).
func renderValue(e *keyspace.Entry) (str []byte, items [][]byte) {
	switch e.Kind {
	case keyspace.KindString, keyspace.KindJSON:
		return append([]byte{}, e.Str...), nil
	case keyspace.KindHash:
		items = make([][]byte, 0, 2*e.Hash.Len())
		e.Hash.All(func(f keyspace.HashField) bool {
			items = append(items, []byte(f.Name), append([]byte{}, f.Value...))
			return true
		})
	case keyspace.KindList:
		items = make([][]byte, 0, e.List.Len())
		e.List.Range(0, e.List.Len(), func(_ int, v []byte) bool {
			items = append(items, append([]byte{}, v...))
			return true
		})
	case keyspace.KindSet:
		// Members sorted: a set's order is not part of its value.
		ms := make([]string, 0, e.Set.Len())
		e.Set.All(func(m string) bool { ms = append(ms, m); return true })
		slices.Sort(ms)
		items = make([][]byte, len(ms))
		for i, m := range ms {
			items[i] = []byte(m)
		}
	case keyspace.KindZSet:
		items = make([][]byte, 0, 2*e.ZSet.Len())
		e.ZSet.All(func(m keyspace.ZMember) bool {
			items = append(items, []byte(m.Member), strconv.AppendFloat(nil, m.Score, 'g', 17, 64))
			return true
		})
	default:
		items = [][]byte{[]byte("<" + strconv.Itoa(int(e.Kind)) + ">")}
	}
	return nil, items
}

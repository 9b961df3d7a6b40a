package potato

import (
	"bytes"
	"fmt"
	"iter"
	"math"
	"slices"

	"rustypotato/internal/keyspace"
)

// This file compares and merges branches. Both work from layers: the keys
// that can differ between two branches are those stored in the layers
// each has above their common (frozen) ancestor layer, so the cost is
// proportional to what changed since the fork, not to the data. A branch
// whose database was flushed since no longer shares an ancestor there:
// its whole database is compared.

// DiffKind says how a key differs from one branch to the other.
type DiffKind uint8

// The kinds of difference, from branch a to branch b of DB.Diff.
const (
	DiffAdded   DiffKind = iota + 1 // in b, not in a
	DiffRemoved                     // in a, not in b
	DiffChanged                     // in both, with another value, type or deadline
)

// String returns "added", "removed" or "changed".
func (k DiffKind) String() string {
	switch k {
	case DiffAdded:
		return "added"
	case DiffRemoved:
		return "removed"
	case DiffChanged:
		return "changed"
	}
	return fmt.Sprintf("DiffKind(%d)", uint8(k))
}

// DiffEntry is one key that differs between two branches.
type DiffEntry struct {
	DB   int
	Key  string
	Kind DiffKind
	// Type is the key's type in b (in a when removed), as TYPE names it.
	Type string
	// Fields lists, for a hash changed in both, the fields that differ
	// (added, removed or changed), sorted (for a sorted set, the members
	// added, removed or rescored); Paths, for a JSON document,
	// the JSONPaths that differ.
	Fields []string
	Paths  []string
	// TTLChanged is set when the deadline differs.
	TTLChanged bool
}

// DiffArgs configures Diff.
type DiffArgs struct {
	// Match keeps keys matching this glob pattern (Redis rules); empty
	// means all.
	Match string
	// Count stops after this many entries; 0 means no limit.
	Count int
	// AllDBs compares every numbered database, not just the handle's.
	AllDBs bool
}

// Diff returns the keys that differ between branches a and b, in the
// handle's database (every database with AllDBs), ordered by database
// and key. It costs time proportional to the keys written on either
// branch since their fork. The comparison is one consistent view of both
// branches, taken when the iteration starts. It yields ErrNoBranch for a
// branch that does not exist.
func (d *DB) Diff(a, b string, args DiffArgs) iter.Seq2[DiffEntry, error] {
	return func(yield func(DiffEntry, error) bool) {
		out, err := d.diff(a, b, args)
		if err != nil {
			yield(DiffEntry{}, err)
			return
		}
		for _, e := range out {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func (d *DB) diff(a, b string, args DiffArgs) ([]DiffEntry, error) {
	c := d.c
	if c.closed.Load() {
		return nil, ErrClosed
	}
	c.brs.mu.RLock()
	defer c.brs.mu.RUnlock()
	ba, bb := c.brs.m[a], c.brs.m[b]
	if ba == nil || ba.hidden {
		return nil, fmt.Errorf("%w '%s'", ErrNoBranch, a)
	}
	if bb == nil || bb.hidden {
		return nil, fmt.Errorf("%w '%s'", ErrNoBranch, b)
	}
	dbs := []int{d.db}
	if args.AllDBs {
		dbs = dbs[:0]
		for i := 0; i < NumDBs; i++ {
			dbs = append(dbs, i)
		}
	}
	now := c.nowMs()
	var out []DiffEntry
	for _, db := range dbs {
		unlock := lockTwo(ba, bb, db, false)
		keys := changedKeys(ba.ks, bb.ks, db)
		for _, k := range keys {
			if args.Match != "" && args.Match != "*" && !keyspace.Match(args.Match, k, false) {
				continue
			}
			va, vb := liveView(ba.ks, db, k, now), liveView(bb.ks, db, k, now)
			if de, ok := diffEntries(va, vb); ok {
				de.DB, de.Key = db, k
				out = append(out, de)
				if args.Count > 0 && len(out) >= args.Count {
					unlock()
					return out, nil
				}
			}
		}
		unlock()
	}
	return out, nil
}

// lockTwo locks database db of branches a and b (the same branch once),
// in branch order, shared or exclusive, and returns the unlock.
func lockTwo(a, b *branch, db int, write bool) func() {
	brs := []*branch{a, b}
	if a == b {
		brs = brs[:1]
	} else if b.id < a.id {
		brs[0], brs[1] = b, a
	}
	for _, br := range brs {
		for i := 0; i < keyspace.NumShards; i++ {
			s := keyspace.Stripe(db*keyspace.NumShards + i)
			if write {
				br.ks.Lock(s)
			} else {
				br.ks.RLock(s)
			}
		}
	}
	return func() {
		for j := len(brs) - 1; j >= 0; j-- {
			for i := keyspace.NumShards - 1; i >= 0; i-- {
				s := keyspace.Stripe(db*keyspace.NumShards + i)
				if write {
					brs[j].ks.Unlock(s)
				} else {
					brs[j].ks.RUnlock(s)
				}
			}
		}
	}
}

// commonLayer returns the first layer of database db's chain in a that is
// also in b's, nil if none.
func commonLayer(a, b *keyspace.Keyspace, db int) *keyspace.Layer {
	in := map[*keyspace.Layer]bool{}
	for l := b.Top(db); l != nil; l = l.Parent() {
		in[l] = true
	}
	for l := a.Top(db); l != nil; l = l.Parent() {
		if in[l] {
			return l
		}
	}
	return nil
}

// changedKeys returns, sorted, the keys stored (or deleted) in the layers
// of a and b above their common layer in database db: the only keys
// whose values can differ. The caller holds db in both.
func changedKeys(a, b *keyspace.Keyspace, db int) []string {
	common := commonLayer(a, b, db)
	set := map[string]struct{}{}
	for _, ks := range []*keyspace.Keyspace{a, b} {
		for l := ks.Top(db); l != nil && l != common; l = l.Parent() {
			l.Entries(func(k string, _ *keyspace.Entry) bool {
				set[k] = struct{}{}
				return true
			})
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// liveView returns key's entry in database db of ks, nil if absent or
// past its deadline at now.
func liveView(ks *keyspace.Keyspace, db int, key string, now int64) *keyspace.Entry {
	e := ks.Get(db, key)
	if e == nil || e.Expired(now) {
		return nil
	}
	return e
}

// sameValue reports whether two entries hold equal values and deadlines
// (nil equals nil).
func sameValue(a, b *keyspace.Entry) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a == b {
		return true
	}
	if a.Kind != b.Kind || a.ExpireAt != b.ExpireAt {
		return false
	}
	switch a.Kind {
	case keyspace.KindString, keyspace.KindJSON:
		return bytes.Equal(a.Str, b.Str)
	case keyspace.KindHash:
		if a.Hash.Len() != b.Hash.Len() {
			return false
		}
		same := true
		a.Hash.All(func(f keyspace.HashField) bool {
			v, ok := b.Hash.Get(f.Name)
			same = ok && bytes.Equal(v, f.Value)
			return same
		})
		return same
	case keyspace.KindZSet:
		if a.ZSet.Len() != b.ZSet.Len() {
			return false
		}
		same := true
		a.ZSet.All(func(m keyspace.ZMember) bool {
			s, ok := b.ZSet.Score(m.Member)
			same = ok && s == m.Score && math.Signbit(s) == math.Signbit(m.Score)
			return same
		})
		return same
	case keyspace.KindList:
		if a.List.Len() != b.List.Len() {
			return false
		}
		same := true
		a.List.Range(0, a.List.Len(), func(i int, v []byte) bool {
			same = bytes.Equal(v, b.List.Index(i))
			return same
		})
		return same
	case keyspace.KindSet:
		return sameSet(a.Set, b.Set) // set.go
	}
	return false
}

// diffEntries compares a key's entries on two branches.
func diffEntries(a, b *keyspace.Entry) (DiffEntry, bool) {
	switch {
	case a == nil && b == nil:
		return DiffEntry{}, false
	case a == nil:
		return DiffEntry{Kind: DiffAdded, Type: typeName(b.Kind)}, true
	case b == nil:
		return DiffEntry{Kind: DiffRemoved, Type: typeName(a.Kind)}, true
	case sameValue(a, b):
		return DiffEntry{}, false
	}
	de := DiffEntry{Kind: DiffChanged, Type: typeName(b.Kind), TTLChanged: a.ExpireAt != b.ExpireAt}
	if a.Kind == b.Kind {
		switch a.Kind {
		case keyspace.KindHash:
			de.Fields = hashFieldDiff(a.Hash, b.Hash)
		case keyspace.KindSet:
			de.Fields = setMemberDiff(a.Set, b.Set) // set.go
		case keyspace.KindZSet:
			de.Fields = zsetMemberDiff(a.ZSet, b.ZSet) // zset.go
		case keyspace.KindJSON:
			de.Paths = diffJSONPaths(a.Str, b.Str)
		}
	}
	return de, true
}

// hashFieldDiff returns the fields that differ between two hashes, sorted.
func hashFieldDiff(a, b *keyspace.Hash) []string {
	var out []string
	a.All(func(f keyspace.HashField) bool {
		if v, ok := b.Get(f.Name); !ok || !bytes.Equal(v, f.Value) {
			out = append(out, f.Name)
		}
		return true
	})
	b.All(func(f keyspace.HashField) bool {
		if _, ok := a.Get(f.Name); !ok {
			out = append(out, f.Name)
		}
		return true
	})
	slices.Sort(out)
	return out
}

// OnConflict says what Merge does with a key both branches changed in
// different ways.
type OnConflict uint8

// The conflict policies.
const (
	// ConflictFail merges nothing when there is any conflict (default).
	ConflictFail OnConflict = iota
	// ConflictOurs keeps the target's value of a conflicting key (or
	// field) and merges the rest.
	ConflictOurs
	// ConflictTheirs takes the source's value of a conflicting key (or
	// field) and merges the rest.
	ConflictTheirs
)

// String returns fail, ours or theirs.
func (o OnConflict) String() string {
	switch o {
	case ConflictFail:
		return "fail"
	case ConflictOurs:
		return "ours"
	case ConflictTheirs:
		return "theirs"
	}
	return fmt.Sprintf("OnConflict(%d)", uint8(o))
}

// ParseOnConflict parses fail, ours or theirs (any case).
func ParseOnConflict(s string) (OnConflict, error) {
	switch {
	case equalFold(s, "fail"):
		return ConflictFail, nil
	case equalFold(s, "ours"):
		return ConflictOurs, nil
	case equalFold(s, "theirs"):
		return ConflictTheirs, nil
	}
	return 0, fmt.Errorf("%w: ERR ON-CONFLICT must be 'fail', 'ours' or 'theirs'", ErrInvalidArgument)
}

// MergeArgs configures Merge.
type MergeArgs struct {
	OnConflict OnConflict
}

// MergeConflict is a key both branches changed in ways that do not merge.
type MergeConflict struct {
	DB  int
	Key string
	// Fields lists the conflicting fields of a hash merged field by
	// field, Paths the conflicting JSONPaths of a JSON document; both
	// are empty when the key conflicts as a whole.
	Fields []string
	Paths  []string
}

// MergeResult is what Merge did.
type MergeResult struct {
	// Merged counts the keys of the target that the merge changed.
	Merged int
	// Conflicts lists the conflicts met, sorted by database and key
	// (with ConflictFail nothing was merged if it is not empty).
	Conflicts []MergeConflict
}

// Merge merges branch src into branch dst, three-way from their common
// ancestor: a key changed on one side only takes that side's value (or
// deletion); a key changed on both sides alike stays; a hash changed on
// both sides merges field by field, and a JSON document path by path; any
// other key changed on both sides is a conflict, settled by
// a.OnConflict. It writes dst's changes in one transaction through the
// mutation path (one "merge" event per key, or hset/hdel per hash field)
// and changes nothing of src. All sixteen databases are merged.
func (d *DB) Merge(src, dst string, a MergeArgs) (MergeResult, error) {
	c := d.c
	if c.closed.Load() {
		return MergeResult{}, ErrClosed
	}
	// Merges, forks and deletions take the branch table exclusively, so
	// two merges never lock two branches in opposite orders.
	c.brs.mu.Lock()
	defer c.brs.mu.Unlock()
	bs, bd := c.brs.m[src], c.brs.m[dst]
	if bs == nil || bs.hidden {
		return MergeResult{}, fmt.Errorf("%w '%s'", ErrNoBranch, src)
	}
	if bd == nil || bd.hidden {
		return MergeResult{}, fmt.Errorf("%w '%s'", ErrNoBranch, dst)
	}
	if bs == bd {
		return MergeResult{}, fmt.Errorf("%w: ERR cannot merge a branch into itself", ErrInvalidArgument)
	}
	// The source is held for writing: copying a value out of its top
	// layer retags it (see keyspace.Entry.Clone).
	bs.ks.LockAll()
	defer bs.ks.UnlockAll()
	var res MergeResult
	err := c.run(bd, 0, true, nil, func(tx *Tx) error {
		res = MergeResult{}
		for db := 0; db < NumDBs; db++ {
			tx.lockDB(db)
			tx.db = db
			if err := tx.mergeDB(bs, db, a.OnConflict, &res); err != nil {
				return err
			}
		}
		if len(res.Conflicts) > 0 && a.OnConflict == ConflictFail {
			return errMergeConflict
		}
		return nil
	})
	if err == errMergeConflict {
		res.Merged = 0
		return res, nil
	}
	return res, err
}

var errMergeConflict = fmt.Errorf("%w: merge conflict", ErrInvalidArgument)

// mergeDB merges database db of branch src into the transaction's branch.
func (tx *Tx) mergeDB(src *branch, db int, policy OnConflict, res *MergeResult) error {
	dks, sks := tx.ks, src.ks
	common := commonLayer(sks, dks, db)
	now := tx.nowMs
	for _, k := range changedKeys(sks, dks, db) {
		base := (*keyspace.Entry)(nil)
		if common != nil {
			if base = keyspace.ViewGet(common, k); base != nil && base.Expired(now) {
				base = nil
			}
		}
		theirs, ours := liveView(sks, db, k, now), liveView(dks, db, k, now)
		switch {
		case sameValue(theirs, base), sameValue(theirs, ours):
			continue // nothing to bring over
		case sameValue(ours, base):
			tx.mergeTake(src, k, theirs)
			res.Merged++
			continue
		}
		// Both changed, differently.
		if ours != nil && theirs != nil && ours.Kind == theirs.Kind && ours.ExpireAt == theirs.ExpireAt &&
			(base == nil || base.Kind == ours.Kind) {
			switch ours.Kind {
			case keyspace.KindSet:
				if tx.mergeSet(k, base, ours, theirs) { // set.go
					res.Merged++
				}
				continue
			case keyspace.KindZSet:
				conf, changed := tx.mergeZSet(k, base, ours, theirs, policy) // zset.go
				if len(conf) > 0 {
					res.Conflicts = append(res.Conflicts, MergeConflict{DB: db, Key: k, Fields: conf})
				}
				if changed {
					res.Merged++
				}
				continue
			case keyspace.KindHash:
				conf, changed := tx.mergeHash(k, base, ours, theirs, policy)
				if len(conf) > 0 {
					res.Conflicts = append(res.Conflicts, MergeConflict{DB: db, Key: k, Fields: conf})
				}
				if changed {
					res.Merged++
				}
				continue
			case keyspace.KindJSON:
				var bdoc []byte
				if base != nil {
					bdoc = base.Str
				}
				merged, conf, err := mergeJSON3(jsonOrEmpty(bdoc, ours.Str), ours.Str, theirs.Str)
				if err == nil && (len(conf) == 0 || policy != ConflictFail) {
					if len(conf) > 0 {
						res.Conflicts = append(res.Conflicts, MergeConflict{DB: db, Key: k, Paths: conf})
						if policy == ConflictOurs {
							continue
						}
						merged = theirs.Str
					}
					if !bytes.Equal(merged, ours.Str) {
						e := &keyspace.Entry{Kind: keyspace.KindJSON, Str: merged, ExpireAt: ours.ExpireAt}
						tx.put(k, "merge", e)
						res.Merged++
					}
					continue
				}
				if err == nil {
					res.Conflicts = append(res.Conflicts, MergeConflict{DB: db, Key: k, Paths: conf})
					continue
				}
			}
		}
		res.Conflicts = append(res.Conflicts, MergeConflict{DB: db, Key: k})
		if policy == ConflictTheirs {
			tx.mergeTake(src, k, theirs)
			res.Merged++
		}
	}
	return nil
}

// jsonOrEmpty returns base, or, when the key did not exist at the fork,
// the empty document of ours' kind, so a document created on both sides
// still merges path by path.
func jsonOrEmpty(base, ours []byte) []byte {
	if base != nil {
		return base
	}
	if t := bytes.TrimLeft(ours, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return []byte("[]")
	}
	return []byte("{}")
}

// mergeTake makes key in the transaction's database hold src's value
// theirs (nil: deleted).
func (tx *Tx) mergeTake(src *branch, key string, theirs *keyspace.Entry) {
	tx.lookup(key) // removes an expired entry, with its event
	if theirs == nil {
		tx.del(key, "del")
		return
	}
	var c *keyspace.Entry
	if src.ks.InTop(tx.db, key, theirs) {
		c = theirs.Clone()
	} else {
		c = theirs.CloneFrozen()
	}
	tx.put(key, "merge", c)
	tx.markIfList(c, key)
}

// mergeHash merges hash key field by field from base into ours (the
// transaction's) with theirs, and returns the conflicting fields and
// whether ours changed.
func (tx *Tx) mergeHash(key string, base, ours, theirs *keyspace.Entry, policy OnConflict) (conflicts []string, changed bool) {
	fields := map[string]struct{}{}
	for _, e := range []*keyspace.Entry{base, ours, theirs} {
		if e == nil {
			continue
		}
		e.Hash.All(func(f keyspace.HashField) bool {
			fields[f.Name] = struct{}{}
			return true
		})
	}
	get := func(e *keyspace.Entry, f string) ([]byte, bool) {
		if e == nil {
			return nil, false
		}
		return e.Hash.Get(f)
	}
	same := func(a []byte, aok bool, b []byte, bok bool) bool {
		return aok == bok && bytes.Equal(a, b)
	}
	type set struct {
		f   string
		v   []byte
		del bool
	}
	var plan []set
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	slices.Sort(names)
	for _, f := range names {
		bv, bok := get(base, f)
		ov, ook := get(ours, f)
		tv, tok := get(theirs, f)
		switch {
		case same(tv, tok, bv, bok), same(tv, tok, ov, ook):
		case same(ov, ook, bv, bok):
			plan = append(plan, set{f, tv, !tok})
		default:
			conflicts = append(conflicts, f)
			if policy == ConflictTheirs {
				plan = append(plan, set{f, tv, !tok})
			}
		}
	}
	if len(conflicts) > 0 && policy == ConflictFail {
		return conflicts, false
	}
	if len(plan) == 0 {
		return conflicts, false
	}
	e := tx.lookupW(key)
	for _, p := range plan {
		if p.del {
			tx.hdel(key, "hdel", e, p.f)
		} else {
			tx.hset(key, "hset", e, p.f, p.v)
		}
	}
	if e.Hash.Len() == 0 {
		tx.del(key, "del")
	}
	return conflicts, true
}

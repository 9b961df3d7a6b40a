package potato

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato/internal/keyspace"
)

// MainBranch is the name of the branch every store has, which Open's handle
// works on.
const MainBranch = "main"

// branch is one branch of the store: its keyspace (a chain of layers per
// database, see package keyspace) and the per-key state that lives beside
// the data: WATCH registrations, blocked clients, the sequence of
// mutations.
type branch struct {
	name string
	ks   *keyspace.Keyspace
	seq  atomic.Uint64 // seq of the branch's last mutation

	// watched[s] maps keys of stripe s to the watchers of those keys;
	// guarded by stripe s's lock (written under the write lock).
	watched [keyspace.NumDBs * keyspace.NumShards]map[string][]*Watcher
	blocked blockedRegistry

	// The fork point, as BRANCH LIST shows it.
	parent     string
	createdSeq uint64
	created    time.Time

	// id names the branch in the data directory (0 for main).
	id uint64
	// hidden marks an internal branch (a pin for SnapshotExport): not
	// listed, not forked from, not expired (it must not change).
	hidden bool
	// deleted is set when the branch is deleted; handles on it then
	// fail with ErrNoBranch, and gone is closed (waking blocked clients).
	deleted atomic.Bool
	gone    chan struct{}

	// tl is the branch's timeline (nil when the timeline is off).
	tl atomic.Pointer[timeline]
}

func newBranch(name string, ks *keyspace.Keyspace) *branch {
	return &branch{name: name, ks: ks, gone: make(chan struct{})}
}

// branches is the store's table of branches.
type branches struct {
	// mu guards m and the fork structure (which layers are shared):
	// held shared by commands that look a branch up, exclusively by
	// CreateBranch, DeleteBranch and the background fold.
	mu      sync.RWMutex
	m       map[string]*branch
	nextID  uint64
	hiddenN uint64
}

// lookupBranch returns the branch named name.
func (c *core) lookupBranch(name string) (*branch, error) {
	c.brs.mu.RLock()
	b := c.brs.m[name]
	c.brs.mu.RUnlock()
	if b == nil || b.hidden {
		return nil, fmt.Errorf("%w '%s'", ErrNoBranch, name)
	}
	return b, nil
}

// validBranchName reports whether name is a valid branch name:
// [A-Za-z0-9._/-]{1,64}, not starting with hiddenPrefix.
func validBranchName(name string) bool {
	if len(name) == 0 || len(name) > 64 || strings.HasPrefix(name, hiddenPrefix) {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch ch := name[i]; {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9',
			ch == '.', ch == '_', ch == '/', ch == '-':
		default:
			return false
		}
	}
	return true
}

// BranchName returns the name of the branch this handle works on.
func (d *DB) BranchName() string { return d.br.name }

// Branch returns a handle on the same numbered database of branch name.
// It returns ErrNoBranch if there is no such branch.
func (d *DB) Branch(name string) (*DB, error) {
	b, err := d.c.lookupBranch(name)
	if err != nil {
		return nil, err
	}
	return &DB{c: d.c, br: b, db: d.db}, nil
}

// BranchArgs configures CreateBranch.
type BranchArgs struct {
	// From is the branch to fork; empty means the handle's branch.
	From string
	// At, when set, makes the branch as the parent was right after the
	// mutation with this seq (BRANCH CREATE ... AT seq): the fork is
	// rolled back to it (RollbackToArgs), the parent is not touched. 0
	// means now; for the state before the first change use an AtTime
	// before it (e.g. time.UnixMilli(0)).
	At uint64
	// AtTime, when set (and At is 0), is At by time: the parent as it
	// was after its last mutation at or before AtTime.
	AtTime time.Time
}

// CreateBranch forks branch a.From (the handle's branch when empty) as it
// is now into a new branch called name, in O(1) of the data: both see the
// same keys, values and deadlines, and from then on change independently.
// Names are 1 to 64 characters of [A-Za-z0-9._/-]. It returns
// ErrBranchExists if the name is taken, ErrInvalidArgument for a bad
// name, and ErrNoBranch if the parent does not exist.
func (d *DB) CreateBranch(name string, a BranchArgs) error {
	c := d.c
	if c.closed.Load() {
		return ErrClosed
	}
	if !validBranchName(name) {
		return fmt.Errorf("%w: ERR invalid branch name '%s': use 1 to 64 characters of A-Z a-z 0-9 . _ / -", ErrInvalidArgument, name)
	}
	nb, err := func() (*branch, error) {
		c.brs.mu.Lock()
		defer c.brs.mu.Unlock()
		if c.brs.m[name] != nil {
			return nil, fmt.Errorf("%w '%s'", ErrBranchExists, name)
		}
		from := d.br
		if a.From != "" {
			if from = c.brs.m[a.From]; from == nil || from.hidden {
				return nil, fmt.Errorf("%w '%s'", ErrNoBranch, a.From)
			}
		} else if from.deleted.Load() {
			return nil, fmt.Errorf("%w '%s'", ErrNoBranch, from.name)
		}
		if (a.At != 0 || !a.AtTime.IsZero()) && from.tl.Load() == nil {
			return nil, ErrTimelineOff
		}
		return c.forkLocked(from, name, false)
	}()
	if err != nil || (a.At == 0 && a.AtTime.IsZero()) {
		return err
	}
	// The parent's past: roll the fork back (its timeline continues the
	// parent's up to the fork); the parent is not touched. A failed
	// rollback (a point the timeline no longer keeps) leaves no branch.
	if _, err = (&DB{c: c, br: nb}).RollbackToArgs(RollbackArgs{Seq: a.At, Time: a.AtTime}); err != nil {
		if derr := c.dropBranch(name); derr != nil && !errors.Is(derr, ErrClosed) {
			c.log.Error("dropping a branch whose rollback failed", "branch", name, "err", derr)
		}
	}
	return err
}

// forkLocked forks from into a new branch called name and registers it.
// The caller holds c.brs.mu.
func (c *core) forkLocked(from *branch, name string, hidden bool) (*branch, error) {
	// Every stripe of the parent: no transaction of it is half applied
	// while its layers freeze.
	from.ks.LockAll()
	defer from.ks.UnlockAll()
	nb := newBranch(name, nil)
	nb.parent, nb.created, nb.hidden = from.name, c.opts.Clock.Now(), hidden
	nb.createdSeq = from.seq.Load()
	nb.seq.Store(nb.createdSeq)
	if !hidden {
		nb.tl.Store(from.tl.Load().fork(nb.createdSeq))
	}
	c.brs.nextID++
	nb.id = c.brs.nextID
	var old [NumDBs]*keyspace.Layer
	for db := range old {
		old[db] = from.ks.Top(db)
	}
	nb.ks = from.ks.Fork()
	if c.durable != nil {
		if err := c.durable.fork(from, nb); err != nil {
			// Undo the freeze: the parent's new tops are empty, so
			// making the old ones the tops again loses nothing.
			for db := range old {
				from.ks.SetTop(db, old[db])
				from.ks.ResetExpiryCursors(db)
			}
			return nil, err
		}
	}
	c.brs.m[name] = nb
	return nb, nil
}

// forkHidden forks b into a hidden branch that pins its data as it is now
// (SnapshotExport reads it without locks: nobody writes a hidden branch).
// Drop it with dropHidden.
func (c *core) forkHidden(b *branch) (*branch, error) {
	c.brs.mu.Lock()
	defer c.brs.mu.Unlock()
	if b.deleted.Load() {
		return nil, fmt.Errorf("%w '%s'", ErrNoBranch, b.name)
	}
	c.brs.hiddenN++
	return c.forkLocked(b, fmt.Sprintf("%s%d", hiddenPrefix, c.brs.hiddenN), true)
}

// dropHidden deletes a branch made by forkHidden.
func (c *core) dropHidden(b *branch) {
	if err := c.dropBranch(b.name); err != nil && !errors.Is(err, ErrClosed) {
		c.log.Error("dropping a hidden branch failed", "branch", b.name, "err", err)
	}
}

// hiddenPrefix starts the names of hidden branches, which no valid name
// can (restart deletes any a crash left behind).
const hiddenPrefix = ".pin-"

// BranchInfo describes one branch (BRANCH LIST).
type BranchInfo struct {
	Name string
	// Parent is the branch it was forked from ("" for main), at
	// ForkSeq (the parent's sequence number then) and Created.
	Parent  string
	ForkSeq uint64
	Created time.Time
	// Seq is the sequence number of the branch's last mutation.
	Seq uint64
	// KeysChanged counts the keys written or deleted in layers only this
	// branch reads: its changes since it (or a later fork of it) forked.
	KeysChanged int64
	// Bytes estimates the memory those layers hold.
	Bytes int64
}

// Branches returns every branch of the store, main first, then by name.
func (d *DB) Branches() []BranchInfo {
	c := d.c
	c.brs.mu.RLock()
	defer c.brs.mu.RUnlock()
	// The chains and the layers only one branch reads are written by
	// that branch's transactions (a FLUSHDB replaces a top, a write
	// changes a value in place): read them under every branch's read
	// locks, taken in id order as lockTwo does.
	all := slices.SortedFunc(maps.Values(c.brs.m), func(a, b *branch) int { return cmpUint(a.id, b.id) })
	for _, b := range all {
		b.ks.RLockAll()
	}
	defer func() {
		for i := len(all) - 1; i >= 0; i-- {
			all[i].ks.RUnlockAll()
		}
	}()
	readers := c.layerReaders()
	out := make([]BranchInfo, 0, len(c.brs.m))
	for _, b := range c.brs.m {
		if b.hidden {
			continue
		}
		bi := BranchInfo{Name: b.name, Parent: b.parent, ForkSeq: b.createdSeq, Created: b.created, Seq: b.seq.Load()}
		for db := 0; db < NumDBs; db++ {
			for l := b.ks.Top(db); l != nil; l = l.Parent() {
				if len(readers[l]) != 1 {
					break
				}
				n, bytes := layerSize(l)
				bi.KeysChanged += n
				bi.Bytes += bytes
			}
		}
		out = append(out, bi)
	}
	slices.SortFunc(out, func(a, b BranchInfo) int {
		switch {
		case a.Name == MainBranch:
			return -1
		case b.Name == MainBranch:
			return 1
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// layerReaders maps every layer of every branch's chains to the branches
// that read it. The caller holds c.brs.mu.
func (c *core) layerReaders() map[*keyspace.Layer][]*branch {
	out := map[*keyspace.Layer][]*branch{}
	for _, b := range c.brs.m {
		for db := 0; db < NumDBs; db++ {
			for l := b.ks.Top(db); l != nil; l = l.Parent() {
				if rs := out[l]; len(rs) == 0 || rs[len(rs)-1] != b {
					out[l] = append(rs, b)
				}
			}
		}
	}
	return out
}

// layerSize counts the entries stored in l (tombstones included) and
// estimates their memory. The caller holds the read locks of the
// branches that write l.
func layerSize(l *keyspace.Layer) (n, bytes int64) {
	l.Entries(func(k string, e *keyspace.Entry) bool {
		n++
		bytes += memEntry + int64(len(k)) + entryValueSize(e, 8)
		return true
	})
	return n, bytes
}

// DeleteBranch deletes branch name and frees what only it held. main
// cannot be deleted (ErrInvalidArgument); handles on a deleted branch
// fail with ErrNoBranch.
func (d *DB) DeleteBranch(name string) error {
	c := d.c
	if c.closed.Load() {
		return ErrClosed
	}
	if name == MainBranch {
		return fmt.Errorf("%w: ERR the main branch cannot be deleted", ErrInvalidArgument)
	}
	if b, err := c.lookupBranch(name); err != nil {
		return err
	} else if b.hidden {
		return fmt.Errorf("%w '%s'", ErrNoBranch, name)
	}
	return c.dropBranch(name)
}

// dropBranch deletes branch name (hidden or not), then folds the layers
// left with one reader.
func (c *core) dropBranch(name string) error {
	c.brs.mu.Lock()
	b := c.brs.m[name]
	if b == nil {
		c.brs.mu.Unlock()
		return fmt.Errorf("%w '%s'", ErrNoBranch, name)
	}
	// Wait for the branch's transactions in progress; later ones fail.
	b.ks.LockAll()
	if c.durable != nil {
		if err := c.durable.deleteBranch(b); err != nil {
			b.ks.UnlockAll()
			c.brs.mu.Unlock()
			return err
		}
	}
	b.deleted.Store(true)
	delete(c.brs.m, name)
	b.ks.UnlockAll()
	c.brs.mu.Unlock()
	c.mem.stale.Store(true) // its layers no longer count (evict.go)
	close(b.gone)           // its blocked clients fail with ErrNoBranch
	c.foldLayers()
	return nil
}

// foldLayers merges, in every chain, each frozen layer left with a single
// reader below it into that child, so that chains stay as short as the
// branches need (run after DeleteBranch and by the background job). It
// locks each affected database of the branches that read the layer, one
// fold at a time.
func (c *core) foldLayers() {
	for {
		if !c.foldOne() {
			return
		}
	}
}

func (c *core) foldOne() bool {
	c.brs.mu.Lock()
	defer c.brs.mu.Unlock()
	// Layers are not tied to a database number: after a SWAPDB on one
	// branch, a layer it shares with another is in another database's
	// chain there. So readers are counted over every chain.
	children := map[*keyspace.Layer]map[*keyspace.Layer]bool{}
	tops := map[*keyspace.Layer]bool{}
	for _, b := range c.brs.m {
		for db := 0; db < NumDBs; db++ {
			tops[b.ks.Top(db)] = true
			for l := b.ks.Top(db); l.Parent() != nil; l = l.Parent() {
				p := l.Parent()
				if children[p] == nil {
					children[p] = map[*keyspace.Layer]bool{}
				}
				children[p][l] = true
			}
		}
	}
	// The contents a FLUSHDB detached stay readable while a timeline
	// keeps them (for rollback): their layers count as readers.
	for _, b := range c.brs.m {
		if tl := b.tl.Load(); tl != nil {
			for _, top := range tl.pins(nil) {
				for l := top; l.Parent() != nil; l = l.Parent() {
					p := l.Parent()
					if children[p] == nil {
						children[p] = map[*keyspace.Layer]bool{}
					}
					children[p][l] = true
				}
			}
		}
	}
	for p, kids := range children {
		if len(kids) != 1 || tops[p] {
			continue
		}
		var child *keyspace.Layer
		for child = range kids {
		}
		type reader struct {
			b  *branch
			db int
		}
		var seeing []reader
		for _, b := range c.brs.m {
			for db := 0; db < NumDBs; db++ {
				for l := b.ks.Top(db); l != nil; l = l.Parent() {
					if l == child {
						seeing = append(seeing, reader{b, db})
						break
					}
				}
			}
		}
		if len(seeing) == 0 {
			continue // read only by a timeline's pinned contents
		}
		slices.SortFunc(seeing, func(a, b reader) int {
			if a.b != b.b {
				return cmpUint(a.b.id, b.b.id)
			}
			return a.db - b.db
		})
		for _, r := range seeing {
			r.b.ks.LockDB(r.db)
		}
		var err error
		if c.durable != nil {
			err = c.durable.fold(seeing[0].db, child)
		}
		if err == nil {
			kept, gone := seeing[0].b.ks.Fold(child)
			for _, r := range seeing {
				r.b.ks.Relink(r.db, gone, kept)
				r.b.ks.ResetExpiryCursors(r.db)
			}
			c.mem.stale.Store(true) // the fold moved bytes between layers (evict.go)
		} else {
			c.log.Error("folding a branch layer failed; it stays", "err", err)
		}
		for i := len(seeing) - 1; i >= 0; i-- {
			seeing[i].b.ks.UnlockDB(seeing[i].db)
		}
		return err == nil
	}
	return false
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

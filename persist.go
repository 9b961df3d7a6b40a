package potato

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato/internal/keyspace"
	"rustypotato/internal/store"
)

// Fsync is the WAL sync policy of a durable store, like Redis's
// appendfsync. In every policy a write is acknowledged only after its
// record reached the operating system, so killing the process loses no
// acknowledged write; the policies differ in what a machine crash or
// power loss can lose. See docs/RATIONALE.md, "Durability".
type Fsync uint8

// The fsync policies.
const (
	// FsyncEverySec syncs the WAL in the background once a second: a
	// machine crash loses at most about the last second of writes. The
	// default, as in Redis.
	FsyncEverySec Fsync = iota
	// FsyncAlways acknowledges a write only after the fsync that covers
	// it; concurrent writers share fsyncs (group commit).
	FsyncAlways
	// FsyncNo never syncs the WAL explicitly: the kernel writes it back
	// (on Linux within about 30 s), as with Redis's appendfsync no.
	FsyncNo
)

// String returns the policy's appendfsync name.
func (f Fsync) String() string {
	switch f {
	case FsyncAlways:
		return "always"
	case FsyncNo:
		return "no"
	case FsyncEverySec:
		return "everysec"
	}
	return fmt.Sprintf("Fsync(%d)", uint8(f))
}

// ParseFsync parses an appendfsync value: always, everysec or no (any
// case).
func ParseFsync(s string) (Fsync, error) {
	switch strings.ToLower(s) {
	case "always":
		return FsyncAlways, nil
	case "everysec":
		return FsyncEverySec, nil
	case "no":
		return FsyncNo, nil
	}
	return 0, fmt.Errorf("%w: ERR argument must be 'always', 'everysec' or 'no'", ErrInvalidArgument)
}

// Compression is the block compression of a durable store's files.
type Compression uint8

// The compressions.
const (
	// CompressionDefault is Snappy: it costs little CPU on writes and
	// restarts and already shrinks typical values severalfold.
	CompressionDefault Compression = iota
	CompressionNone
	CompressionSnappy
	CompressionZstd
)

// String returns the compression's configuration name.
func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionSnappy, CompressionDefault:
		return "snappy"
	case CompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("Compression(%d)", uint8(c))
}

// ParseCompression parses a compression name: none, snappy or zstd.
func ParseCompression(s string) (Compression, error) {
	switch strings.ToLower(s) {
	case "none", "no":
		return CompressionNone, nil
	case "snappy":
		return CompressionSnappy, nil
	case "zstd":
		return CompressionZstd, nil
	}
	return 0, fmt.Errorf("%w: ERR argument must be 'none', 'snappy' or 'zstd'", ErrInvalidArgument)
}

// errNoDir is returned by persistence operations of an in-memory store.
var errNoDir = fmt.Errorf("%w: ERR persistence is disabled: the store has no data directory", ErrInvalidArgument)

// persister is the durable implementation on Pebble (internal/store):
// it translates each transaction's Edits into one atomic batch of
// per-element records, and loads them back at Open. Each layer of each
// branch's chains (package keyspace) is a space on disk; the branch table
// names each branch's top spaces and the space table each space's parent.
type persister struct {
	c  *core
	st *store.Store

	// mu is held shared by every commit and exclusively by close, so the
	// store is never closed under a commit.
	mu     sync.RWMutex
	closed bool

	// spMu guards the space bookkeeping: which spaces exist, their
	// parents, and how many branch tops and child spaces refer to each
	// (a space nobody refers to is deleted in the batch that drops the
	// last reference). Commits that change no branch's tops never take
	// it.
	spMu      sync.Mutex
	spaces    map[uint64]*spaceRef
	nextSpace uint64

	lastSave   atomic.Int64 // Unix seconds of the last successful SAVE
	bgsave     atomic.Bool  // a BGSAVE is running
	lastBGFail atomic.Bool  // the last BGSAVE failed
	bg         sync.WaitGroup

	tpool sync.Pool // *translator

	// records counts the record changes written (a range deletion is
	// one), for tests of the per-element encoding.
	records atomic.Int64
}

// spaceRef is one space's entry in the persister's bookkeeping.
type spaceRef struct {
	parent    uint64
	hasParent bool
	refs      int
}

// openDurable opens Options.Dir, loads its data into the branches and
// installs the persister. Open calls it before any other goroutine can
// see the store.
func (c *core) openDurable() error {
	o := c.opts
	sto := store.Options{FS: o.fs, Logger: c.log}
	switch o.Fsync {
	case FsyncAlways:
		sto.Fsync = store.FsyncAlways
	case FsyncNo:
		sto.Fsync = store.FsyncNo
	default:
		sto.Fsync = store.FsyncEverySec
	}
	switch o.Compression {
	case CompressionNone:
		sto.Compression = store.CompressionNone
	case CompressionZstd:
		sto.Compression = store.CompressionZstd
	default:
		sto.Compression = store.CompressionSnappy
	}
	st, err := store.Open(o.Dir, sto)
	if err != nil {
		return fmt.Errorf("potato: %w", err)
	}
	p := &persister{c: c, st: st, spaces: map[uint64]*spaceRef{}}
	p.tpool.New = func() any { return &translator{} }
	start := time.Now()
	n, err := p.load()
	if err != nil {
		_ = st.Close()
		return fmt.Errorf("potato: loading %s: %w", o.Dir, err)
	}
	c.log.Info("data loaded", "dir", o.Dir, "keys", n, "took", time.Since(start).Round(time.Millisecond))
	p.lastSave.Store(time.Now().Unix())
	c.durable = p
	return nil
}

func (p *persister) close() error {
	p.bg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	// Commits are over: record each space's key count for the next
	// restart's presizing, and each branch's last sequence number.
	b := p.st.NewBatch()
	c := p.c
	c.brs.mu.RLock()
	seen := map[*keyspace.Layer]bool{}
	for _, br := range c.brs.m {
		rec := p.branchRecord(br)
		b.PutBranch(&rec)
		for db := 0; db < NumDBs; db++ {
			for l := br.ks.Top(db); l != nil && !seen[l]; l = l.Parent() {
				seen[l] = true
				b.SetKeyCountHint(l.Space, l.Stored())
			}
		}
	}
	c.brs.mu.RUnlock()
	_ = p.st.Commit(b)
	return p.st.Close()
}

// branchRecord returns br as stored. The caller holds br's stripes (or
// the store is closing).
func (p *persister) branchRecord(br *branch) store.BranchRecord {
	rec := store.BranchRecord{Name: br.name, ID: br.id, Parent: br.parent, ForkSeq: br.createdSeq, Seq: br.seq.Load()}
	if !br.created.IsZero() {
		rec.CreatedMs = br.created.UnixMilli()
	}
	for db := 0; db < NumDBs; db++ {
		rec.Tops[db] = br.ks.Top(db).Space
	}
	return rec
}

// persistError wraps a storage error as ErrPersistence.
func persistError(err error) error {
	if errors.Is(err, ErrPersistence) || errors.Is(err, ErrClosed) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrPersistence, err)
}

func (p *persister) commit(br *branch, muts []Mutation) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	if err := p.st.Err(); err != nil {
		return persistError(err)
	}
	t := p.tpool.Get().(*translator)
	defer p.putTranslator(t)
	t.begin(p, br, muts)
	if t.retops {
		// FLUSHDB or SWAPDB: the branch's tops change, and spaces may be
		// created or dropped.
		p.spMu.Lock()
		defer p.spMu.Unlock()
	}
	for i := range muts {
		m := &muts[i]
		for j := range m.Edits {
			t.edit(m, &m.Edits[j])
		}
	}
	err := t.finish()
	var drops []spaceDrop
	if err == nil && t.retops {
		drops = t.retop()
	}
	if err != nil {
		t.b.Discard()
		t.b = nil
		return persistError(err)
	}
	b := t.b
	t.b = nil
	n := b.Count()
	if err := p.st.Commit(b); err != nil {
		return persistError(err)
	}
	p.records.Add(int64(n))
	// Written: now the in-memory bookkeeping may follow.
	for _, lb := range t.bases {
		lb.l.Base = lb.base
	}
	if t.retops {
		for _, ns := range t.created {
			ns.l.Space = ns.id
			p.spaces[ns.id] = &spaceRef{}
		}
		p.applyRefs(t.refDelta, drops)
	}
	return nil
}

func (p *persister) putTranslator(t *translator) {
	t.p, t.br = nil, nil
	if len(t.mat) > 256 || len(t.pend) > 256 {
		t.mat, t.pend, t.meta = nil, nil, nil
	} else {
		clear(t.mat)
		clear(t.pend)
		clear(t.meta)
	}
	clear(t.lists)
	t.lists = t.lists[:0]
	clear(t.bases)
	t.bases = t.bases[:0]
	clear(t.created)
	t.created = t.created[:0]
	clear(t.cur[:])
	clear(t.start[:])
	t.refDelta = nil
	p.tpool.Put(t)
}

// ---------------------------------------------------------------------
// Translation of Edits into records.
// ---------------------------------------------------------------------

// loc is a key's place: its layer (whose Space names it on disk) and key.
type loc struct {
	l   *keyspace.Layer
	key string
}

// listOp is a list edit whose records are written at the end of the
// transaction (see translator.finish).
type listOp struct {
	kind EditKind
	i    int
}

type pendingList struct {
	at   loc
	ops  []listOp
	dead bool // the key was deleted or replaced later in the transaction
}

type listBase struct {
	l    *keyspace.List
	base int64
}

// newSpace is a space the transaction creates for a layer (FLUSHDB).
type newSpace struct {
	l  *keyspace.Layer
	id uint64
}

// translator turns one transaction's Edits, in order, into one batch.
//
// Strings, hash fields, deadlines, deletes and database-wide edits are
// written as they come. An EditSet of a container writes the container
// as it is at commit time, whole (it is new, or RENAME/COPY/MOVE/restore
// put it there), and the element edits that follow on that key in the
// same transaction are skipped: they are already in it.
//
// List element edits cannot be written as they come: an insert or remove
// shifts elements whose values at that moment are known only in memory
// at the end. So they are replayed at the end on positions only: which
// durable positions each edit touched (O(the in-memory work)), then each
// touched position is written with its final value or deleted. A list
// that was deleted or replaced later in the transaction is skipped (the
// delete covers it).
//
// On a layer with a parent, a delete of a key the parent has writes a
// tombstone, and a container copied up from the parent (Entry.CopiedUp)
// is written as an overlay: its changed fields and elements and a meta
// record saying so, not the whole value.
type translator struct {
	p     *persister
	br    *branch
	b     *store.Batch
	cur   [NumDBs]*keyspace.Layer // each database's top layer, as the edits so far left it
	start [NumDBs]*keyspace.Layer // ... before the transaction
	mat   map[loc]struct{}        // containers written whole in this batch
	meta  map[loc]struct{}        // overlay metas written in this batch
	pend  map[loc]int             // index in lists
	lists []pendingList
	bases []listBase

	retops   bool // a FLUSHDB or SWAPDB: the branch's tops change
	created  []newSpace
	refDelta map[uint64]int
	touched  []int64
}

func (t *translator) begin(p *persister, br *branch, muts []Mutation) {
	t.p, t.br = p, br
	t.b = p.st.NewBatch()
	t.retops = false
	// The tops before the transaction, from the final ones by undoing
	// the database-wide edits newest first.
	for db := range t.cur {
		t.cur[db] = br.ks.Top(db)
	}
	for i := len(muts) - 1; i >= 0; i-- {
		m := &muts[i]
		if !m.dbWide() {
			continue
		}
		t.retops = true
		switch ed := &m.Edits[0]; ed.Kind {
		case EditFlushDB:
			t.cur[m.DB] = ed.flushed.Old()
		case EditSwapDB:
			t.cur[m.DB], t.cur[ed.Index] = t.cur[ed.Index], t.cur[m.DB]
		}
	}
	t.start = t.cur
	if t.mat == nil {
		t.mat = make(map[loc]struct{})
		t.meta = make(map[loc]struct{})
		t.pend = make(map[loc]int)
	}
}

// entryAt returns the entry stored, at commit time, in the layer of at
// (nil if none or a tombstone).
func (t *translator) entryAt(at loc) *keyspace.Entry {
	e := at.l.Lookup(at.key)
	if e == nil || e.Kind == keyspace.KindTombstone {
		return nil
	}
	return e
}

// overlay reports whether e, stored at at, is written as changes over
// the parent layer's value: a copy-up from the parent not written whole
// by this batch.
func (t *translator) overlay(at loc, e *keyspace.Entry) bool {
	if e == nil || !e.CopiedUp || at.l.Parent() == nil {
		return false
	}
	_, whole := t.mat[at]
	return !whole
}

func (t *translator) forget(at loc) {
	if i, ok := t.pend[at]; ok {
		t.lists[i].dead = true
		delete(t.pend, at)
	}
	delete(t.mat, at)
	delete(t.meta, at)
}

func (t *translator) edit(m *Mutation, ed *Edit) {
	b := t.b
	at := loc{l: t.cur[m.DB], key: m.Key}
	sp := t.spaceOf(at.l)
	switch ed.Kind {
	case EditSet:
		t.forget(at)
		if ed.prev != nil && ed.prev.Kind != keyspace.KindString && ed.prev.Kind != keyspace.KindJSON {
			b.DelKey(sp, at.key)
		}
		switch e := ed.next; e.Kind {
		case keyspace.KindString:
			b.PutString(sp, at.key, ed.Deadline, ed.After)
		case keyspace.KindJSON:
			b.PutJSON(sp, at.key, ed.Deadline, e.Str)
		case keyspace.KindHash:
			b.PutMeta(sp, at.key, store.KindHash, ed.Deadline)
			e.Hash.All(func(f keyspace.HashField) bool {
				b.PutField(sp, at.key, f.Name, f.Value)
				return true
			})
			t.mat[at] = struct{}{}
		case keyspace.KindList:
			b.PutMeta(sp, at.key, store.KindList, ed.Deadline)
			e.List.Range(0, e.List.Len(), func(i int, v []byte) bool {
				b.PutElem(sp, at.key, e.List.Base+int64(i), v)
				return true
			})
			t.mat[at] = struct{}{}
		case keyspace.KindSet:
			putSetWhole(b, sp, at.key, ed.Deadline, e.Set) // persist_set.go
		case keyspace.KindZSet:
			writeZSet(b, sp, at.key, e)
			t.mat[at] = struct{}{}
		}
	case EditDel:
		t.forget(at)
		if fe := at.l.Lookup(at.key); fe != nil && fe.Kind == keyspace.KindTombstone {
			b.PutTombstone(sp, at.key)
		} else if ed.prev.Kind == keyspace.KindString || ed.prev.Kind == keyspace.KindJSON {
			b.DelString(sp, at.key)
		} else {
			b.DelKey(sp, at.key)
		}
	case EditExpire:
		// Any later change of the key's entry in this transaction
		// rewrites its meta record, so the entry at commit time is right
		// here; none means the key was deleted later.
		e := t.entryAt(at)
		if e == nil {
			return
		}
		switch e.Kind {
		case keyspace.KindString:
			b.PutString(sp, at.key, ed.Deadline, e.Str)
		case keyspace.KindJSON:
			b.PutJSON(sp, at.key, ed.Deadline, e.Str)
		case keyspace.KindHash:
			if t.overlay(at, e) {
				b.PutOverlayMeta(sp, at.key, ed.Deadline)
			} else {
				b.PutMeta(sp, at.key, store.KindHash, ed.Deadline)
			}
		case keyspace.KindList:
			if t.overlay(at, e) {
				t.pendingList(at) // the meta goes with the list's final base
			} else {
				b.PutMeta(sp, at.key, store.KindList, ed.Deadline)
			}
		case keyspace.KindSet:
			if t.overlay(at, e) {
				b.PutOverlaySetMeta(sp, at.key, ed.Deadline)
			} else {
				b.PutMeta(sp, at.key, store.KindSet, ed.Deadline)
			}
		case keyspace.KindZSet:
			if t.overlay(at, e) {
				b.PutOverlayMetaKind(sp, at.key, store.KindZSet, ed.Deadline)
			} else {
				b.PutMeta(sp, at.key, store.KindZSet, ed.Deadline)
			}
		}
	case EditHSet, EditHDel:
		if _, ok := t.mat[at]; ok {
			return
		}
		e := t.entryAt(at)
		if !t.overlay(at, e) {
			if ed.Kind == EditHSet {
				b.PutField(sp, at.key, ed.Field, ed.After)
			} else {
				b.DelField(sp, at.key, ed.Field)
			}
			return
		}
		if _, ok := t.meta[at]; !ok {
			t.meta[at] = struct{}{}
			b.PutOverlayMeta(sp, at.key, e.ExpireAt)
		}
		if ed.Kind == EditHSet {
			b.PutOverlayField(sp, at.key, ed.Field, ed.After)
		} else {
			b.PutFieldDel(sp, at.key, ed.Field)
		}
	case EditZSet, EditZDel:
		t.zsetEdit(at, sp, ed)
	case EditZConvert:
		// An encoding only: nothing on disk.
	case EditLPush, EditRPush, EditLPop, EditRPop, EditLSet, EditLInsert, EditLRemove:
		if _, ok := t.mat[at]; ok {
			return
		}
		pl := t.pendingList(at)
		pl.ops = append(pl.ops, listOp{kind: ed.Kind, i: ed.Index})
	case EditSAdd, EditSRem, EditSConvert:
		t.setEdit(at, sp, ed) // persist_set.go
	case EditFlushDB:
		t.forget(at)
		// The database now starts over as a bottom layer with a space
		// of its own (no per-key tombstones); the old space goes when
		// nothing refers to it (retop).
		nl := ed.flushed.New()
		id := t.p.allocSpace()
		t.created = append(t.created, newSpace{l: nl, id: id})
		b.PutSpace(id, 0, false)
		t.cur[m.DB] = nl
		for at := range t.pend {
			if at.l == ed.flushed.Old() {
				t.forget(at)
			}
		}
		for at := range t.mat {
			if at.l == ed.flushed.Old() {
				delete(t.mat, at)
			}
		}
	case EditSwapDB:
		a, c := m.DB, ed.Index
		t.cur[a], t.cur[c] = t.cur[c], t.cur[a]
	}
}

// spaceOf returns the space of layer l, which may be one this
// transaction creates.
func (t *translator) spaceOf(l *keyspace.Layer) uint64 {
	for _, ns := range t.created {
		if ns.l == l {
			return ns.id
		}
	}
	return l.Space
}

func (t *translator) pendingList(at loc) *pendingList {
	i, ok := t.pend[at]
	if !ok {
		i = len(t.lists)
		t.pend[at] = i
		if i < cap(t.lists) {
			t.lists = t.lists[:i+1]
			t.lists[i].at, t.lists[i].ops, t.lists[i].dead = at, t.lists[i].ops[:0], false
		} else {
			t.lists = append(t.lists, pendingList{at: at})
		}
	}
	return &t.lists[i]
}

// insertFront and removeFront choose which side of a list an insert or
// remove at index i of a list of n elements shifts on disk: the shorter.
func insertFront(i, n int) bool { return i == 0 || (i != n && i < n/2) }
func removeFront(i, n int) bool { return i < n/2 }

// finish writes the pending list edits; see translator.
func (t *translator) finish() error {
	for k := range t.lists {
		pl := &t.lists[k]
		if pl.dead {
			continue
		}
		e := t.entryAt(pl.at)
		if e == nil || e.Kind != keyspace.KindList {
			return fmt.Errorf("internal error: list edits on %q without a list at commit", pl.at.key)
		}
		if err := t.flushList(pl, e); err != nil {
			return err
		}
	}
	return nil
}

func (t *translator) flushList(pl *pendingList, e *keyspace.Entry) error {
	l := e.List
	sp := t.spaceOf(pl.at.l)
	n := l.Len()
	cnt := n // length before the transaction
	for _, op := range pl.ops {
		switch op.kind {
		case EditLPush, EditRPush, EditLInsert:
			cnt--
		case EditLPop, EditRPop, EditLRemove:
			cnt++
		}
	}
	b := l.Base
	touched := t.touched[:0]
	span := func(lo, hi int64) { // lo..hi inclusive
		for p := lo; p <= hi; p++ {
			touched = append(touched, p)
		}
	}
	for _, op := range pl.ops {
		i := int64(op.i)
		switch op.kind {
		case EditLPush:
			b--
			touched = append(touched, b)
			cnt++
		case EditRPush:
			touched = append(touched, b+int64(cnt))
			cnt++
		case EditLPop:
			touched = append(touched, b)
			b++
			cnt--
		case EditRPop:
			cnt--
			touched = append(touched, b+int64(cnt))
		case EditLSet:
			touched = append(touched, b+i)
		case EditLInsert:
			if insertFront(op.i, cnt) {
				b--
				span(b, b+i)
			} else {
				span(b+i, b+int64(cnt))
			}
			cnt++
		case EditLRemove:
			if removeFront(op.i, cnt) {
				span(b, b+i)
				b++
			} else {
				span(b+i, b+int64(cnt)-1)
			}
			cnt--
		}
	}
	t.touched = touched
	if cnt != n {
		return fmt.Errorf("internal error: list %q edits do not add up (%d != %d)", pl.at.key, cnt, n)
	}
	slices.Sort(touched)
	touched = slices.Compact(touched)
	lo, hi := b, b+int64(n)
	var out, below, above int
	minOut, maxOut := int64(0), int64(0)
	key := pl.at.key
	for _, p := range touched {
		if p >= lo && p < hi {
			t.b.PutElem(sp, key, p, l.Index(int(p-lo)))
			continue
		}
		if out == 0 || p < minOut {
			minOut = p
		}
		if out == 0 || p > maxOut {
			maxOut = p
		}
		out++
		if p < lo {
			below++
		} else {
			above++
		}
	}
	// Positions outside the final range hold no element any more.
	if out <= 16 {
		for _, p := range touched {
			if p < lo || p >= hi {
				t.b.DelElem(sp, key, p)
			}
		}
	} else {
		if below > 0 {
			t.b.DelElems(sp, key, minOut, lo)
		}
		if above > 0 {
			t.b.DelElems(sp, key, hi, maxOut+1)
		}
	}
	if t.overlay(pl.at, e) {
		t.b.PutOverlayListMeta(sp, key, e.ExpireAt, b, n)
	}
	if b != l.Base {
		t.bases = append(t.bases, listBase{l: l, base: b})
	}
	return nil
}

// retop writes the branch's new tops after FLUSHDB or SWAPDB and works
// out the references that change: each new top gains one, each old top
// that is no longer one loses one, and a space left without any (and, in
// turn, its parents) is dropped in the same batch. The caller holds spMu;
// the returned drops are applied to the bookkeeping once the batch is
// written.
func (t *translator) retop() []spaceDrop {
	rec := t.p.branchRecord(t.br)
	for db := range rec.Tops {
		rec.Tops[db] = t.spaceOf(t.cur[db])
	}
	t.b.PutBranch(&rec)
	t.refDelta = map[uint64]int{}
	for _, ns := range t.created {
		t.refDelta[ns.id] += 0 // exists
	}
	for db := range t.cur {
		t.refDelta[t.spaceOf(t.cur[db])]++
		t.refDelta[t.start[db].Space]--
	}
	return t.p.planDrops(t.b, t.refDelta)
}

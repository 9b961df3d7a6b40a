package potato

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

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
// per-element records, and loads them back at Open.
type persister struct {
	c  *core
	st *store.Store

	// mu is held shared by every commit and exclusively by close, so the
	// store is never closed under a commit.
	mu     sync.RWMutex
	closed bool

	// phys maps each logical database to its physical number on disk;
	// entry i changes only under every stripe of database i (SWAPDB).
	phys [NumDBs]atomic.Int32

	lastSave   atomic.Int64 // Unix seconds of the last successful SAVE
	bgsave     atomic.Bool  // a BGSAVE is running
	lastBGFail atomic.Bool  // the last BGSAVE failed
	bg         sync.WaitGroup

	tpool sync.Pool // *translator

	// records counts the record changes written (a range deletion is
	// one), for tests of the per-element encoding.
	records atomic.Int64
}

// openDurable opens Options.Dir, loads its data into the keyspace and
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
	p := &persister{c: c, st: st}
	p.tpool.New = func() any { return &translator{} }
	for l, ph := range st.DBMap() {
		p.phys[l].Store(int32(ph))
	}
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

// load fills the (empty) keyspace from the store. Restart time is what
// it costs, so it is a pipeline: this goroutine scans Pebble and builds
// entries, another inserts them into maps presized from the key counts
// recorded at the last clean close.
func (p *persister) load() (int, error) {
	ks := p.c.ks
	for db, n := range p.st.KeyCountHints() {
		ks.Presize(db, n)
	}
	const batchLen = 1024
	full := make(chan []loadedEntry, 16)
	free := make(chan []loadedEntry, 16)
	var inserted sync.WaitGroup
	inserted.Add(1)
	go func() {
		defer inserted.Done()
		for b := range full {
			for i := range b {
				ks.PutNew(b[i].db, b[i].key, b[i].e)
				b[i] = loadedEntry{}
			}
			select {
			case free <- b[:0]:
			default:
			}
		}
	}()
	n := 0
	cur := make([]loadedEntry, 0, batchLen)
	eb := newEntryBuilder(func(db int, key string, e *keyspace.Entry) {
		cur = append(cur, loadedEntry{db: db, key: key, e: e})
		n++
		if len(cur) == batchLen {
			full <- cur
			select {
			case cur = <-free:
			default:
				cur = make([]loadedEntry, 0, batchLen)
			}
		}
	})
	err := p.st.Load(p.c.nowMs(), eb.add)
	eb.done()
	if len(cur) > 0 {
		full <- cur
	}
	close(full)
	inserted.Wait()
	for db := 0; db < NumDBs; db++ {
		ks.FinishBulk(db)
	}
	return n, err
}

func (p *persister) close() error {
	p.bg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	// Commits are over: record the key counts for the next restart.
	var counts [NumDBs]int
	for db := range counts {
		counts[db] = p.c.ks.Len(db)
	}
	_ = p.st.SetKeyCountHints(counts)
	return p.st.Close()
}

// persistError wraps a storage error as ErrPersistence.
func persistError(err error) error {
	if errors.Is(err, ErrPersistence) || errors.Is(err, ErrClosed) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrPersistence, err)
}

func (p *persister) commit(muts []Mutation) error {
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
	t.begin(p, muts)
	for i := range muts {
		m := &muts[i]
		for j := range m.Edits {
			t.edit(m, &m.Edits[j])
		}
	}
	if err := t.finish(); err != nil {
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
	if t.swapped {
		for l := range t.phys {
			p.phys[l].Store(int32(t.phys[l]))
		}
	}
	return nil
}

func (p *persister) putTranslator(t *translator) {
	t.p = nil
	if len(t.mat) > 256 || len(t.pend) > 256 {
		t.mat, t.pend = nil, nil
	} else {
		clear(t.mat)
		clear(t.pend)
	}
	clear(t.lists)
	t.lists = t.lists[:0]
	clear(t.bases)
	t.bases = t.bases[:0]
	p.tpool.Put(t)
}

// ---------------------------------------------------------------------
// Translation of Edits into records.
// ---------------------------------------------------------------------

// loc is a key's place on disk: physical database and key.
type loc struct {
	pdb int
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
type translator struct {
	p       *persister
	b       *store.Batch
	phys    [NumDBs]int // logical -> physical, as the edits so far left it
	inv     [NumDBs]int // physical -> logical at the end of the transaction
	swapped bool
	mat     map[loc]struct{} // containers written whole in this batch
	pend    map[loc]int      // index in lists
	lists   []pendingList
	bases   []listBase
	touched []int64
}

func (t *translator) begin(p *persister, muts []Mutation) {
	t.p = p
	t.b = p.st.NewBatch()
	t.swapped = false
	for l := range t.phys {
		t.phys[l] = int(p.phys[l].Load())
	}
	// The final mapping, to find a key's entry in memory at commit time
	// from its place on disk.
	final := t.phys
	for i := range muts {
		if m := &muts[i]; m.dbWide() && m.Edits[0].Kind == EditSwapDB {
			a, b := m.DB, m.Edits[0].Index
			final[a], final[b] = final[b], final[a]
		}
	}
	for l, ph := range final {
		t.inv[ph] = l
	}
	if t.mat == nil {
		t.mat = make(map[loc]struct{})
		t.pend = make(map[loc]int)
	}
}

// finalEntry returns the entry in memory, at commit time, of the key at
// place at (nil if none).
func (t *translator) finalEntry(at loc) *keyspace.Entry {
	return t.p.c.ks.Get(t.inv[at.pdb], at.key)
}

func (t *translator) forget(at loc) {
	if i, ok := t.pend[at]; ok {
		t.lists[i].dead = true
		delete(t.pend, at)
	}
	delete(t.mat, at)
}

func (t *translator) edit(m *Mutation, ed *Edit) {
	b := t.b
	at := loc{pdb: t.phys[m.DB], key: m.Key}
	switch ed.Kind {
	case EditSet:
		t.forget(at)
		if ed.prev != nil && ed.prev.Kind != keyspace.KindString && ed.prev.Kind != keyspace.KindJSON {
			b.DelKey(at.pdb, at.key)
		}
		switch e := ed.next; e.Kind {
		case keyspace.KindString:
			b.PutString(at.pdb, at.key, ed.Deadline, ed.After)
		case keyspace.KindJSON:
			b.PutJSON(at.pdb, at.key, ed.Deadline, e.Str)
		case keyspace.KindHash:
			b.PutMeta(at.pdb, at.key, store.KindHash, ed.Deadline)
			for i := 0; i < e.Hash.Len(); i++ {
				f := e.Hash.At(i)
				b.PutField(at.pdb, at.key, f.Name, f.Value)
			}
			t.mat[at] = struct{}{}
		case keyspace.KindList:
			b.PutMeta(at.pdb, at.key, store.KindList, ed.Deadline)
			for i := 0; i < e.List.Len(); i++ {
				b.PutElem(at.pdb, at.key, e.List.Base+int64(i), e.List.Index(i))
			}
			t.mat[at] = struct{}{}
		}
	case EditDel:
		t.forget(at)
		if ed.prev.Kind == keyspace.KindString || ed.prev.Kind == keyspace.KindJSON {
			b.DelString(at.pdb, at.key)
		} else {
			b.DelKey(at.pdb, at.key)
		}
	case EditExpire:
		// Any later change of the key's entry in this transaction
		// rewrites its meta record, so the entry at commit time is right
		// here; none means the key was deleted later.
		e := t.finalEntry(at)
		if e == nil {
			return
		}
		switch e.Kind {
		case keyspace.KindString:
			b.PutString(at.pdb, at.key, ed.Deadline, e.Str)
		case keyspace.KindJSON:
			b.PutJSON(at.pdb, at.key, ed.Deadline, e.Str)
		case keyspace.KindHash:
			b.PutMeta(at.pdb, at.key, store.KindHash, ed.Deadline)
		case keyspace.KindList:
			b.PutMeta(at.pdb, at.key, store.KindList, ed.Deadline)
		}
	case EditHSet:
		if _, ok := t.mat[at]; !ok {
			b.PutField(at.pdb, at.key, ed.Field, ed.After)
		}
	case EditHDel:
		if _, ok := t.mat[at]; !ok {
			b.DelField(at.pdb, at.key, ed.Field)
		}
	case EditLPush, EditRPush, EditLPop, EditRPop, EditLSet, EditLInsert, EditLRemove:
		if _, ok := t.mat[at]; ok {
			return
		}
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
		t.lists[i].ops = append(t.lists[i].ops, listOp{kind: ed.Kind, i: ed.Index})
	case EditFlushDB:
		pdb := t.phys[m.DB]
		b.FlushDB(pdb)
		for at := range t.pend {
			if at.pdb == pdb {
				t.forget(at)
			}
		}
		for at := range t.mat {
			if at.pdb == pdb {
				delete(t.mat, at)
			}
		}
	case EditSwapDB:
		a, c := m.DB, ed.Index
		t.phys[a], t.phys[c] = t.phys[c], t.phys[a]
		b.SetDBMap(a, t.phys[a])
		b.SetDBMap(c, t.phys[c])
		t.swapped = true
	}
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
		e := t.finalEntry(pl.at)
		if e == nil || e.Kind != keyspace.KindList {
			return fmt.Errorf("internal error: list edits on %q without a list at commit", pl.at.key)
		}
		if err := t.flushList(pl, e.List); err != nil {
			return err
		}
	}
	return nil
}

func (t *translator) flushList(pl *pendingList, l *keyspace.List) error {
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
	for _, p := range touched {
		if p >= lo && p < hi {
			t.b.PutElem(pl.at.pdb, pl.at.key, p, l.Index(int(p-lo)))
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
				t.b.DelElem(pl.at.pdb, pl.at.key, p)
			}
		}
	} else {
		if below > 0 {
			t.b.DelElems(pl.at.pdb, pl.at.key, minOut, lo)
		}
		if above > 0 {
			t.b.DelElems(pl.at.pdb, pl.at.key, hi, maxOut+1)
		}
	}
	if b != l.Base {
		t.bases = append(t.bases, listBase{l: l, base: b})
	}
	return nil
}

// ---------------------------------------------------------------------
// Loading records into entries.
// ---------------------------------------------------------------------

// entryBuilder assembles entries from a key-ordered stream of records
// (Store.Load, snapshots, export files) and hands each finished one to
// emit.
type entryBuilder struct {
	emit  func(db int, key string, e *keyspace.Entry)
	cur   *keyspace.Entry
	db    int
	key   string
	arena []byte
	slab  []keyspace.Entry
}

// newEntry returns a zeroed entry. Entries come from slabs of 256: one
// allocation (and one object for the GC to track) per 256 keys at
// restart. A slab stays allocated while any of its entries lives, which
// bounds the cost by the size of the data loaded.
func (eb *entryBuilder) newEntry() *keyspace.Entry {
	if len(eb.slab) == 0 {
		eb.slab = make([]keyspace.Entry, 256)
	}
	e := &eb.slab[0]
	eb.slab = eb.slab[1:]
	return e
}

// copyKey copies a key out of the scan's buffers, into the same chunks
// as small values (keys are immutable strings).
func (eb *entryBuilder) copyKey(k []byte) string {
	if len(k) == 0 {
		return ""
	}
	c := eb.copyValue(k)
	return unsafe.String(unsafe.SliceData(c), len(c))
}

func newEntryBuilder(emit func(db int, key string, e *keyspace.Entry)) *entryBuilder {
	return &entryBuilder{emit: emit}
}

// copyValue copies v out of the scan's buffers. Small values share 64 KiB
// chunks (one allocation for many keys); every copy is capped, so an
// APPEND reallocates rather than writing into a neighbour.
func (eb *entryBuilder) copyValue(v []byte) []byte {
	if len(v) == 0 {
		return []byte{}
	}
	if len(v) > 512 {
		c := make([]byte, len(v))
		copy(c, v)
		return c
	}
	if len(eb.arena)+len(v) > cap(eb.arena) {
		eb.arena = make([]byte, 0, 64<<10)
	}
	s := len(eb.arena)
	eb.arena = append(eb.arena, v...)
	return eb.arena[s:len(eb.arena):len(eb.arena)]
}

func (eb *entryBuilder) add(r *store.Record) error {
	switch r.Tag {
	case store.TagMeta:
		eb.done()
		eb.db, eb.key = r.DB, eb.copyKey(r.Key)
		e := eb.newEntry()
		e.ExpireAt = r.Deadline
		switch r.Kind {
		case store.KindString:
			e.Kind, e.Str = keyspace.KindString, eb.copyValue(r.Value)
		case store.KindJSON:
			e.Kind, e.Str = keyspace.KindJSON, eb.copyValue(r.Value)
		case store.KindHash:
			e.Kind, e.Hash = keyspace.KindHash, keyspace.NewHash(0)
		case store.KindList:
			e.Kind, e.List = keyspace.KindList, keyspace.NewList()
		}
		eb.cur = e
	case store.TagField:
		eb.cur.Hash.Set(eb.copyKey(r.Field), eb.copyValue(r.Value))
	case store.TagElem:
		if eb.cur.List.Len() == 0 {
			eb.cur.List.Base = r.Pos
		}
		eb.cur.List.PushBack(eb.copyValue(r.Value))
	}
	return nil
}

// done emits the entry being built, if any. A container without elements
// (which the mutation path never leaves) is dropped.
func (eb *entryBuilder) done() {
	e := eb.cur
	eb.cur = nil
	if e == nil {
		return
	}
	if (e.Kind == keyspace.KindHash && e.Hash.Len() == 0) || (e.Kind == keyspace.KindList && e.List.Len() == 0) {
		return
	}
	eb.emit(eb.db, eb.key, e)
}

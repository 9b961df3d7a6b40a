package potato

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"rustypotato/internal/keyspace"
	"rustypotato/internal/store"
)

// load fills the branches from the store: every space the branches' chains
// reach becomes a layer, parents first; a space nothing reaches (left by a
// crash between a fork and its branch's deletion, say) is dropped. It
// returns the number of entries loaded.
func (p *persister) load() (int, error) {
	rd := p.st.Reader()
	lay, err := rd.Layout()
	if err != nil {
		return 0, err
	}
	c := p.c
	// A hidden branch (a pin of SnapshotExport) left by a crash goes.
	cleanup := p.st.NewBatch()
	brecs := lay.Branches[:0]
	for _, br := range lay.Branches {
		if strings.HasPrefix(br.Name, hiddenPrefix) {
			cleanup.DelBranch(br.Name)
			continue
		}
		brecs = append(brecs, br)
	}
	lay.Branches = brecs
	// References: each branch top, each child space of a live space.
	live := map[uint64]bool{}
	children := map[uint64]int{} // live child spaces of each space
	for _, br := range lay.Branches {
		for _, t := range br.Tops {
			for id := t; !live[id]; {
				live[id] = true
				sr := lay.Spaces[id]
				if !sr.HasParent {
					break
				}
				id = sr.Parent
			}
		}
	}
	for id, sr := range lay.Spaces {
		if id >= p.nextSpace {
			p.nextSpace = id + 1
		}
		if !live[id] {
			continue
		}
		ref := p.spaces[id]
		if ref == nil {
			ref = &spaceRef{}
			p.spaces[id] = ref
		}
		ref.parent, ref.hasParent = sr.Parent, sr.HasParent
		if sr.HasParent {
			pr := p.spaces[sr.Parent]
			if pr == nil {
				pr = &spaceRef{}
				p.spaces[sr.Parent] = pr
			}
			pr.refs++
			children[sr.Parent]++
		}
	}
	for _, br := range lay.Branches {
		for _, t := range br.Tops {
			p.spaces[t].refs++
		}
	}
	layers := map[uint64]*keyspace.Layer{}
	n := 0
	var loadSpace func(id uint64) (*keyspace.Layer, error)
	loadSpace = func(id uint64) (*keyspace.Layer, error) {
		if l := layers[id]; l != nil {
			return l, nil
		}
		sr := lay.Spaces[id]
		var parent *keyspace.Layer
		if sr.HasParent {
			var err error
			if parent, err = loadSpace(sr.Parent); err != nil {
				return nil, err
			}
		}
		l := keyspace.NewLayer(parent)
		l.Space = id
		// A space nobody builds on, over nothing, may drop the keys
		// that expired while the server was down, as Redis does at
		// load; elsewhere a shared or layered value stays until active
		// expiry removes it through the mutation path. Its one
		// reference must be a branch's top, not a child space: a
		// child's tombstones and overlays (which may have cleared the
		// deadline) are over the parent's values, expired or not.
		standalone := parent == nil && p.spaces[id].refs == 1 && children[id] == 0
		k, err := p.loadLayer(rd, l, standalone)
		if err != nil {
			return nil, fmt.Errorf("space %d: %w", id, err)
		}
		n += k
		layers[id] = l
		return l, nil
	}
	// Load in a fixed order (branches by name), so restarts are alike.
	sort.Slice(lay.Branches, func(i, j int) bool { return lay.Branches[i].Name < lay.Branches[j].Name })
	brs := map[string]*branch{}
	for _, rec := range lay.Branches {
		ks := keyspace.NewWithSeed(c.seed)
		for db, t := range rec.Tops {
			l, err := loadSpace(t)
			if err != nil {
				return n, err
			}
			ks.SetTop(db, l)
			ks.ResetExpiryCursors(db)
		}
		b := c.main
		if rec.Name == MainBranch {
			b.ks = ks
		} else {
			b = newBranch(rec.Name, ks)
		}
		b.id, b.parent, b.createdSeq = rec.ID, rec.Parent, rec.ForkSeq
		if rec.CreatedMs != 0 {
			b.created = time.UnixMilli(rec.CreatedMs)
		}
		b.seq.Store(rec.Seq)
		if rec.ID > c.brs.nextID {
			c.brs.nextID = rec.ID
		}
		brs[rec.Name] = b
	}
	c.brs.m = brs
	// Drop what no branch reaches.
	for id := range lay.Spaces {
		if !live[id] {
			cleanup.DropSpace(id)
		}
	}
	if err := p.st.Commit(cleanup); err != nil {
		return n, err
	}
	return n, nil
}

// loadLayer fills layer l with the records of its space. Restart time is
// what it costs, so it is a pipeline: this goroutine scans Pebble and
// builds entries, another inserts them into maps presized from the key
// count recorded at the last clean close. With dropExpired, keys past
// their deadline are deleted instead.
func (p *persister) loadLayer(rd *store.Reader, l *keyspace.Layer, dropExpired bool) (int, error) {
	c := p.c
	ks := keyspace.NewWithSeed(c.seed) // for its shard function only
	l.Presize(rd.KeyCountHint(l.Space))
	const batchLen = 1024
	full := make(chan []loadedEntry, 16)
	free := make(chan []loadedEntry, 16)
	var inserted sync.WaitGroup
	inserted.Add(1)
	go func() {
		defer inserted.Done()
		for b := range full {
			for i := range b {
				ks.PutNew(l, b[i].key, b[i].e)
				b[i] = loadedEntry{}
			}
			select {
			case free <- b[:0]:
			default:
			}
		}
	}()
	n := 0
	now := c.nowMs()
	cur := make([]loadedEntry, 0, batchLen)
	del := p.st.NewBatch()
	expired := 0
	var cerr error
	eb := newEntryBuilder(func(db int, key string, e *keyspace.Entry) {
		if dropExpired && e.Expired(now) {
			del.DelKey(l.Space, key)
			if expired++; del.Count() >= 4096 && cerr == nil {
				cerr = p.st.Commit(del)
				del = p.st.NewBatch()
			}
			return
		}
		cur = append(cur, loadedEntry{key: key, e: e})
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
	eb.parent = l.Parent()
	err := rd.ScanSpace(l.Space, eb.add)
	if err == nil {
		err = eb.done()
	}
	if len(cur) > 0 {
		full <- cur
	}
	close(full)
	inserted.Wait()
	l.FinishBulk()
	if cerr2 := p.st.Commit(del); cerr == nil {
		cerr = cerr2
	}
	if expired > 0 {
		c.log.Info("removed keys that expired while the server was down", "keys", expired)
	}
	if err == nil {
		err = cerr
	}
	return n, err
}

type loadedEntry struct {
	db  int
	key string
	e   *keyspace.Entry
}

// ---------------------------------------------------------------------
// Loading records into entries.
// ---------------------------------------------------------------------

// entryBuilder assembles entries from a key-ordered stream of records
// (a space at restart, snapshots, export files) and hands each finished
// one to emit. With parent set, overlay records apply to the value the
// parent layer's view holds, and tombstones are emitted as such.
type entryBuilder struct {
	emit   func(db int, key string, e *keyspace.Entry)
	parent *keyspace.Layer
	cur    *keyspace.Entry
	db     int
	key    string
	arena  []byte
	slab   []keyspace.Entry
	// An overlay list being built: its range and the elements the
	// records give (the rest is the parent's).
	olist  bool
	obase  int64
	olen   int64
	oelems map[int64][]byte
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
		if err := eb.done(); err != nil {
			return err
		}
		eb.db, eb.key = r.DB, eb.copyKey(r.Key)
		if r.Overlay {
			return eb.startOverlay(r)
		}
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
		case store.KindSet:
			e.Kind, e.Set = keyspace.KindSet, keyspace.NewSet()
		case store.KindZSet:
			e.Kind, e.ZSet = keyspace.KindZSet, keyspace.NewZSet()
			e.ZSet.SetListpack(false) // keeps -0 while loading; done() picks the encoding
		case store.KindTombstone:
			if eb.parent == nil {
				return fmt.Errorf("%w: tombstone of key %q in a space without a parent", store.ErrCorrupt, eb.key)
			}
			e.Kind = keyspace.KindTombstone
		}
		eb.cur = e
	case store.TagField:
		if eb.cur.Kind == keyspace.KindSet {
			// Loading re-encodes a set by Redis's default limit, as
			// Redis's RDB load does by its configured one (persist_set.go).
			eb.cur.Set.Add(eb.copyKey(r.Field), loadMaxIntset)
			return nil
		}
		if eb.cur.Kind == keyspace.KindZSet {
			eb.cur.ZSet.Add(eb.copyKey(r.Field), zscoreOf(r.Value))
			return nil
		}
		eb.cur.Hash.Set(eb.copyKey(r.Field), eb.copyValue(r.Value))
	case store.TagFieldDel:
		if eb.cur.Kind == keyspace.KindSet {
			eb.cur.Set.Rem(string(r.Field))
			return nil
		}
		if eb.cur.Kind == keyspace.KindZSet {
			eb.cur.ZSet.Del(string(r.Field))
			return nil
		}
		eb.cur.Hash.Del(string(r.Field))
	case store.TagElem:
		if eb.olist {
			eb.oelems[r.Pos] = eb.copyValue(r.Value)
			return nil
		}
		if eb.cur.List.Len() == 0 {
			eb.cur.List.Base = r.Pos
		}
		eb.cur.List.PushBack(eb.copyValue(r.Value))
	}
	return nil
}

// startOverlay begins an entry copied up from the parent's view.
func (eb *entryBuilder) startOverlay(r *store.Record) error {
	base := keyspace.ViewGet(eb.parent, eb.key)
	want := keyspace.KindHash
	if r.Kind == store.KindList {
		want = keyspace.KindList
	}
	if r.Kind == store.KindSet {
		want = keyspace.KindSet
	}
	if r.Kind == store.KindZSet {
		want = keyspace.KindZSet
	}
	if base == nil || base.Kind != want {
		return fmt.Errorf("%w: overlay of key %q over no value of its type in the parent space", store.ErrCorrupt, eb.key)
	}
	e := base.CloneFrozen()
	e.CopiedUp = true
	if e.ZSet != nil {
		e.ZSet.SetListpack(false) // as for a new set: done() picks the encoding
	}
	e.ExpireAt = r.Deadline
	eb.cur = e
	if want == keyspace.KindList {
		eb.olist, eb.obase, eb.olen = true, r.Base, r.Len
		if eb.oelems == nil {
			eb.oelems = map[int64][]byte{}
		}
	}
	return nil
}

// finishOverlayList turns the parent's list (cloned into eb.cur) into the
// overlay's: trimmed to its range, extended and changed by its elements.
func (eb *entryBuilder) finishOverlayList() error {
	l := eb.cur.List
	lo, hi := eb.obase, eb.obase+eb.olen
	cur := l.Base
	for l.Len() > 0 && cur < lo {
		l.PopFront()
		cur++
	}
	for l.Len() > 0 && cur+int64(l.Len()) > hi {
		l.PopBack()
	}
	if l.Len() == 0 {
		cur = lo
	}
	missing := func(p int64) error {
		return fmt.Errorf("%w: overlay list %q has no element at position %d", store.ErrCorrupt, eb.key, p)
	}
	for p := cur - 1; p >= lo; p-- {
		v, ok := eb.oelems[p]
		if !ok {
			return missing(p)
		}
		l.PushFront(v)
		delete(eb.oelems, p)
	}
	for p := lo + int64(l.Len()); p < hi; p++ {
		v, ok := eb.oelems[p]
		if !ok {
			return missing(p)
		}
		l.PushBack(v)
		delete(eb.oelems, p)
	}
	for p, v := range eb.oelems {
		l.Set(int(p-lo), v)
	}
	l.Base = lo
	clear(eb.oelems)
	eb.olist = false
	return nil
}

// done emits the entry being built, if any. A container without elements
// (which the mutation path never leaves) is dropped.
func (eb *entryBuilder) done() error {
	e := eb.cur
	eb.cur = nil
	if e == nil {
		return nil
	}
	if eb.olist {
		eb.cur = e
		err := eb.finishOverlayList()
		eb.cur = nil
		if err != nil {
			return err
		}
	}
	if e.Kind == keyspace.KindZSet && e.ZSet.Len() > 0 {
		// The encoding Redis gives a loaded set, by the default limits.
		e.ZSet.SetListpack(e.ZSet.Len() <= keyspace.ZSetMaxListpackEntries && e.ZSet.MaxMemberLen() <= keyspace.ZSetMaxListpackValue)
	}
	if (e.Kind == keyspace.KindHash && e.Hash.Len() == 0) || (e.Kind == keyspace.KindList && e.List.Len() == 0) ||
		(e.Kind == keyspace.KindSet && e.Set.Len() == 0) || (e.Kind == keyspace.KindZSet && e.ZSet.Len() == 0) {
		if !e.CopiedUp {
			return nil
		}
		// An overlay emptied (cannot happen through the mutation path,
		// which deletes an empty container): the key is gone.
		e = &keyspace.Entry{Kind: keyspace.KindTombstone}
	}
	eb.emit(eb.db, eb.key, e)
	return nil
}

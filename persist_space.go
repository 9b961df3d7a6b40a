package potato

import (
	"fmt"
	"rustypotato/internal/keyspace"
	"rustypotato/internal/store"
	"slices"
)

// This file keeps the spaces on disk in step with the layers in memory:
// forks create spaces, FLUSHDB replaces one, deleting a branch drops the
// spaces only it read, and a fold merges two.

// spaceDrop is a space a batch drops, and its parent (which loses a
// reference).
type spaceDrop struct {
	id        uint64
	parent    uint64
	hasParent bool
}

// allocSpace returns a new space number. The caller holds spMu, or is the
// only user (load).
func (p *persister) allocSpace() uint64 {
	id := p.nextSpace
	p.nextSpace++
	return id
}

// planDrops works out, for reference changes delta (space -> change),
// which spaces are left without references, writes their removal to b,
// and returns them; their parents lose a reference in turn. Spaces delta
// names that the bookkeeping does not know yet (created by the batch)
// start from zero. The caller holds spMu and applies the result with
// applyRefs once b is written.
func (p *persister) planDrops(b *store.Batch, delta map[uint64]int) []spaceDrop {
	var drops []spaceDrop
	refs := func(id uint64) int {
		if sr := p.spaces[id]; sr != nil {
			return sr.refs
		}
		return 0
	}
	queue := make([]uint64, 0, len(delta))
	for id := range delta {
		queue = append(queue, id)
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if refs(id)+delta[id] > 0 || delta[id] == 0 && p.spaces[id] != nil {
			continue
		}
		if refs(id)+delta[id] < 0 {
			continue // already planned
		}
		sr := p.spaces[id]
		d := spaceDrop{id: id}
		if sr != nil {
			d.parent, d.hasParent = sr.parent, sr.hasParent
		}
		drops = append(drops, d)
		if debugSpaces {
			fmt.Printf("plan drop %d (refs %d delta %d) parent %d/%v\n", id, refs(id), delta[id], d.parent, d.hasParent)
		}
		b.DropSpace(id)
		delta[id]-- // mark planned: below zero
		if d.hasParent {
			delta[d.parent]--
			queue = append(queue, d.parent)
		}
	}
	return drops
}

// applyRefs applies reference changes and drops planned by planDrops to
// the bookkeeping, after their batch was written. The caller holds spMu.
func (p *persister) applyRefs(delta map[uint64]int, drops []spaceDrop) {
	dropped := map[uint64]bool{}
	for _, d := range drops {
		dropped[d.id] = true
		delete(p.spaces, d.id)
	}
	for id, n := range delta {
		if dropped[id] {
			continue
		}
		if sr := p.spaces[id]; sr != nil {
			sr.refs += n
		}
	}
}

// fork records branch nb, just forked from from (both hold their new top
// layers in memory): new spaces for the new layers, both branch records,
// the references. The caller holds every stripe of from and the branch
// table; nb is not visible yet.
func (p *persister) fork(from, nb *branch) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	if err := p.st.Err(); err != nil {
		return persistError(err)
	}
	p.spMu.Lock()
	defer p.spMu.Unlock()
	b := p.st.NewBatch()
	var created []newSpace
	next := p.nextSpace
	delta := map[uint64]int{}
	name := func(l *keyspace.Layer) {
		if l.Space != keyspace.NoSpace {
			return
		}
		id := next
		next++
		created = append(created, newSpace{l: l, id: id})
		if par := l.Parent(); par != nil {
			b.PutSpace(id, par.Space, true)
			delta[par.Space]++
		} else {
			b.PutSpace(id, 0, false)
		}
		delta[id]++ // the branch's top
	}
	for db := 0; db < NumDBs; db++ {
		if top := from.ks.Top(db); top.Space == keyspace.NoSpace {
			// The old top froze: it is now the parent of both new tops
			// (counted as they are named) instead of a branch's top.
			delta[top.Parent().Space]--
			name(top)
		}
		name(nb.ks.Top(db))
	}
	spaceOf := func(l *keyspace.Layer) uint64 {
		for _, ns := range created {
			if ns.l == l {
				return ns.id
			}
		}
		return l.Space
	}
	for _, br := range []*branch{from, nb} {
		rec := p.branchRecord(br)
		for db := range rec.Tops {
			rec.Tops[db] = spaceOf(br.ks.Top(db))
		}
		b.PutBranch(&rec)
	}
	if err := p.st.Commit(b); err != nil {
		return persistError(err)
	}
	if debugSpaces {
		for _, ns := range created {
			fmt.Printf("fork: new space %d\n", ns.id)
		}
	}
	p.nextSpace = next
	for _, ns := range created {
		ns.l.Space = ns.id
		sr := &spaceRef{}
		if par := ns.l.Parent(); par != nil {
			sr.parent, sr.hasParent = par.Space, true
		}
		p.spaces[ns.id] = sr
	}
	p.applyRefs(delta, nil)
	return nil
}

// deleteBranch removes b's record and the spaces only it refers to. The
// caller holds every stripe of b and the branch table.
func (p *persister) deleteBranch(br *branch) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	if err := p.st.Err(); err != nil {
		return persistError(err)
	}
	p.spMu.Lock()
	defer p.spMu.Unlock()
	b := p.st.NewBatch()
	b.DelBranch(br.name)
	delta := map[uint64]int{}
	for db := 0; db < NumDBs; db++ {
		delta[br.ks.Top(db).Space]--
	}
	drops := p.planDrops(b, delta)
	if err := p.st.Commit(b); err != nil {
		return persistError(err)
	}
	p.applyRefs(delta, drops)
	return nil
}

// fold merges, on disk, layer child of database db with its parent, the
// way keyspace.Fold is about to in memory (FoldsIntoParent says which
// way): the records of the smaller side are rewritten into the other's
// space, references move, the emptied space is dropped. The caller holds
// every stripe of db in every branch that reads child, and the branch
// table.
func (p *persister) fold(db int, child *keyspace.Layer) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	if err := p.st.Err(); err != nil {
		return persistError(err)
	}
	p.spMu.Lock()
	defer p.spMu.Unlock()
	par := child.Parent()
	b := p.st.NewBatch()
	rd := p.st.Reader()
	var kept, gone *keyspace.Layer
	var err error
	if keyspace.FoldsIntoParent(child) {
		kept, gone = par, child
		err = p.foldDown(b, rd, child, par)
	} else {
		kept, gone = child, par
		err = p.foldUp(b, rd, child, par)
	}
	if err != nil {
		b.Discard()
		return err
	}
	// Whatever referred to gone refers to kept now.
	c := p.c
	var reparent []uint64
	for _, br := range c.brs.m {
		changed := false
		for d := 0; d < NumDBs; d++ {
			if br.ks.Top(d) == gone {
				changed = true
			}
			for l := br.ks.Top(d); l != nil; l = l.Parent() {
				if l.Parent() == gone && l != child && !slices.Contains(reparent, l.Space) {
					b.PutSpace(l.Space, kept.Space, true)
					reparent = append(reparent, l.Space)
				}
			}
		}
		if changed {
			rec := p.branchRecord(br)
			for d := range rec.Tops {
				if br.ks.Top(d) == gone {
					rec.Tops[d] = kept.Space
				}
			}
			b.PutBranch(&rec)
		}
	}
	if kept == child {
		// child now sits where par was.
		if pp := par.Parent(); pp != nil {
			b.PutSpace(child.Space, pp.Space, true)
		} else {
			b.PutSpace(child.Space, 0, false)
		}
	}
	b.DropSpace(gone.Space)
	if err := p.st.Commit(b); err != nil {
		return persistError(err)
	}
	if debugSpaces {
		fmt.Printf("fold db %d: kept %d gone %d (child %d) reparent %v\n", db, kept.Space, gone.Space, child.Space, reparent)
	}
	gr := p.spaces[gone.Space]
	kr := p.spaces[kept.Space]
	if gr == nil || kr == nil {
		panic(fmt.Sprintf("fold: spaces gone %d (%v) kept %d (%v) child %d", gone.Space, gr, kept.Space, kr, child.Space))
	}
	delete(p.spaces, gone.Space)
	for _, id := range reparent {
		if p.spaces[id] == nil {
			panic(fmt.Sprintf("reparent of unknown space %d (kept %d gone %d)", id, kept.Space, gone.Space))
		}
		p.spaces[id].parent = kept.Space
	}
	if kept == child {
		kr.parent, kr.hasParent = gr.parent, gr.hasParent
	} else {
		kr.refs = gr.refs
	}
	return nil
}

// foldDown rewrites child's records into par's space: each key's records
// in child apply to par's value as child's view had it.
func (p *persister) foldDown(b *store.Batch, rd *store.Reader, child, par *keyspace.Layer) error {
	ps := par.Space
	var key string
	var mode int // how the current key's records apply
	const (
		modeCopy     = iota // as they are: a full value, or an overlay over what par reads through
		modeMaterial        // an overlay over par's own full value: its changes become par's value
		modeOverlay         // an overlay over par's own overlay: it stays one
	)
	return rd.ScanSpace(child.Space, func(r *store.Record) error {
		if r.Tag == store.TagMeta {
			key = string(r.Key)
			pe := par.Lookup(key)
			switch {
			case r.Kind == store.KindTombstone:
				if keyspace.ViewGet(par.Parent(), key) != nil {
					b.PutTombstone(ps, key)
				} else {
					b.DelKey(ps, key)
				}
				return nil
			case !r.Overlay || pe == nil || pe.Kind == keyspace.KindTombstone:
				mode = modeCopy
				b.DelKey(ps, key)
			case pe.CopiedUp:
				mode = modeOverlay
			default:
				mode = modeMaterial
			}
			switch {
			case r.Kind == store.KindString:
				b.PutString(ps, key, r.Deadline, r.Value)
			case r.Kind == store.KindJSON:
				b.PutJSON(ps, key, r.Deadline, r.Value)
			case r.Overlay && mode != modeMaterial && r.Kind == store.KindSet:
				b.PutOverlaySetMeta(ps, key, r.Deadline)
			case r.Overlay && mode != modeMaterial && (r.Kind == store.KindHash || r.Kind == store.KindZSet):
				b.PutOverlayMetaKind(ps, key, r.Kind, r.Deadline)
			case r.Overlay && mode != modeMaterial:
				b.PutOverlayListMeta(ps, key, r.Deadline, r.Base, int(r.Len))
			case r.Overlay && r.Kind == store.KindList:
				// par's elements outside the list's range are gone.
				b.PutMeta(ps, key, store.KindList, r.Deadline)
				b.DelElems(ps, key, -1<<63, r.Base)
				b.DelElems(ps, key, r.Base+r.Len, 1<<63-1)
			default:
				b.PutMeta(ps, key, r.Kind, r.Deadline)
			}
			return nil
		}
		switch r.Tag {
		case store.TagField:
			if mode == modeOverlay {
				b.PutOverlayField(ps, key, string(r.Field), r.Value)
			} else {
				b.PutField(ps, key, string(r.Field), r.Value)
			}
		case store.TagFieldDel:
			if mode == modeMaterial {
				b.DelField(ps, key, string(r.Field))
			} else {
				b.PutFieldDel(ps, key, string(r.Field))
			}
		case store.TagElem:
			b.PutElem(ps, key, r.Pos, r.Value)
		}
		return nil
	})
}

// copyRecord writes record r of key into space sp as it is.
func copyRecord(b *store.Batch, sp uint64, key string, r *store.Record) {
	switch r.Tag {
	case store.TagMeta:
		switch {
		case r.Kind == store.KindString:
			b.PutString(sp, key, r.Deadline, r.Value)
		case r.Kind == store.KindJSON:
			b.PutJSON(sp, key, r.Deadline, r.Value)
		case r.Overlay && r.Kind == store.KindSet:
			b.PutOverlaySetMeta(sp, key, r.Deadline)
		case r.Overlay && (r.Kind == store.KindHash || r.Kind == store.KindZSet):
			b.PutOverlayMetaKind(sp, key, r.Kind, r.Deadline)
		case r.Overlay:
			b.PutOverlayListMeta(sp, key, r.Deadline, r.Base, int(r.Len))
		default:
			b.PutMeta(sp, key, r.Kind, r.Deadline)
		}
	case store.TagField:
		b.PutField(sp, key, string(r.Field), r.Value)
	case store.TagFieldDel:
		b.PutFieldDel(sp, key, string(r.Field))
	case store.TagElem:
		b.PutElem(sp, key, r.Pos, r.Value)
	}
}

// foldUp rewrites par's records into child's space for the keys child
// does not hold; child's overlays over par's values are written whole
// (their base goes away).
func (p *persister) foldUp(b *store.Batch, rd *store.Reader, child, par *keyspace.Layer) error {
	cs := child.Space
	pp := par.Parent()
	var key string
	skip := false
	err := rd.ScanSpace(par.Space, func(r *store.Record) error {
		if r.Tag == store.TagMeta {
			key = string(r.Key)
			ce := child.Lookup(key)
			skip = ce != nil
			if skip {
				switch {
				case ce.Kind == keyspace.KindTombstone && keyspace.ViewGet(pp, key) == nil:
					b.DelKey(cs, key)
				case ce.CopiedUp && r.Kind != store.KindTombstone:
					b.DelKey(cs, key)
					writeEntry(b, cs, key, ce)
				}
				return nil
			}
			if r.Kind == store.KindTombstone && keyspace.ViewGet(pp, key) == nil {
				skip = true
				return nil
			}
		}
		if !skip {
			copyRecord(b, cs, key, r)
		}
		return nil
	})
	return err
}

// writeEntry writes e whole as key's value in space sp.
func writeEntry(b *store.Batch, sp uint64, key string, e *keyspace.Entry) {
	switch e.Kind {
	case keyspace.KindString:
		b.PutString(sp, key, e.ExpireAt, e.Str)
	case keyspace.KindJSON:
		b.PutJSON(sp, key, e.ExpireAt, e.Str)
	case keyspace.KindHash:
		b.PutMeta(sp, key, store.KindHash, e.ExpireAt)
		e.Hash.All(func(f keyspace.HashField) bool {
			b.PutField(sp, key, f.Name, f.Value)
			return true
		})
	case keyspace.KindList:
		b.PutMeta(sp, key, store.KindList, e.ExpireAt)
		e.List.Range(0, e.List.Len(), func(i int, v []byte) bool {
			b.PutElem(sp, key, e.List.Base+int64(i), v)
			return true
		})
	case keyspace.KindSet:
		putSetWhole(b, sp, key, e.ExpireAt, e.Set) // persist_set.go
	case keyspace.KindZSet:
		writeZSet(b, sp, key, e)
	}
}

var debugSpaces = false

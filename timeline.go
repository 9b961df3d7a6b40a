package potato

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sort"
	"sync"
	"time"

	"rustypotato/internal/keyspace"
)

// The timeline: every committed Mutation of a branch, kept (bounded by
// the retention settings) with what is needed to undo it, so that a
// person can read the history (Timeline, History) and roll a branch back
// (RollbackTo). It is fed by Tx.commit, the one mutation path, while the
// keys are still locked, so per key its order is the commit order.
//
// What an entry keeps: the Mutation's Edits, whose Before images and
// field-level records undo container changes, and for a whole-value
// change (EditSet, EditDel) the previous entry. A previous container is
// kept as a copy that shares structure with the live value (Entry.Clone
// retags both, so neither is written in place again): O(1), and the
// timeline's copy never changes. A FLUSHDB keeps the detached contents;
// their layers are pinned against folding (pinnedLayers).

// TimelineOptions bounds the timeline. The zero value means the defaults.
type TimelineOptions struct {
	// Disabled turns the timeline off: no history, no rollback.
	Disabled bool
	// MaxEntries bounds the entries kept per branch (0: default 100000;
	// negative: no bound).
	MaxEntries int
	// MaxAge drops entries older than this (0: no bound).
	MaxAge time.Duration
	// MaxMemory bounds the estimated bytes kept per branch (0: default
	// 64 MiB; negative: no bound).
	MaxMemory int64
}

// Timeline defaults.
const (
	DefaultTimelineMaxEntries = 100000
	DefaultTimelineMaxMemory  = 64 << 20
)

func (o TimelineOptions) norm() TimelineOptions {
	if o.MaxEntries == 0 {
		o.MaxEntries = DefaultTimelineMaxEntries
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = DefaultTimelineMaxMemory
	}
	return o
}

// Origin says who made a change: the command and the client, as the
// timeline shows them. The server sets it for each command
// (Tx.SetOrigin); library writes have an empty Origin unless the caller
// sets one.
type Origin struct {
	Cmd        string // command name, lower case ("set", "hset", ...)
	ClientID   int64
	ClientName string
	ClientAddr string
}

// SetOrigin sets the Origin recorded with the transaction's following
// changes.
func (tx *Tx) SetOrigin(o Origin) { tx.origin = o }

// TimelineEntry is one change on the timeline: a Mutation as committed.
type TimelineEntry struct {
	Seq    uint64
	Time   time.Time
	DB     int
	Key    string // "" for FLUSHDB and SWAPDB
	Op     string // the keyspace-event name
	Origin Origin
	// Edits are the primitive changes with their before images (see
	// Mutation); they must not be modified.
	Edits []Edit
	bytes int64
}

// timeline is one branch's list of entries, ordered by seq. Its history
// goes on in the parent's timeline, up to the fork point.
type timeline struct {
	mu      sync.Mutex
	entries []*TimelineEntry // ordered by Seq; entries[0] is the oldest kept
	bytes   int64
	trimmed uint64 // highest seq dropped by retention (0: none)
	wake    chan struct{}

	parent  *timeline // the parent branch's timeline, read up to created
	created uint64    // the branch's seq when it was made (its fork point)

	// skipped are the seqs given to transactions whose durable commit
	// failed: they will never be recorded, so a reader waiting for the
	// gap they leave (stable) goes past them.
	skipped [][2]uint64
}

// timelineCfg is the live retention (CONFIG SET changes it).
type timelineCfg struct {
	mu  sync.RWMutex
	opt TimelineOptions
}

func (c *core) timelineOpts() TimelineOptions {
	c.tlCfg.mu.RLock()
	defer c.tlCfg.mu.RUnlock()
	return c.tlCfg.opt
}

// SetTimelineOptions changes the timeline's retention, live (CONFIG SET
// timeline-*). Turning it off drops every branch's timeline; turning it
// on starts empty ones. Shrinking bounds trims at once.
func (d *DB) SetTimelineOptions(o TimelineOptions) {
	c := d.c
	o = o.norm()
	c.tlCfg.mu.Lock()
	c.tlCfg.opt = o
	c.tlCfg.mu.Unlock()
	c.brs.mu.Lock()
	brs := make([]*branch, 0, len(c.brs.m))
	for _, b := range c.brs.m {
		brs = append(brs, b)
	}
	c.brs.mu.Unlock()
	for _, b := range brs {
		b.ks.LockAll()
		if o.Disabled {
			b.tl.Store(nil)
		} else if b.tl.Load() == nil {
			b.tl.Store(&timeline{created: b.seq.Load(), trimmed: b.seq.Load()})
		}
		if tl := b.tl.Load(); tl != nil {
			tl.mu.Lock()
			tl.trim(o, c.opts.Clock.Now())
			tl.mu.Unlock()
		}
		b.ks.UnlockAll()
	}
}

// trimTimelines drops, in the background (the active expiry's tick), the
// entries past MaxAge of timelines nobody writes to (a write trims its
// own timeline as it records).
func (c *core) trimTimelines() {
	opt := c.timelineOpts()
	if opt.Disabled || opt.MaxAge <= 0 {
		return
	}
	now := c.opts.Clock.Now()
	c.brs.mu.RLock()
	tls := make([]*timeline, 0, len(c.brs.m))
	for _, b := range c.brs.m {
		if tl := b.tl.Load(); tl != nil {
			tls = append(tls, tl)
		}
	}
	c.brs.mu.RUnlock()
	for _, tl := range tls {
		tl.mu.Lock()
		tl.trim(opt, now)
		tl.mu.Unlock()
	}
}

// TimelineOptions returns the timeline's retention settings.
func (d *DB) TimelineOptions() TimelineOptions { return d.c.timelineOpts() }

// record adds the committed mutations of tx to its branch's timeline.
// The caller (commit) holds their keys' stripes.
func (tl *timeline) record(c *core, tx *Tx) {
	opt := c.timelineOpts()
	if opt.Disabled {
		return
	}
	var buf [4]*TimelineEntry
	fresh := buf[:0]
	for i := range tx.muts {
		m := &tx.muts[i]
		var te *TimelineEntry
		if len(m.Edits) == 1 {
			// The common case in one allocation.
			one := &struct {
				te TimelineEntry
				ed [1]Edit
			}{}
			te = &one.te
			te.Edits = one.ed[:]
		} else {
			te = &TimelineEntry{Edits: make([]Edit, len(m.Edits))}
		}
		te.Seq, te.Time, te.DB, te.Key, te.Op, te.Origin = m.Seq, m.Time, m.DB, m.Key, m.Op, m.Origin
		te.bytes = 160 + int64(len(m.Key))
		for j := range m.Edits {
			ed := m.Edits[j]
			ed.prevTop, ed.next, ed.watchers, ed.snap = nil, nil, nil, nil
			switch ed.Kind {
			case EditSet, EditDel:
				if p := m.Edits[j].prev; p != nil && p.Kind != keyspace.KindString && p.Kind != keyspace.KindJSON {
					// The timeline's copy of the old container, which
					// never changes: the value as deleted when it lives
					// on under another key (the transaction may have
					// changed it since: keepMoved), else the entry itself,
					// which left the keyspace.
					if s := m.Edits[j].snap; s != nil {
						ed.prev = s
					}
					te.bytes += entryValueSize(p, 8)
				}
			case EditFlushDB:
				n := ed.flushed.Old().Stored()
				te.bytes += int64(n) * (memEntry + 32)
			}
			te.bytes += 120 + int64(len(ed.Field)+len(ed.Before)+len(ed.After))
			te.Edits[j] = ed
		}
		fresh = append(fresh, te)
	}
	tl.mu.Lock()
	for _, te := range fresh {
		if te.Seq <= tl.trimmed {
			continue // committed before the timeline (re)started, or trimmed
		}
		n := len(tl.entries)
		tl.entries = append(tl.entries, te)
		// Transactions on other keys commit concurrently: keep seq order.
		for i := n; i > 0 && tl.entries[i-1].Seq > te.Seq; i-- {
			tl.entries[i-1], tl.entries[i] = tl.entries[i], tl.entries[i-1]
		}
		tl.bytes += te.bytes
	}
	tl.trim(opt, tx.now)
	if tl.wake != nil {
		close(tl.wake)
		tl.wake = nil
	}
	tl.mu.Unlock()
}

// trim drops the oldest entries beyond the retention bounds. The caller
// holds tl.mu. Dropping from the front is amortized O(1) per entry.
func (tl *timeline) trim(opt TimelineOptions, now time.Time) {
	drop := 0
	bytes := tl.bytes
	for drop < len(tl.entries) {
		te := tl.entries[drop]
		over := (opt.MaxEntries > 0 && len(tl.entries)-drop > opt.MaxEntries) ||
			(opt.MaxMemory > 0 && bytes > opt.MaxMemory) ||
			(opt.MaxAge > 0 && now.Sub(te.Time) > opt.MaxAge)
		if !over {
			break
		}
		bytes -= te.bytes
		drop++
	}
	if drop == 0 {
		return
	}
	tl.trimmed = max(tl.trimmed, tl.entries[drop-1].Seq)
	clear(tl.entries[:drop])
	tl.entries = tl.entries[drop:]
	tl.bytes = bytes
	if cap(tl.entries) > 64 && len(tl.entries) < cap(tl.entries)/4 {
		tl.entries = append([]*TimelineEntry(nil), tl.entries...)
	}
	for len(tl.skipped) > 0 && tl.skipped[0][1] <= tl.trimmed {
		tl.skipped = tl.skipped[1:]
	}
	if tl.parent != nil && tl.trimmed >= tl.created {
		// Nothing before the fork point is reachable any more.
		tl.parent = nil
	}
}

// oldest returns the oldest seq a rollback can return to: the state
// after that seq is reconstructible (the seq of the newest dropped entry,
// or the history's start).
func (tl *timeline) oldest() uint64 {
	tl.mu.Lock()
	p, tr, created := tl.parent, tl.trimmed, tl.created
	tl.mu.Unlock()
	if p == nil || tr >= created {
		return tr
	}
	// The parent's history reaches this branch up to the fork point.
	return min(p.oldest(), created)
}

// newerThan returns the entries with seq > since visible from this
// branch, oldest first: the parent's up to the fork point, then its own.
func (tl *timeline) newerThan(since uint64) []*TimelineEntry {
	var chain []*timeline
	var limits []uint64
	limit := ^uint64(0)
	for t := tl; t != nil; {
		chain = append(chain, t)
		limits = append(limits, limit)
		t.mu.Lock()
		p, up := t.parent, t.created
		t.mu.Unlock()
		if up <= since {
			break
		}
		t, limit = p, up
	}
	var out []*TimelineEntry
	for i := len(chain) - 1; i >= 0; i-- {
		t := chain[i]
		t.mu.Lock()
		lo := sort.Search(len(t.entries), func(j int) bool { return t.entries[j].Seq > since })
		for _, te := range t.entries[lo:] {
			if te.Seq > limits[i] {
				break
			}
			out = append(out, te)
		}
		t.mu.Unlock()
	}
	return out
}

// skip records that seqs lo..hi will never be recorded (their
// transaction's durable commit failed).
func (tl *timeline) skip(lo, hi uint64) {
	tl.mu.Lock()
	tl.skipped = append(tl.skipped, [2]uint64{lo, hi})
	if tl.wake != nil {
		close(tl.wake)
		tl.wake = nil
	}
	tl.mu.Unlock()
}

// stable is newerThan cut at the first seq not yet recorded: transactions
// commit concurrently, so seq 11 may be on the timeline before seq 10;
// a reader that resumes from the last seq it saw must not go past 10
// until it is there.
func (tl *timeline) stable(since uint64) []*TimelineEntry {
	all := tl.newerThan(since)
	var skips [][2]uint64
	for t := tl; t != nil; {
		t.mu.Lock()
		skips = append(skips, t.skipped...)
		p := t.parent
		t.mu.Unlock()
		t = p
	}
	want := since + 1
	for i, te := range all {
		for moved := true; moved && te.Seq != want; {
			moved = false
			for _, s := range skips {
				if s[0] <= want && want <= s[1] {
					want, moved = s[1]+1, true
				}
			}
		}
		if te.Seq != want {
			return all[:i]
		}
		want++
	}
	return all
}

// pins adds to out the layers of the FLUSHDB contents this timeline (and
// its parents', up to the fork) keeps, so that folding leaves them be:
// a child's inherited history pins them even once the parent branch is
// deleted.
func (tl *timeline) pins(out []*keyspace.Layer) []*keyspace.Layer {
	limit := ^uint64(0)
	for t := tl; t != nil; {
		t.mu.Lock()
		for _, te := range t.entries {
			if te.Seq > limit {
				break
			}
			for i := range te.Edits {
				if te.Edits[i].Kind == EditFlushDB {
					out = append(out, te.Edits[i].flushed.Old())
				}
			}
		}
		p, up := t.parent, t.created
		t.mu.Unlock()
		t, limit = p, up
	}
	return out
}

// fork gives a new branch, forked at seq at, a timeline that continues
// tl's.
func (tl *timeline) fork(at uint64) *timeline {
	if tl == nil {
		return nil
	}
	return &timeline{parent: tl, created: at}
}

// TimelineArgs selects timeline entries (DB.Timeline).
type TimelineArgs struct {
	// Since and Until bound the entries by seq (Since exclusive, Until
	// inclusive; 0 means no bound).
	Since, Until uint64
	// SinceTime and UntilTime bound them by time (zero: no bound).
	SinceTime, UntilTime time.Time
	// Match keeps entries whose key matches this glob; empty means all
	// (FLUSHDB and SWAPDB entries, whose key is "", match only "" or *).
	Match string
	// Count bounds the number of entries (0: no bound).
	Count int
	// Rev lists newest first.
	Rev bool
}

// Timeline returns the entries of this handle's branch (every database)
// selected by a, oldest first (newest first with Rev). With the timeline
// off it yields ErrTimelineOff.
func (d *DB) Timeline(a TimelineArgs) iter.Seq2[TimelineEntry, error] {
	return func(yield func(TimelineEntry, error) bool) {
		tl, err := d.timeline()
		if err != nil {
			yield(TimelineEntry{}, err)
			return
		}
		all := tl.newerThan(a.Since)
		n := 0
		for i := range all {
			te := all[i]
			if a.Rev {
				te = all[len(all)-1-i]
			}
			if a.Until != 0 && te.Seq > a.Until ||
				!a.SinceTime.IsZero() && te.Time.Before(a.SinceTime) ||
				!a.UntilTime.IsZero() && te.Time.After(a.UntilTime) {
				continue
			}
			if a.Match != "" && a.Match != "*" && !keyspace.Match(a.Match, te.Key, false) {
				continue
			}
			if !yield(*te, nil) {
				return
			}
			if n++; a.Count > 0 && n >= a.Count {
				return
			}
		}
	}
}

// ErrTimelineOff is returned by timeline operations when the timeline is
// disabled (TimelineOptions.Disabled, CONFIG SET timeline no).
var ErrTimelineOff = fmt.Errorf("%w: ERR the timeline is off (CONFIG SET timeline yes)", ErrInvalidArgument)

// ErrTimelineTrimmed is returned (wrapped, with the oldest retained seq)
// for a seq older than the timeline keeps.
var ErrTimelineTrimmed = fmt.Errorf("%w: ERR seq no longer retained", ErrInvalidArgument)

func (d *DB) timeline() (*timeline, error) {
	if d.c.closed.Load() {
		return nil, ErrClosed
	}
	if d.br.deleted.Load() {
		return nil, fmt.Errorf("%w '%s'", ErrNoBranch, d.br.name)
	}
	tl := d.br.tl.Load()
	if tl == nil {
		return nil, ErrTimelineOff
	}
	return tl, nil
}

// TimelineInfo describes a branch's timeline (TIMELINE INFO).
type TimelineInfo struct {
	Enabled  bool
	First    uint64 // oldest seq a rollback can return to
	Last     uint64 // the branch's last seq
	Entries  int    // entries kept by this branch (not its parents')
	Bytes    int64  // their estimated memory
	Options  TimelineOptions
	Inherits string // the parent branch whose history continues this one ("" if none)
}

// TimelineInfo returns the state of this handle's branch's timeline.
func (d *DB) TimelineInfo() TimelineInfo {
	ti := TimelineInfo{Options: d.c.timelineOpts(), Last: d.br.seq.Load()}
	tl := d.br.tl.Load()
	if tl == nil {
		return ti
	}
	ti.Enabled = true
	ti.First = tl.oldest()
	tl.mu.Lock()
	ti.Entries, ti.Bytes = len(tl.entries), tl.bytes
	if tl.parent != nil {
		ti.Inherits = d.br.parent
	}
	tl.mu.Unlock()
	return ti
}

// Changes returns up to count entries of this handle's branch newer than
// since (every database), oldest first; count <= 0 means no bound. A
// since older than the timeline keeps returns an error wrapping
// ErrTimelineTrimmed that names the oldest retained seq: the consumer
// fell behind and must resynchronize (like etcd's compaction error).
// With block > 0 and nothing newer, it waits up to block for a change
// (or ctx-free: the wait ends with the DB's close).
func (d *DB) Changes(since uint64, count int, block time.Duration) ([]TimelineEntry, error) {
	return d.changes(since, count, block, nil)
}

// ChangesContext is Changes whose wait also ends (with no entries and no
// error) when ctx is done.
func (d *DB) ChangesContext(ctx context.Context, since uint64, count int, block time.Duration) ([]TimelineEntry, error) {
	return d.changes(since, count, block, ctx.Done())
}

func (d *DB) changes(since uint64, count int, block time.Duration, stop <-chan struct{}) ([]TimelineEntry, error) {
	tl, err := d.timeline()
	if err != nil {
		return nil, err
	}
	var deadline <-chan time.Time
	for {
		if o := tl.oldest(); since < o {
			return nil, fmt.Errorf("%w: %d is older than the oldest retained seq %d", ErrTimelineTrimmed, since, o)
		}
		all := tl.stable(since)
		if len(all) > 0 || block <= 0 {
			if count > 0 && len(all) > count {
				all = all[:count]
			}
			out := make([]TimelineEntry, len(all))
			for i, te := range all {
				out[i] = *te
			}
			return out, nil
		}
		tl.mu.Lock()
		if tl.wake == nil {
			tl.wake = make(chan struct{})
		}
		w := tl.wake
		tl.mu.Unlock()
		if deadline == nil {
			t := time.NewTimer(block)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-w:
		case <-deadline:
			return nil, nil
		case <-d.c.stop:
			return nil, ErrClosed
		case <-d.br.gone:
			return nil, fmt.Errorf("%w '%s'", ErrNoBranch, d.br.name)
		case <-stop:
			return nil, nil
		}
	}
}

// replayFeed is WatchChangesArgs with Since: a goroutine reads the
// timeline from a.Since on (CHANGES) and offers each entry to the feed,
// waiting for room rather than dropping.
func (d *DB) replayFeed(ctx context.Context, a ChangeFeedArgs) *ChangeFeed {
	ps := d.c.ps
	f := &ChangeFeed{ps: ps, box: newMailbox[Mutation](a.Buffer, true), db: d.db, allDBs: a.AllDBs,
		branch: d.br.name, pattern: a.Pattern}
	fail := func(err error) {
		f.err.Store(&err)
		f.Close()
	}
	if !ps.track(f) {
		f.Close()
		return f
	}
	if a.AllBranches {
		fail(fmt.Errorf("%w: a change feed that replays follows one branch (AllBranches)", ErrInvalidArgument))
		return f
	}
	if ctx != nil && ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { f.Close() })
		f.stop.Store(&stop)
	}
	go func() {
		since := a.Since
		for {
			out, err := d.changes(since, 512, time.Minute, f.box.done)
			if err != nil {
				if errors.Is(err, ErrClosed) {
					f.Close()
				} else {
					fail(err)
				}
				return
			}
			for i := range out {
				te := &out[i]
				since = te.Seq
				m := Mutation{Branch: d.br.name, Seq: te.Seq, Time: te.Time, DB: te.DB, Key: te.Key, Op: te.Op,
					Edits: te.Edits, Origin: te.Origin}
				f.offer(&m, nil)
			}
			select {
			case <-f.box.done:
				return
			default:
			}
		}
	}()
	return f
}

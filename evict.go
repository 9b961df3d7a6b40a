package potato

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato/internal/keyspace"
)

// EvictionPolicy is how keys are chosen for eviction when the data outgrow
// Options.MaxMemory: Redis's maxmemory-policy.
type EvictionPolicy uint8

// The eviction policies, as Redis names them. The zero value is
// NoEviction.
const (
	// NoEviction evicts nothing: writes that would add data fail with
	// ErrOOM (the server's denyoom commands get Redis's -OOM reply).
	NoEviction EvictionPolicy = iota
	// AllKeysLRU evicts the least recently used keys (approximated by
	// sampling, like Redis).
	AllKeysLRU
	// AllKeysLFU evicts the least frequently used keys (Redis's
	// logarithmic counters with decay).
	AllKeysLFU
	// AllKeysRandom evicts random keys.
	AllKeysRandom
	// VolatileLRU is AllKeysLRU among keys with a deadline only.
	VolatileLRU
	// VolatileLFU is AllKeysLFU among keys with a deadline only.
	VolatileLFU
	// VolatileRandom evicts random keys with a deadline.
	VolatileRandom
	// VolatileTTL evicts the keys with the nearest deadline first.
	VolatileTTL
)

var policyNames = [...]string{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
	"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}

// String returns the policy's Redis name ("allkeys-lru", ...).
func (p EvictionPolicy) String() string {
	if int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("EvictionPolicy(%d)", uint8(p))
}

// ParseEvictionPolicy returns the policy Redis names s (case-insensitive).
func ParseEvictionPolicy(s string) (EvictionPolicy, error) {
	for i, n := range policyNames {
		if strings.EqualFold(s, n) {
			return EvictionPolicy(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown eviction policy %q", ErrInvalidArgument, s)
}

func (p EvictionPolicy) lfu() bool      { return p == AllKeysLFU || p == VolatileLFU }
func (p EvictionPolicy) volatile() bool { return p >= VolatileLRU }

// EvictionConfig is the memory limit and how it is kept, changeable at
// run time (DB.SetEvictionConfig; the server's CONFIG SET maxmemory...).
// In Options, zero fields take Redis's defaults (and a negative
// EvictionTenacity, LFULogFactor or LFUDecayTime means 0).
type EvictionConfig struct {
	// MaxMemory is the limit, in bytes, of the data's accounted size
	// (DB.MemoryStats's DatasetBytes); 0 means none.
	MaxMemory int64
	// Policy chooses what is evicted at the limit.
	Policy EvictionPolicy
	// Samples is maxmemory-samples: keys looked at per eviction, in each
	// database (default 5).
	Samples int
	// Tenacity is maxmemory-eviction-tenacity (0..100; default 10): how
	// long one write may spend evicting before it goes on and the
	// background finishes the job (100: no limit).
	Tenacity int
	// LFULogFactor is lfu-log-factor (default 10): how slowly LFU
	// counters grow.
	LFULogFactor int
	// LFUDecayTime is lfu-decay-time (default 1): minutes after which an
	// idle key's LFU counter decreases by one (0: never).
	LFUDecayTime int
}

// memState is the memory limit, its accounting and the eviction pool.
type memState struct {
	max      atomic.Int64
	policy   atomic.Uint32
	lfu      atomic.Bool // policy is an LFU one (the read path's one check)
	samples  atomic.Int32
	tenacity atomic.Int32
	logFac   atomic.Int32
	decay    atomic.Int32

	// oom is set while the data are over the limit and nothing could be
	// evicted: writes that add data fail with ErrOOM.
	oom atomic.Bool
	// The accounted bytes are base (the layers' sum at the last recount)
	// plus what the store-wide counter moved since (mark).
	base, mark atomic.Int64
	stale      atomic.Bool // a layer was dropped or folded: recount
	lastCount  atomic.Int64

	mu   sync.Mutex // serializes evictions; guards pool and rnd
	pool [evictionPoolSize]poolEntry
	npol int
	rnd  *rand.Rand
}

// evictionPoolSize is Redis's EVPOOL_SIZE.
const evictionPoolSize = 16

type poolEntry struct {
	br    *branch
	db    int
	key   string
	score uint64 // higher: better candidate
}

func (m *memState) init(o Options) {
	m.rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	m.set(o.evictionConfig())
}

func (o Options) evictionConfig() EvictionConfig {
	cfg := EvictionConfig{MaxMemory: o.MaxMemory, Policy: o.EvictionPolicy, Samples: o.MaxMemorySamples,
		Tenacity: o.EvictionTenacity, LFULogFactor: o.LFULogFactor, LFUDecayTime: o.LFUDecayTime}
	def := func(v *int, d int) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0
		}
	}
	if cfg.Samples == 0 {
		cfg.Samples = 5
	}
	def(&cfg.Tenacity, 10)
	def(&cfg.LFULogFactor, 10)
	def(&cfg.LFUDecayTime, 1)
	return cfg
}

func (cfg EvictionConfig) check() error {
	switch {
	case cfg.MaxMemory < 0:
		return fmt.Errorf("%w: maxmemory is negative", ErrInvalidArgument)
	case int(cfg.Policy) >= len(policyNames):
		return fmt.Errorf("%w: unknown eviction policy %d", ErrInvalidArgument, cfg.Policy)
	case cfg.Samples < 1 || cfg.Samples > math.MaxInt32:
		return fmt.Errorf("%w: maxmemory-samples must be between 1 and %d", ErrInvalidArgument, math.MaxInt32)
	case cfg.Tenacity < 0 || cfg.Tenacity > 100:
		return fmt.Errorf("%w: maxmemory-eviction-tenacity must be between 0 and 100", ErrInvalidArgument)
	case cfg.LFULogFactor < 0:
		return fmt.Errorf("%w: lfu-log-factor is negative", ErrInvalidArgument)
	case cfg.LFUDecayTime < 0:
		return fmt.Errorf("%w: lfu-decay-time is negative", ErrInvalidArgument)
	}
	return nil
}

func (m *memState) set(cfg EvictionConfig) {
	m.samples.Store(int32(cfg.Samples))
	m.tenacity.Store(int32(cfg.Tenacity))
	m.logFac.Store(int32(min(cfg.LFULogFactor, math.MaxInt32)))
	m.decay.Store(int32(min(cfg.LFUDecayTime, math.MaxInt32)))
	m.policy.Store(uint32(cfg.Policy))
	m.lfu.Store(cfg.Policy.lfu())
	m.max.Store(cfg.MaxMemory)
	m.oom.Store(false)
}

func (m *memState) get() EvictionConfig {
	return EvictionConfig{MaxMemory: m.max.Load(), Policy: EvictionPolicy(m.policy.Load()),
		Samples: int(m.samples.Load()), Tenacity: int(m.tenacity.Load()),
		LFULogFactor: int(m.logFac.Load()), LFUDecayTime: int(m.decay.Load())}
}

// EvictionConfig returns the memory limit and eviction settings in force.
func (d *DB) EvictionConfig() EvictionConfig { return d.c.mem.get() }

// SetEvictionConfig changes the memory limit and eviction settings at run
// time. Every field is taken as given (start from EvictionConfig and
// change what differs; 0 is a valid tenacity, log factor or decay time).
// Lowering MaxMemory below the data's size evicts in the
// background (and on the next writes); under NoEviction, writes that add
// data fail with ErrOOM until enough is deleted.
func (d *DB) SetEvictionConfig(cfg EvictionConfig) error {
	if err := cfg.check(); err != nil {
		return err
	}
	d.c.mem.set(cfg)
	return nil
}

// ---------------------------------------------------------------------
// Accounting.
// ---------------------------------------------------------------------

// usedMemory returns the accounted bytes of the data of every branch (a
// frozen layer shared by branches counts once).
func (c *core) usedMemory() int64 {
	m := &c.mem
	if m.stale.Load() {
		c.recount()
	}
	n := m.base.Load() + c.main.ks.MemDelta() - m.mark.Load()
	return max(n, 0)
}

// recount sums the bytes of every layer reachable from a branch, each
// once, and makes it the new base of usedMemory.
func (c *core) recount() {
	m := &c.mem
	m.stale.Store(false)
	mark := c.main.ks.MemDelta()
	seen := map[*keyspace.Layer]struct{}{}
	var sum int64
	// Take the branches first: a stripe is never locked under brs.mu.
	c.brs.mu.RLock()
	brs := make([]*branch, 0, len(c.brs.m))
	for _, b := range c.brs.m {
		brs = append(brs, b)
	}
	c.brs.mu.RUnlock()
	for _, b := range brs {
		if b.deleted.Load() {
			continue
		}
		ks := b.ks
		for db := 0; db < NumDBs; db++ {
			// One stripe of db keeps its chain still (Flush, Fold and
			// SWAPDB take every stripe).
			s := ks.StripeOf(db, "")
			if !ks.TryRLock(s) {
				// Held, perhaps by the caller's own transaction (MEMORY
				// STATS inside EXEC): keep the running figure, recount
				// another time rather than wait for it.
				return
			}
			ks.Chain(db, func(l *keyspace.Layer) {
				if _, ok := seen[l]; !ok {
					seen[l] = struct{}{}
					sum += l.Bytes()
				}
			})
			ks.RUnlock(s)
		}
	}
	m.base.Store(sum)
	m.mark.Store(mark)
	m.lastCount.Store(time.Now().UnixNano())
}

// MemoryStats is the store's memory accounting (MEMORY STATS, INFO).
type MemoryStats struct {
	// DatasetBytes is the accounted size of the data: every entry of
	// every branch (a frozen layer shared by forks counts once), keys,
	// values and per-key overhead as the Go heap holds them. MaxMemory
	// bounds this figure.
	DatasetBytes int64
	Keys         int64 // keys in every database of this handle's branch
	EvictedKeys  int64 // keys evicted since Open
	OOM          bool  // over MaxMemory with nothing left to evict
	Config       EvictionConfig
}

// MemoryStats recounts the accounted memory and returns it.
func (d *DB) MemoryStats() MemoryStats {
	c := d.c
	c.recount()
	st := MemoryStats{DatasetBytes: c.usedMemory(), EvictedKeys: c.ctr.evicted.Value(),
		OOM: c.mem.oom.Load(), Config: c.mem.get()}
	for db := 0; db < NumDBs; db++ {
		st.Keys += int64(d.br.ks.Len(db))
	}
	return st
}

// ---------------------------------------------------------------------
// Access tracking: LRU clock or LFU counter.
// ---------------------------------------------------------------------

// lfuInitVal is Redis's LFU_INIT_VAL: the counter of a new key.
const lfuInitVal = 5

// touch records an access to e, as the policy in force tracks it.
// It is small enough to inline on the read path; LFU goes out of line.
func (c *core) touch(e *keyspace.Entry, sec int64) {
	if c.mem.lfu.Load() {
		c.touchLFU(e, sec)
		return
	}
	e.Touch(sec)
}

func (c *core) touchLFU(e *keyspace.Entry, sec int64) {
	w := e.AccessWord()
	nw := c.lfuAccess(w, sec)
	if nw != w {
		e.CASAccessWord(w, nw) // a lost race is a lost increment, as in Redis's sampling
	}
}

// stampNew sets the access word of e, an entry being stored whole over
// prev (nil: a new key). As in Redis, an overwrite keeps the key's LFU
// counter, which then counts this access; a new key starts at
// LFU_INIT_VAL.
func (c *core) stampNew(e, prev *keyspace.Entry, sec int64) {
	if !EvictionPolicy(c.mem.policy.Load()).lfu() {
		e.Touch(sec)
		return
	}
	if prev == nil {
		e.SetAccessWord(lfuWord(sec, lfuInitVal))
		return
	}
	if e != prev {
		e.SetAccessWord(prev.AccessWord())
	}
	c.touch(e, sec)
}

func lfuMinutes(sec int64) uint32 { return uint32(sec/60) & 0xffff }

func lfuWord(sec int64, counter uint32) uint32 { return lfuMinutes(sec)<<8 | counter }

// lfuAccess is Redis's updateLFU: decay the counter for the time idle,
// then increment it with probability 1/((counter-LFU_INIT_VAL)*factor+1).
func (c *core) lfuAccess(w uint32, sec int64) uint32 {
	counter := c.lfuDecay(w, sec)
	counter = lfuLogIncr(counter, int(c.mem.logFac.Load()), rand.Float64())
	return lfuWord(sec, counter)
}

// lfuDecay is Redis's LFUDecrAndReturn: the counter less one per
// lfu-decay-time minutes since the word's time.
func (c *core) lfuDecay(w uint32, sec int64) uint32 {
	return lfuDecayBy(w, sec, int64(c.mem.decay.Load()))
}

func lfuDecayBy(w uint32, sec, decayTime int64) uint32 {
	counter := w & 0xff
	if decayTime <= 0 {
		return counter
	}
	now, then := lfuMinutes(sec), w>>8
	var elapsed uint32
	if now >= then {
		elapsed = now - then
	} else {
		elapsed = 65535 - then + now
	}
	periods := int64(elapsed) / decayTime
	if periods >= int64(counter) {
		return 0
	}
	return counter - uint32(periods)
}

// lfuLogIncr is Redis's LFULogIncr, with r its random number in [0, 1).
func lfuLogIncr(counter uint32, factor int, r float64) uint32 {
	if counter == 255 {
		return 255
	}
	base := float64(counter) - lfuInitVal
	if base < 0 {
		base = 0
	}
	if r < 1/(base*float64(factor)+1) {
		counter++
	}
	return counter
}

// Freq returns key's LFU access counter, decayed to now (OBJECT FREQ).
// It fails with ErrNoLFU unless an LFU policy is in force, and returns
// ErrNotFound for a missing key. It does not count as an access.
func (tx *Tx) Freq(key string) (int64, error) {
	if !EvictionPolicy(tx.c.mem.policy.Load()).lfu() {
		return 0, ErrNoLFU
	}
	tx.lockKey(tx.db, key)
	e := tx.ks.Get(tx.db, key)
	if e == nil || e.Expired(tx.nowMs) {
		return 0, ErrNotFound
	}
	return int64(tx.c.lfuDecay(e.AccessWord(), tx.nowMs/1000)), nil
}

// ---------------------------------------------------------------------
// Eviction.
// ---------------------------------------------------------------------

type errOOM struct{}

// checkOOM stops a write that adds data while the store is out of memory
// (ErrOOM from the transaction).
func (tx *Tx) checkOOM() {
	if tx.c.mem.oom.Load() && !tx.oomExempt {
		panic(errOOM{})
	}
}

// CheckMemory evicts keys, per the policy, until the data fit MaxMemory,
// as Redis does before each command; it returns ErrOOM when they are over
// it and nothing could be evicted (then writes that add data fail). With
// no MaxMemory it returns nil at once. The server calls it before each
// denyoom command; DB writes call it by themselves.
func (d *DB) CheckMemory() error { return d.c.evictIfNeeded() }

func (c *core) evictIfNeeded() error {
	m := &c.mem
	limit := m.max.Load()
	if limit <= 0 {
		if m.oom.Load() {
			m.oom.Store(false)
		}
		return nil
	}
	if c.usedMemory() <= limit {
		if m.oom.Load() {
			m.oom.Store(false)
		}
		return nil
	}
	return c.performEvictions(limit)
}

// evictionTimeLimit is Redis's evictionTimeLimitUs for a tenacity.
func evictionTimeLimit(tenacity int) time.Duration {
	if tenacity <= 10 {
		return time.Duration(50*tenacity) * time.Microsecond
	}
	if tenacity < 100 {
		return time.Duration(500*math.Pow(1.15, float64(tenacity-10))) * time.Microsecond
	}
	return time.Duration(math.MaxInt64)
}

// performEvictions evicts until the data fit limit, for at most the
// tenacity's time (then the caller goes on and the background ticker
// continues, as Redis's eviction timer does).
func (c *core) performEvictions(limit int64) error {
	m := &c.mem
	m.mu.Lock()
	defer m.mu.Unlock()
	policy := EvictionPolicy(m.policy.Load())
	if policy == NoEviction {
		if c.usedMemory() > limit {
			m.oom.Store(true)
			return ErrOOM
		}
		m.oom.Store(false)
		return nil
	}
	start := time.Now()
	budget := evictionTimeLimit(int(m.tenacity.Load()))
	for n := 0; c.usedMemory() > limit; n++ {
		if !c.evictOne(policy) {
			m.oom.Store(true)
			return ErrOOM
		}
		// Like Redis, look at the clock every 16 keys.
		if n&15 == 15 && time.Since(start) > budget {
			break
		}
	}
	m.oom.Store(false)
	return nil
}

// evictOne removes one key chosen by policy from the top layer of some
// branch (what eviction can free: a frozen layer's keys are shared with
// other branches and stay until those go). It reports false when there
// was nothing to evict. The caller holds m.mu.
func (c *core) evictOne(policy EvictionPolicy) bool {
	m := &c.mem
	c.brs.mu.RLock()
	brs := make([]*branch, 0, len(c.brs.m))
	for _, b := range c.brs.m {
		// Not the hidden forks that pin an export's data.
		if !b.deleted.Load() && !b.hidden {
			brs = append(brs, b)
		}
	}
	c.brs.mu.RUnlock()
	samples := int(m.samples.Load())
	nowSec := c.clockSec.Load()
	nowMs := c.nowMs()
	if policy == AllKeysRandom || policy == VolatileRandom {
		// Random: a random key of a random non-empty database.
		for _, i := range m.rnd.Perm(len(brs) * NumDBs) {
			b, db := brs[i/NumDBs], i%NumDBs
			if b.ks.Len(db) == 0 || b.ks.StoredKeys(db) == 0 {
				continue
			}
			var key string
			b.ks.Sample(db, 1, policy.volatile(), m.rnd, func(k string, e *keyspace.Entry, _ keyspace.Stripe) {
				if e.Kind != keyspace.KindTombstone {
					key = k
				}
			})
			if key != "" && c.evictKey(b, db, key, policy) {
				return true
			}
		}
		return false
	}
	for tries := 0; tries < 4; tries++ {
		sampled := false
		for _, b := range brs {
			for db := 0; db < NumDBs; db++ {
				if b.ks.Len(db) == 0 || b.ks.StoredKeys(db) == 0 {
					continue
				}
				if b.ks.Sample(db, samples, policy.volatile(), m.rnd, func(k string, e *keyspace.Entry, _ keyspace.Stripe) {
					if e.Kind == keyspace.KindTombstone {
						return
					}
					m.poolInsert(poolEntry{br: b, db: db, key: k, score: c.evictScore(policy, e, nowSec, nowMs)})
				}) {
					sampled = true
				}
			}
		}
		// The best candidate first; one that is gone since is skipped.
		for m.npol > 0 {
			m.npol--
			pe := m.pool[m.npol]
			m.pool[m.npol] = poolEntry{}
			if c.evictKey(pe.br, pe.db, pe.key, policy) {
				return true
			}
		}
		if !sampled {
			return false
		}
	}
	return false
}

// evictScore is how good a victim e is (higher: evict first), as Redis's
// evictionPoolPopulate computes its idle value.
func (c *core) evictScore(policy EvictionPolicy, e *keyspace.Entry, nowSec, nowMs int64) uint64 {
	switch policy {
	case AllKeysLFU, VolatileLFU:
		return 255 - uint64(c.lfuDecay(e.AccessWord(), nowSec))
	case VolatileTTL:
		return math.MaxUint64 - uint64(e.ExpireAt)
	}
	idle := nowSec - e.LastAccess()
	if idle < 0 {
		idle = 0
	}
	return uint64(idle)
}

// poolInsert puts pe into the pool, kept in ascending score order, as
// Redis's evictionPoolPopulate: when full, only a better candidate enters
// (dropping the worst).
func (m *memState) poolInsert(pe poolEntry) {
	for i := 0; i < m.npol; i++ {
		if p := &m.pool[i]; p.br == pe.br && p.db == pe.db && p.key == pe.key {
			return // already in
		}
	}
	i := 0
	for i < m.npol && m.pool[i].score < pe.score {
		i++
	}
	if m.npol == evictionPoolSize {
		if i == 0 {
			return // worse than everything in a full pool
		}
		copy(m.pool[:i-1], m.pool[1:i])
		m.pool[i-1] = pe
		return
	}
	copy(m.pool[i+1:m.npol+1], m.pool[i:m.npol])
	m.pool[i] = pe
	m.npol++
}

// evictKey deletes key from branch b's database db through the mutation
// path (an "evicted" Mutation: persisted, announced, WATCH touched, on
// the timeline), if it is still stored in b's top layer (and has a
// deadline under a volatile policy).
func (c *core) evictKey(b *branch, db int, key string, policy EvictionPolicy) bool {
	if b.deleted.Load() {
		return false
	}
	done := false
	err := c.run(b, db, true, []keyspace.Stripe{b.ks.StripeOf(db, key)}, func(tx *Tx) error {
		e := tx.ks.Top(db).Lookup(key)
		if e == nil || e.Kind == keyspace.KindTombstone || (policy.volatile() && e.ExpireAt == 0) {
			return nil
		}
		done = tx.del(key, "evicted")
		return nil
	})
	return err == nil && done
}

// memTick is the background share of eviction, run by the expiry ticker:
// recount, then evict what writers left over.
func (c *core) memTick() {
	if c.mem.max.Load() <= 0 {
		return
	}
	c.recount()
	_ = c.evictIfNeeded()
}

// evictBeforeWrite runs eviction before a write transaction takes its
// locks (it cannot evict while holding them): one atomic load when no
// limit is set. A failure leaves the oom flag for the write's primitives.
func (c *core) evictBeforeWrite() {
	if c.mem.max.Load() > 0 {
		_ = c.evictIfNeeded()
	}
}

// recordGrow records ed, a change of the container e in place, and
// accounts its growth.
func (tx *Tx) recordGrow(key, op string, e *keyspace.Entry, ed Edit) {
	tx.record(key, op, ed)
	if d := editGrowth(&ed); d != 0 {
		tx.ks.Grow(tx.db, key, e, d)
	}
}

// editGrowth is the bytes a container Edit adds to its value (negative:
// frees); undo applies the opposite.
func editGrowth(ed *Edit) int64 {
	switch ed.Kind {
	case EditHSet:
		d := keyspace.HashFieldSize(ed.Field, ed.After)
		if ed.Before != nil {
			d -= keyspace.HashFieldSize(ed.Field, ed.Before)
		}
		return d
	case EditHDel:
		return -keyspace.HashFieldSize(ed.Field, ed.Before)
	case EditLPush, EditRPush, EditLInsert:
		return keyspace.ListElemSize(ed.After)
	case EditLPop, EditRPop, EditLRemove:
		return -keyspace.ListElemSize(ed.Before)
	case EditLSet:
		return keyspace.ListElemSize(ed.After) - keyspace.ListElemSize(ed.Before)
	case EditSAdd:
		return keyspace.SetMemberSize(ed.Field)
	case EditSRem:
		return -keyspace.SetMemberSize(ed.Field)
	case EditZSet:
		if ed.Before == nil {
			return keyspace.ZSetMemberSize(ed.Field)
		}
	case EditZDel:
		return -keyspace.ZSetMemberSize(ed.Field)
	}
	return 0
}

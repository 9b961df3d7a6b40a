package potato

import (
	"time"

	"rustypotato/internal/keyspace"
)

// maxExpirePerStripe bounds the keys one expiry pass removes from a stripe
// while holding its lock, so a mass expiry never stalls the stripe's other
// users for long; the rest go in the next pass, which starts at once.
const maxExpirePerStripe = 256

// activeExpiry removes keys whose deadline passed even when nobody reads
// them, so that their memory is freed and "expired" events fire about on
// time. It visits each stripe's deadline index, never the keys.
func (c *core) activeExpiry() {
	defer c.bg.Done()
	t := time.NewTicker(c.opts.ExpiryInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		c.tickClock(c.nowMs())
		c.trimTimelines()
		c.memTick() // background eviction (evict.go)
		for c.expireCycle() {
			select {
			case <-c.stop:
				return
			default:
			}
		}
	}
}

// expireCycle runs one pass over every stripe of every branch and reports
// whether some stripe still had due keys when its per-pass bound was
// reached.
func (c *core) expireCycle() (more bool) {
	c.brs.mu.RLock()
	brs := make([]*branch, 0, len(c.brs.m))
	for _, b := range c.brs.m {
		brs = append(brs, b)
	}
	c.brs.mu.RUnlock()
	for _, b := range brs {
		if !b.deleted.Load() && !b.hidden && c.expireBranch(b) {
			more = true
		}
	}
	return more
}

func (c *core) expireBranch(b *branch) (more bool) {
	ks := b.ks
	now := c.nowMs()
	for s := keyspace.Stripe(0); s < keyspace.NumDBs*keyspace.NumShards; s++ {
		ks.RLock(s)
		next := ks.NextDeadline(s)
		ks.RUnlock(s)
		if next == 0 || next > now {
			continue
		}
		db := s.DB()
		_ = c.run(b, db, true, []keyspace.Stripe{s}, func(tx *Tx) error {
			for i := 0; i < maxExpirePerStripe; i++ {
				key, ok := ks.PopDeadline(s, tx.nowMs)
				if !ok {
					return nil
				}
				// lookup deletes the key, with an "expired" mutation, only
				// if its current deadline has passed.
				tx.lookup(key)
			}
			more = true
			return nil
		})
	}
	return more
}

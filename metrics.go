package potato

import "github.com/puzpuzpuz/xsync/v4"

// Metrics is a snapshot of the store's counters and sizes, cheap to take
// (no keyspace scan): what INFO and /metrics report.
type Metrics struct {
	Keys           [NumDBs]int64 // keys per database, as DBSIZE counts them
	Expires        [NumDBs]int64 // keys with a deadline, per database
	ExpiredKeys    int64         // keys removed because their deadline passed
	EvictedKeys    int64         // keys evicted for MaxMemory
	KeyspaceHits   int64         // reads that found their key
	KeyspaceMisses int64         // reads that did not
	Mutations      uint64        // mutations committed since Open

	// Pub/sub (PUBSUB NUMPAT and the sizes of the channel tables; O(1)).
	PubSubChannels      int64 // channels with at least one subscriber
	PubSubPatterns      int64 // distinct patterns subscribed to
	PubSubShardChannels int64 // shard channels with at least one subscriber
}

// counters are updated on hot paths: striped, so cores do not fight over
// one cache line.
type counters struct {
	expired *xsync.Counter
	evicted *xsync.Counter
}

func newCounters() counters {
	return counters{expired: xsync.NewCounter(), evicted: xsync.NewCounter()}
}

// Metrics returns a snapshot of the store's counters.
func (d *DB) Metrics() Metrics {
	c := d.c
	ks := d.br.ks
	var m Metrics
	for i := 0; i < NumDBs; i++ {
		m.Keys[i] = int64(ks.Len(i))
		if m.Keys[i] > 0 {
			m.Expires[i] = int64(ks.Expiring(i))
		}
	}
	m.ExpiredKeys = c.ctr.expired.Value()
	m.EvictedKeys = c.ctr.evicted.Value()
	c.brs.mu.RLock()
	for _, b := range c.brs.m {
		h, ms := b.ks.HitsMisses()
		m.KeyspaceHits += h
		m.KeyspaceMisses += ms
		m.Mutations += b.seq.Load() - b.createdSeq
	}
	c.brs.mu.RUnlock()
	m.PubSubChannels = int64(c.ps.channels.Size())
	m.PubSubShardChannels = int64(c.ps.shards.Size())
	m.PubSubPatterns = d.PubSubNumPat()
	return m
}

package potato

// durable is the seam between the mutation path and durable storage. The
// Pebble implementation lives in persist.go; tests may substitute a fake.
type durable interface {
	// commit makes one transaction's mutations durable (per the fsync
	// policy) and returns only when they are. It runs while the keys of
	// the mutations are locked, in commit order per key. An error means
	// nothing of the batch may be considered written: the caller undoes
	// the transaction in memory.
	commit(muts []Mutation) error
	// close flushes and closes the storage.
	close() error
}

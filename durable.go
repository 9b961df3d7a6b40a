package potato

import "rustypotato/internal/keyspace"

// durable is the seam between the mutation path and durable storage. The
// Pebble implementation lives in persist.go; tests may substitute a fake.
type durable interface {
	// commit makes one transaction's mutations on branch br durable (per
	// the fsync policy) and returns only when they are. It runs while the
	// keys of the mutations are locked, in commit order per key. An error
	// means nothing of the batch may be considered written: the caller
	// undoes the transaction in memory.
	commit(br *branch, muts []Mutation) error
	// fork records branch nb, just forked in memory from from (whose
	// stripes are all held); an error means the fork is undone.
	fork(from, nb *branch) error
	// deleteBranch removes br (whose stripes are all held) and the
	// storage only it used.
	deleteBranch(br *branch) error
	// fold merges layer child of database db with its parent, as
	// keyspace.Fold is about to in memory; the caller holds db's stripes
	// in every branch that reads child.
	fold(db int, child *keyspace.Layer) error
	// close flushes and closes the storage.
	close() error
}

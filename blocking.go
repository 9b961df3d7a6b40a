package potato

// blockedRegistry tracks clients blocked in BLPOP and friends.
// (Placeholder until the list family lands: list helper owns this file.)
type blockedRegistry struct{}

func (r *blockedRegistry) init() {}

type blockedKey struct {
	db  int
	key string
}

// serveBlocked hands elements pushed by this transaction to blocked
// clients. It runs inside the transaction, after the closure.
func (tx *Tx) serveBlocked() error { return nil }

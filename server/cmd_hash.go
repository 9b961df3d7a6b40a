package server

// registerHashes registers the hash family (filled in with the library's
// hash API).
func registerHashes(t *table) {}

package server

// registerLists registers the list family (filled in with the library's
// list API).
func registerLists(t *table) {}

package server

// luaState is the Lua engine's state (scripts cache and interpreters).
type luaState struct{}

// compileLua builds a "#!lua" library.
func (f *functions) compileLua(name string, payload, code []byte) (*library, error) {
	return nil, funcErrorf("Engine 'lua' is not available yet in this build")
}

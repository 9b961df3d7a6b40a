package potato

import (
	"encoding/json"
	"errors"
	"fmt"

	"rustypotato/internal/store"
)

// Durable hook definitions: each Builtin or Function hook is one meta
// record of namespace "hooks" (internal/store/meta.go), named by the hook,
// holding its definition as JSON. They are written synced, whatever the
// fsync policy, by the HOOK ADD or HOOK DEL that changes them, and loaded
// at Open before any write can run.

// hookNS is the meta-record namespace of hook definitions.
const hookNS = "hooks"

// hookDef is the stored form of a Hook (Func hooks are never stored).
type hookDef struct {
	Pattern  string   `json:"pattern"`
	Ops      []string `json:"ops,omitempty"`
	Branch   string   `json:"branch,omitempty"`
	Priority int      `json:"priority,omitempty"`
	Builtin  string   `json:"builtin,omitempty"`
	Args     []string `json:"args,omitempty"`
	Function string   `json:"function,omitempty"`
}

// writeHookDef stores h durably (nothing for an in-memory store).
func (c *core) writeHookDef(h Hook) error {
	p, err := c.persister()
	if errors.Is(err, errNoDir) {
		return nil
	}
	if err != nil {
		return err
	}
	v, err := json.Marshal(hookDef{Pattern: h.Pattern, Ops: h.Ops, Branch: h.Branch, Priority: h.Priority,
		Builtin: h.Builtin, Args: h.Args, Function: h.Function})
	if err != nil {
		return err
	}
	if err := p.st.WriteMeta(hookNS, false, []store.MetaRecord{{Name: h.Name, Value: v}}, nil); err != nil {
		return persistError(err)
	}
	return nil
}

// deleteHookDef deletes the stored definition of hook name.
func (c *core) deleteHookDef(name string) error {
	p, err := c.persister()
	if errors.Is(err, errNoDir) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := p.st.WriteMeta(hookNS, false, nil, []string{name}); err != nil {
		return persistError(err)
	}
	return nil
}

// loadHooks installs the hooks stored in the data directory. Open calls
// it after loading the data. A definition that no longer compiles (from a
// later release, say) fails Open rather than let writes skip its check.
func (c *core) loadHooks() error {
	p, ok := c.durable.(*persister)
	if !ok {
		return nil
	}
	recs, err := p.st.MetaRecords(hookNS)
	if err != nil {
		return persistError(err)
	}
	if len(recs) == 0 {
		return nil
	}
	r := &c.hooks
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range recs {
		var d hookDef
		if err := json.Unmarshal(rec.Value, &d); err != nil {
			return fmt.Errorf("potato: hook %q: bad stored definition: %w", rec.Name, err)
		}
		h, err := c.compileHook(Hook{Name: rec.Name, Pattern: d.Pattern, Ops: d.Ops, Branch: d.Branch, Priority: d.Priority,
			Builtin: d.Builtin, Args: d.Args, Function: d.Function})
		if err != nil {
			return fmt.Errorf("potato: hook %q: %w", rec.Name, err)
		}
		r.byName[rec.Name] = h
	}
	r.publish()
	return nil
}

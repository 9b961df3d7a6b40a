package server

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"time"

	"rustypotato"
	"rustypotato/internal/resp"
)

// The WASM engine: a FUNCTION LOAD payload that starts with "\0asm" is a
// WebAssembly library (potato.Plugin). Its functions may only touch the
// keys they are given, run under function-timeout-ms, and are undone
// whole when they trap or fail.

// loadTimeout bounds a library's compilation and initialization.
const loadTimeout = 30 * time.Second

func (f *functions) compileWASM(code []byte) (*library, error) {
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	p, err := potato.CompilePlugin(ctx, code, potato.PluginOptions{
		MaxMemory: f.maxMemory.Load(),
		CacheDir:  f.cacheDir(),
		Logger:    f.s.log,
	})
	if err != nil {
		var pe *potato.PluginError
		if errors.As(err, &pe) {
			return nil, errFunc("ERR " + pe.Msg)
		}
		if ctx.Err() != nil {
			return nil, errFunc("ERR WebAssembly module took longer than " + loadTimeout.String() + " to load")
		}
		return nil, errFunc("ERR " + err.Error())
	}
	if !validName(p.Name()) {
		p.Close()
		return nil, funcErrorf("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
	}
	lib := newLibrary(p.Name(), "WASM", code, func() { p.Close() })
	fns := p.Functions()
	for i := range fns {
		pf := &fns[i]
		fn := &function{name: pf.Name, desc: pf.Description, hasD: pf.Description != "", lib: lib, declaredOnly: true}
		for _, fl := range pf.Flags {
			for _, n := range scriptFlagNames {
				if n.name == fl {
					fn.flags |= n.f
				}
			}
		}
		fn.run = func(r *scriptRun, tx *potato.Tx, keys, args [][]byte, w *resp.Writer) error {
			return runWASM(p, pf, r, tx, keys, args, w)
		}
		lib.funcs = append(lib.funcs, fn)
	}
	sortFunctions(lib.funcs)
	return lib, nil
}

func runWASM(p *potato.Plugin, pf *potato.PluginFunction, r *scriptRun, tx *potato.Tx, keys, args [][]byte, w *resp.Writer) error {
	r.setStopper(&r.pstop, true)
	reply, err := p.Call(context.Background(), pf, keys, args, tx.Now(), r, &r.pstop)
	if err != nil {
		return wasmError(pf.Name, err)
	}
	return appendGuestReply(w, reply)
}

// wasmError is the client's reply for a failed WASM call.
func wasmError(name string, err error) error {
	var fe errFunc
	if errors.As(err, &fe) {
		return fe // killed or timed out (script.go)
	}
	var pe *potato.PluginError
	if errors.As(err, &pe) {
		if pe.Status != 0 {
			// A failing status with an error reply: that error is the
			// reply (the SDKs' way to fail a call).
			if len(pe.Reply) > 3 && pe.Reply[0] == '-' {
				if n, _, e := respValueEnd(pe.Reply, 0); e == nil && n == len(pe.Reply) {
					return errFunc(string(bytes.TrimSuffix(pe.Reply[1:], []byte("\r\n"))))
				}
			}
			return errFunc("ERR function '" + name + "' failed with status " + strconv.Itoa(int(pe.Status)))
		}
		return errFunc("ERR Error running WebAssembly function '" + name + "': " + pe.Msg)
	}
	return err
}

package server

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"rustypotato"
)

// The JSON family: RedisJSON 2.6's commands, replies and errors. The
// work is done by the potato API (json.go); handlers parse arguments and
// shape replies: a legacy path (".a", "a[0]") gets one value, a JSONPath
// ("$.a") an array of one result per match, and over RESP3 the default
// path is "$" and numbers are RESP3 numbers, as RedisJSON does.

// rejsonVersion is the RedisJSON release whose behaviour we match, as
// MODULE LIST and INFO report it (2.6.7).
const rejsonVersion = 20607

func registerJSON(t *table) {
	j := func(c *Command) *Command {
		c.Group = "module"
		if c.FirstKey == 0 {
			c.FirstKey, c.LastKey = 1, 1
		}
		c.Since = "1.0.0"
		return t.add(c)
	}
	const (
		w  = flagWrite | flagDenyOOM
		r  = flagReadonly
		wc = "write json slow"
		rc = "read json slow"
	)
	j(&Command{Name: "json.set", Arity: -4, Flags: w, Categories: cats(wc), Summary: "Sets or updates the JSON value at a path",
		Complexity: "O(M+N) when path is evaluated to a single value where M is the size of the original value (if it exists) and N is the size of the new value, O(M+N) when path is evaluated to multiple values where M is the size of the key and N is the size of the new value * the number of original values in the key",
		Syntax:     "key path value [NX | XX]", run: cmdJSONSet})
	j(&Command{Name: "json.get", Arity: -2, Flags: r, Categories: cats(rc), Summary: "Gets the value at one or more paths in JSON serialized form",
		Complexity: "O(N) when path is evaluated to a single value where N is the size of the value, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key [INDENT indent] [NEWLINE newline] [SPACE space] [path [path ...]]", run: cmdJSONGet})
	j(&Command{Name: "json.mget", Arity: -3, Flags: r, FirstKey: 1, LastKey: -2, Categories: cats(rc),
		Summary: "Returns the values at a path from one or more keys", Complexity: "O(M*N) when path is evaluated to a single value where M is the number of keys and N is the size of the value, O(N1+N2+...+Nm) when path is evaluated to multiple values where m is the number of keys and Ni is the size of the i-th key",
		Syntax: "key [key ...] path", run: cmdJSONMGet})
	j(&Command{Name: "json.mset", Arity: -4, Flags: w, FirstKey: 1, LastKey: -1, Step: 3, Categories: cats(wc),
		Summary: "Sets or updates the JSON value of one or more keys", Complexity: "O(K*(M+N)) where k is the number of keys in the command, when path is evaluated to a single value where M is the size of the original value (if it exists) and N is the size of the new value, or O(K*(M+N)) when path is evaluated to multiple values where M is the size of the key and N is the size of the new value * the number of original values in the key",
		Syntax: "key path value [key path value ...]", run: cmdJSONMSet})
	for _, name := range []string{"json.del", "json.forget"} {
		j(&Command{Name: name, Arity: -2, Flags: flagWrite, Categories: cats(wc), Summary: "Deletes a value",
			Complexity: "O(N) when path is evaluated to a single value where N is the size of the deleted value, O(N) when path is evaluated to multiple values, where N is the size of the key",
			Syntax:     "key [path]", run: cmdJSONDel})
	}
	j(&Command{Name: "json.type", Arity: -2, Flags: r, Categories: cats(rc), Summary: "Returns the type of the JSON value at path",
		Complexity: "O(1) when path is evaluated to a single value, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key [path]", run: cmdJSONType})
	for _, name := range []string{"json.numincrby", "json.nummultby"} {
		j(&Command{Name: name, Arity: 4, Flags: w, Categories: cats(wc), Summary: "Increments or multiplies the numeric value at path by a value",
			Complexity: "O(1) when path is evaluated to a single value, O(N) when path is evaluated to multiple values, where N is the size of the key",
			Syntax:     "key path value", run: cmdJSONNumOp})
	}
	j(&Command{Name: "json.strappend", Arity: -3, Flags: w, Categories: cats(wc), Summary: "Appends a string to a JSON string value at path",
		Complexity: "O(1) when path is evaluated to a single value, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key [path] value", run: cmdJSONStrAppend})
	lens := func(name, what, want string) {
		j(&Command{Name: name, Arity: -2, Flags: r, Categories: cats(rc), Summary: "Returns the length of the " + what + " at path",
			Complexity: "O(1) when path is evaluated to a single value, O(N) when path is evaluated to multiple values, where N is the size of the key",
			Syntax:     "key [path]", run: cmdJSONLen(want)})
	}
	lens("json.strlen", "JSON string", "string")
	lens("json.arrlen", "array", "array")
	lens("json.objlen", "object", "object")
	j(&Command{Name: "json.objkeys", Arity: -2, Flags: r, Categories: cats(rc), Summary: "Returns the JSON keys of the object at path",
		Complexity: "O(N) when path is evaluated to a single value, where N is the number of keys in the object, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key [path]", run: cmdJSONObjKeys})
	j(&Command{Name: "json.arrappend", Arity: -4, Flags: w, Categories: cats(wc), Summary: "Append one or more json values into the array at path after the last element in it.",
		Complexity: "O(1) when path is evaluated to a single value, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key path value [value ...]", run: cmdJSONArrAppend})
	j(&Command{Name: "json.arrindex", Arity: -4, Flags: r, Categories: cats(rc), Summary: "Returns the index of the first occurrence of a JSON scalar value in the array at path",
		Complexity: "O(N) when path is evaluated to a single value where N is the size of the array, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key path value [start [stop]]", run: cmdJSONArrIndex})
	j(&Command{Name: "json.arrinsert", Arity: -5, Flags: w, Categories: cats(wc), Summary: "Inserts the JSON scalar(s) value at the specified index in the array at path",
		Complexity: "O(N) when path is evaluated to a single value where N is the size of the array, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key path index value [value ...]", run: cmdJSONArrInsert})
	j(&Command{Name: "json.arrpop", Arity: -2, Flags: flagWrite, Categories: cats(wc), Summary: "Removes and returns the element at the specified index in the array at path",
		Complexity: "O(N) when path is evaluated to a single value where N is the size of the array and the specified index is not the last element, O(1) when path is evaluated to a single value and the specified index is the last element, or O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key [path [index]]", run: cmdJSONArrPop})
	j(&Command{Name: "json.arrtrim", Arity: -3, Flags: flagWrite, Categories: cats(wc), Summary: "Trims the array at path to contain only the specified inclusive range of indices from start to stop",
		Complexity: "O(N) when path is evaluated to a single value where N is the size of the array, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key path [start [stop]]", run: cmdJSONArrTrim})
	j(&Command{Name: "json.clear", Arity: -2, Flags: flagWrite, Categories: cats(wc), Summary: "Clears all values from an array or an object and sets numeric values to `0`",
		Complexity: "O(N) when path is evaluated to a single value where N is the size of the values, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key [path]", run: cmdJSONClear})
	j(&Command{Name: "json.toggle", Arity: -2, Flags: flagWrite, Categories: cats(wc), Summary: "Toggles a boolean value",
		Complexity: "O(1) when path is evaluated to a single value, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key [path]", run: cmdJSONToggle})
	j(&Command{Name: "json.merge", Arity: 4, Flags: w, Categories: cats(wc), Summary: "Merges a given JSON value into matching paths. Consequently, JSON values at matching paths are updated, deleted, or expanded with new children",
		Complexity: "O(M+N) when path is evaluated to a single value where M is the size of the original value (if it exists) and N is the size of the new value, O(M+N) when path is evaluated to multiple values where M is the size of the key and N is the size of the new value * the number of original values in the key",
		Syntax:     "key path value", run: cmdJSONMerge})
	j(&Command{Name: "json.resp", Arity: -2, Flags: r, Categories: cats(rc), Summary: "Returns the JSON value at path in Redis Serialization Protocol (RESP)",
		Complexity: "O(N) when path is evaluated to a single value, where N is the size of the value, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax:     "key [path]", run: cmdJSONResp})
	dbg := t.add(&Command{Name: "json.debug", Arity: -2, Group: "module", Since: "1.0.0", Categories: cats("json slow"),
		Summary: "Debugging container command", Complexity: "N/A"})
	t.addSub(dbg, &Command{Name: "memory", Arity: -3, Flags: r, FirstKey: 2, LastKey: 2, Since: "1.0.0", Categories: cats(rc),
		Summary: "Reports the size in bytes of a key", Complexity: "O(N) when path is evaluated to a single value, where N is the size of the value, O(N) when path is evaluated to multiple values, where N is the size of the key",
		Syntax: "key [path]", run: cmdJSONDebugMemory})
	t.addSub(dbg, &Command{Name: "help", Arity: 2, Since: "1.0.0", Categories: cats("json slow"),
		Summary: "Shows helpful information", Complexity: "N/A",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			lines := []string{"MEMORY <key> [path] - reports memory usage", "HELP                - this message"}
			c.w.AppendArrayLen(len(lines))
			for _, l := range lines {
				c.w.AppendBulkString(l)
			}
		}})
	registerModule(t)
}

// jsonPath returns the path argument at a[i], or the default path:
// "." over RESP2, "$" over RESP3, as RedisJSON.
func (c *Conn) jsonPath(a [][]byte, i int) string {
	if i < len(a) {
		return string(a[i])
	}
	if c.w.Proto() == 3 {
		return "$"
	}
	return "."
}

func isLegacy(path string) bool { return !strings.HasPrefix(path, "$") }

// pick returns the result a legacy path replies with: the first one for
// reads, the last one for writes (non-nil, as the potato API checked).
func pick[T comparable](res []T, last bool) T {
	var zero T
	if last {
		for i := len(res) - 1; i >= 0; i-- {
			if res[i] != zero {
				return res[i]
			}
		}
		return zero
	}
	for _, v := range res {
		if v != zero {
			return v
		}
	}
	return zero
}

// replyIntOpt appends an optional integer.
func (c *Conn) replyIntOpt(v *int64) {
	if v == nil {
		c.w.AppendNull()
		return
	}
	c.w.AppendInt(*v)
}

// replyInts replies to a command whose results are optional integers.
func (c *Conn) replyInts(path string, res []*int64, err error, write bool) error {
	if err != nil {
		return err
	}
	if isLegacy(path) {
		c.replyIntOpt(pick(res, write))
		return nil
	}
	c.w.AppendArrayLen(len(res))
	for _, v := range res {
		c.replyIntOpt(v)
	}
	return nil
}

// nilIfMissing turns a missing key into RedisJSON's nil reply.
func (c *Conn) nilIfMissing(err error) (bool, error) {
	if errors.Is(err, potato.ErrNotFound) {
		c.w.AppendNull()
		return true, nil
	}
	return false, err
}

func cmdJSONSet(c *Conn, tx *potato.Tx, a [][]byte) error {
	mode := ""
	for _, o := range a[4:] {
		switch {
		case eqFold(o, "nx") && mode == "":
			mode = "NX"
		case eqFold(o, "xx") && mode == "":
			mode = "XX"
		default:
			return replyError(errSyntax)
		}
	}
	err := tx.JSONSetMode(string(a[1]), string(a[2]), a[3], mode)
	if errors.Is(err, potato.ErrNotFound) {
		c.w.AppendNull()
		return nil
	}
	if err != nil {
		return err
	}
	c.w.AppendOK()
	return nil
}

func cmdJSONGet(c *Conn, tx *potato.Tx, a [][]byte) error {
	var ga potato.JSONGetArgs
	var paths []string
	for i := 2; i < len(a); i++ {
		arg := a[i]
		opt := len(arg) <= len("NOESCAPE")
		next := func() (string, error) {
			if i+1 >= len(a) {
				return "", replyError("ERR wrong number of arguments for 'json.get' command")
			}
			i++
			return string(a[i]), nil
		}
		var err error
		switch {
		case opt && eqFold(arg, "indent"):
			ga.Indent, err = next()
		case opt && eqFold(arg, "newline"):
			ga.Newline, err = next()
		case opt && eqFold(arg, "space"):
			ga.Space, err = next()
		case opt && eqFold(arg, "noescape"):
			// Accepted and ignored, as RedisJSON does (ReJSON 1.0's).
		default:
			paths = append(paths, string(arg))
		}
		if err != nil {
			return err
		}
	}
	if len(paths) == 0 {
		paths = []string{c.jsonPath(a, len(a))}
	}
	v, err := tx.JSONGetWithArgs(string(a[1]), ga, paths...)
	return c.replyBulkOrNil(v, err)
}

func cmdJSONMGet(c *Conn, tx *potato.Tx, a [][]byte) error {
	vals, err := tx.JSONMGet(string(a[len(a)-1]), strs(a[1:len(a)-1])...)
	if err != nil {
		return err
	}
	c.w.AppendArrayLen(len(vals))
	for _, v := range vals {
		if v == nil {
			c.w.AppendNull()
		} else {
			c.w.AppendBulk(v)
		}
	}
	return nil
}

func cmdJSONMSet(c *Conn, tx *potato.Tx, a [][]byte) error {
	if (len(a)-1)%3 != 0 {
		return replyError("ERR wrong number of arguments for 'json.mset' command")
	}
	docs := make([]potato.JSONSetArgs, 0, (len(a)-1)/3)
	for i := 1; i+2 < len(a); i += 3 {
		docs = append(docs, potato.JSONSetArgs{Key: string(a[i]), Path: string(a[i+1]), Value: a[i+2]})
	}
	if err := tx.JSONMSet(docs...); err != nil {
		return err
	}
	c.w.AppendOK()
	return nil
}

func cmdJSONDel(c *Conn, tx *potato.Tx, a [][]byte) error {
	if len(a) > 3 {
		return replyError("ERR wrong number of arguments for '" + strings.ToLower(string(a[0])) + "' command")
	}
	return c.replyInt(tx.JSONDel(string(a[1]), c.jsonPath(a, 2)))
}

func cmdJSONType(c *Conn, tx *potato.Tx, a [][]byte) error {
	path := c.jsonPath(a, 2)
	types, err := tx.JSONType(string(a[1]), path)
	if done, err := c.nilIfMissing(err); done || err != nil {
		return err
	}
	if isLegacy(path) {
		if len(types) == 0 {
			c.w.AppendNull()
			return nil
		}
		if c.w.Proto() == 3 {
			c.w.AppendArrayLen(1)
		}
		c.w.AppendBulkString(types[0])
		return nil
	}
	if c.w.Proto() == 3 {
		// RESP3 wraps the per-match array in one more (RedisJSON 2.6).
		c.w.AppendArrayLen(1)
	}
	c.w.AppendArrayLen(len(types))
	for _, t := range types {
		c.w.AppendBulkString(t)
	}
	return nil
}

// appendJSONNumber appends a JSON number as a RESP3 integer or double.
func (c *Conn) appendJSONNumber(v []byte) {
	if bytes.IndexAny(v, ".eE") < 0 {
		if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			c.w.AppendInt(n)
			return
		}
	}
	f, _ := strconv.ParseFloat(string(v), 64)
	c.w.AppendDouble(f)
}

func cmdJSONNumOp(c *Conn, tx *potato.Tx, a [][]byte) error {
	mult := eqFold(a[0], "json.nummultby")
	path := string(a[2])
	res, err := tx.JSONNumOpText(string(a[1]), path, string(a[3]), mult)
	if err != nil {
		return err
	}
	resp3 := c.w.Proto() == 3
	if isLegacy(path) {
		v := pick(bytesKeys(res), true)
		if resp3 {
			c.appendJSONNumber([]byte(v))
		} else {
			c.w.AppendBulkString(v)
		}
		return nil
	}
	if resp3 {
		c.w.AppendArrayLen(len(res))
		for _, v := range res {
			if v == nil {
				c.w.AppendNull()
			} else {
				c.appendJSONNumber(v)
			}
		}
		return nil
	}
	out := []byte{'['}
	for i, v := range res {
		if i > 0 {
			out = append(out, ',')
		}
		if v == nil {
			out = append(out, "null"...)
		} else {
			out = append(out, v...)
		}
	}
	c.w.AppendBulk(append(out, ']'))
	return nil
}

// bytesKeys turns byte slices into strings ("" for nil) so that pick
// can compare them.
func bytesKeys(vs [][]byte) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if v != nil {
			out[i] = string(v)
		}
	}
	return out
}

func cmdJSONStrAppend(c *Conn, tx *potato.Tx, a [][]byte) error {
	if len(a) > 4 {
		return replyError("ERR wrong number of arguments for 'json.strappend' command")
	}
	path, value := c.jsonPath(a, len(a)), a[2]
	if len(a) == 4 {
		path, value = string(a[2]), a[3]
	}
	res, err := tx.JSONStrAppend(string(a[1]), path, string(value))
	return c.replyInts(path, res, err, true)
}

func cmdJSONLen(want string) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		if len(a) > 3 {
			return replyError("ERR wrong number of arguments for '" + strings.ToLower(string(a[0])) + "' command")
		}
		path := c.jsonPath(a, 2)
		var res []*int64
		var err error
		switch want {
		case "string":
			res, err = tx.JSONStrLen(string(a[1]), path)
		case "array":
			res, err = tx.JSONArrLen(string(a[1]), path)
		default:
			res, err = tx.JSONObjLen(string(a[1]), path)
		}
		if done, err := c.nilIfMissing(err); done || err != nil {
			return err
		}
		return c.replyInts(path, res, nil, false)
	}
}

func (c *Conn) appendStrings(ss []string) {
	c.w.AppendArrayLen(len(ss))
	for _, s := range ss {
		c.w.AppendBulkString(s)
	}
}

func cmdJSONObjKeys(c *Conn, tx *potato.Tx, a [][]byte) error {
	if len(a) > 3 {
		return replyError("ERR wrong number of arguments for 'json.objkeys' command")
	}
	path := c.jsonPath(a, 2)
	keys, err := tx.JSONObjKeys(string(a[1]), path)
	if done, err := c.nilIfMissing(err); done || err != nil {
		return err
	}
	if isLegacy(path) {
		for _, k := range keys {
			if k != nil {
				c.appendStrings(k)
				return nil
			}
		}
		c.w.AppendNull()
		return nil
	}
	c.w.AppendArrayLen(len(keys))
	for _, k := range keys {
		if k == nil {
			c.w.AppendNull()
		} else {
			c.appendStrings(k)
		}
	}
	return nil
}

func anyArgs(a [][]byte) []any {
	out := make([]any, len(a))
	for i, v := range a {
		out[i] = v
	}
	return out
}

func cmdJSONArrAppend(c *Conn, tx *potato.Tx, a [][]byte) error {
	path := string(a[2])
	res, err := tx.JSONArrAppend(string(a[1]), path, anyArgs(a[3:])...)
	return c.replyInts(path, res, err, true)
}

func cmdJSONArrInsert(c *Conn, tx *potato.Tx, a [][]byte) error {
	path := string(a[2])
	idx, err := parseInt(a[3])
	if err != nil {
		return err
	}
	res, err := tx.JSONArrInsert(string(a[1]), path, idx, anyArgs(a[4:])...)
	return c.replyInts(path, res, err, true)
}

func cmdJSONArrIndex(c *Conn, tx *potato.Tx, a [][]byte) error {
	if len(a) > 6 {
		return replyError("ERR wrong number of arguments for 'json.arrindex' command")
	}
	path := string(a[2])
	var ia potato.JSONArrIndexArgs
	if len(a) > 4 {
		v, err := parseInt(a[4])
		if err != nil {
			return err
		}
		ia.Start = v
	}
	if len(a) > 5 {
		v, err := parseInt(a[5])
		if err != nil {
			return err
		}
		ia.Stop = &v
	}
	res, err := tx.JSONArrIndexWithArgs(string(a[1]), path, ia, a[3])
	if done, err := c.nilIfMissing(err); done || err != nil {
		return err
	}
	return c.replyInts(path, res, nil, false)
}

func cmdJSONArrPop(c *Conn, tx *potato.Tx, a [][]byte) error {
	if len(a) > 4 {
		return replyError("ERR wrong number of arguments for 'json.arrpop' command")
	}
	path := c.jsonPath(a, 2)
	idx := int64(-1)
	if len(a) == 4 {
		v, err := parseInt(a[3])
		if err != nil {
			return err
		}
		idx = v
	}
	e, err := tx.Exists(string(a[1]))
	if err != nil {
		return err
	}
	if e == 0 {
		c.w.AppendNull() // RedisJSON: nil for a missing key
		return nil
	}
	res, err := tx.JSONArrPop(string(a[1]), path, idx)
	if err != nil {
		return err
	}
	if isLegacy(path) {
		v := pick(bytesKeys(res), true)
		if v == "" {
			c.w.AppendNull()
		} else {
			c.w.AppendBulkString(v)
		}
		return nil
	}
	c.w.AppendArrayLen(len(res))
	for _, v := range res {
		if v == nil {
			c.w.AppendNull()
		} else {
			c.w.AppendBulk(v)
		}
	}
	return nil
}

// cmdJSONArrTrim: start and stop may be left out (0 and -1: nothing is
// trimmed), as go-redis's JSONArrTrim sends them.
func cmdJSONArrTrim(c *Conn, tx *potato.Tx, a [][]byte) error {
	if len(a) > 5 {
		return replyError("ERR wrong number of arguments for 'json.arrtrim' command")
	}
	path := string(a[2])
	start, stop := int64(0), int64(-1)
	var err error
	if len(a) > 3 {
		if start, err = parseInt(a[3]); err != nil {
			return err
		}
	}
	if len(a) > 4 {
		if stop, err = parseInt(a[4]); err != nil {
			return err
		}
	}
	res, err := tx.JSONArrTrimWithArgs(string(a[1]), path, potato.JSONArrTrimArgs{Start: start, Stop: &stop})
	return c.replyInts(path, res, err, true)
}

func cmdJSONClear(c *Conn, tx *potato.Tx, a [][]byte) error {
	if len(a) > 3 {
		return replyError("ERR wrong number of arguments for 'json.clear' command")
	}
	return c.replyInt(tx.JSONClear(string(a[1]), c.jsonPath(a, 2)))
}

func cmdJSONToggle(c *Conn, tx *potato.Tx, a [][]byte) error {
	if len(a) > 3 {
		return replyError("ERR wrong number of arguments for 'json.toggle' command")
	}
	path := c.jsonPath(a, 2)
	res, err := tx.JSONToggle(string(a[1]), path)
	if err != nil {
		return err
	}
	if isLegacy(path) {
		// RedisJSON's legacy reply is the new value as text.
		v := pick(res, true)
		if v != nil && *v == 1 {
			c.w.AppendBulkString("true")
		} else {
			c.w.AppendBulkString("false")
		}
		return nil
	}
	return c.replyInts(path, res, nil, true)
}

func cmdJSONMerge(c *Conn, tx *potato.Tx, a [][]byte) error {
	if err := tx.JSONMerge(string(a[1]), string(a[2]), a[3]); err != nil {
		return err
	}
	c.w.AppendOK()
	return nil
}

func cmdJSONDebugMemory(c *Conn, tx *potato.Tx, a [][]byte) error {
	if len(a) > 4 {
		return replyError("ERR wrong number of arguments for 'json.debug|memory' command")
	}
	path := c.jsonPath(a, 3)
	res, err := tx.JSONDebugMemory(string(a[2]), path)
	if errors.Is(err, potato.ErrNotFound) {
		if isLegacy(path) {
			c.w.AppendInt(0)
		} else {
			c.w.AppendArrayLen(0)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if isLegacy(path) {
		c.w.AppendInt(res[0])
		return nil
	}
	c.w.AppendArrayLen(len(res))
	for _, n := range res {
		c.w.AppendInt(n)
	}
	return nil
}

func cmdJSONResp(c *Conn, tx *potato.Tx, a [][]byte) error {
	if len(a) > 3 {
		return replyError("ERR wrong number of arguments for 'json.resp' command")
	}
	path := c.jsonPath(a, 2)
	vals, err := tx.JSONValues(string(a[1]), path)
	if done, err := c.nilIfMissing(err); done || err != nil {
		return err
	}
	if isLegacy(path) {
		c.appendRESPValue(gjson.ParseBytes(vals[0]))
		return nil
	}
	c.w.AppendArrayLen(len(vals))
	for _, v := range vals {
		c.appendRESPValue(gjson.ParseBytes(v))
	}
	return nil
}

// appendRESPValue appends a JSON value in JSON.RESP's form: null as nil,
// booleans as simple strings, integers as integers, floats as doubles,
// strings as bulk strings, arrays as ["[", elements...] and objects as
// ["{", key, value, ...]. Documents nest at most jsondoc.MaxDepth deep,
// which bounds the recursion.
func (c *Conn) appendRESPValue(r gjson.Result) {
	switch r.Type {
	case gjson.Null:
		c.w.AppendNull()
	case gjson.True:
		c.w.AppendSimple("true")
	case gjson.False:
		c.w.AppendSimple("false")
	case gjson.Number:
		if c.w.Proto() == 2 && strings.ContainsAny(r.Raw, ".eE") {
			// A float as Rust prints it (RedisJSON's JSON.RESP over RESP2).
			c.w.AppendBulkString(strconv.FormatFloat(r.Num, 'f', -1, 64))
			return
		}
		c.appendJSONNumber([]byte(r.Raw))
	case gjson.String:
		c.w.AppendBulkString(r.Str)
	case gjson.JSON:
		obj := strings.HasPrefix(r.Raw, "{")
		n := 0
		r.ForEach(func(_, _ gjson.Result) bool { n++; return true })
		if obj {
			c.w.AppendArrayLen(1 + 2*n)
			c.w.AppendSimple("{")
		} else {
			c.w.AppendArrayLen(1 + n)
			c.w.AppendSimple("[")
		}
		r.ForEach(func(k, v gjson.Result) bool {
			if obj {
				c.w.AppendBulkString(k.Str)
			}
			c.appendRESPValue(v)
			return true
		})
	}
}

// ---------------------------------------------------------------------
// MODULE, INFO's Modules section, HELLO's modules: RedisJSON is built in.
// ---------------------------------------------------------------------

func registerModule(t *table) {
	m := t.add(&Command{Name: "module", Arity: -2, Group: "server", Since: "4.0.0", Categories: cats("slow"),
		Summary: "A container for module commands.", Complexity: "Depends on subcommand."})
	t.addSub(m, &Command{Name: "list", Arity: 2, Flags: flagAdmin | flagNoScript, Since: "4.0.0", Categories: cats("admin slow dangerous"),
		Summary: "Returns all loaded modules.", Complexity: "O(N) where N is the number of loaded modules.",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) { c.appendModules() }})
	for _, name := range []string{"load", "loadex", "unload"} {
		t.addSub(m, &Command{Name: name, Arity: -3, Flags: flagAdmin | flagNoScript, Since: "4.0.0", Categories: cats("admin slow dangerous"),
			Summary: "Modules are built in: loading and unloading are refused.", Complexity: "O(1)",
			conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
				if eqFold(a[1], "unload") {
					c.replyErr("ERR Error unloading module: the module is built in")
					return
				}
				c.replyErr("ERR Error loading the extension. Please check the server logs.")
			}})
	}
	t.addSub(m, &Command{Name: "help", Arity: 2, Flags: flagLoading | flagStale, Since: "5.0.0", Categories: cats("slow"),
		Summary: "Returns helpful text about the different subcommands.", Complexity: "O(1)",
		conn: helpReply("MODULE", []string{
			"LIST", "    Return a list of loaded modules.",
			"LOAD <path> [<arg> ...]", "    Load a module library from <path>, passing to it any optional arguments.",
			"LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]", "    Load a module library from <path>, while passing it module configurations and optional arguments.",
			"UNLOAD <name>", "    Unload a module.",
		})})
}

// appendModules appends MODULE LIST's reply (also HELLO's "modules").
func (c *Conn) appendModules() {
	c.w.AppendArrayLen(1)
	c.w.AppendMapLen(4)
	c.w.AppendBulkString("name")
	c.w.AppendBulkString("ReJSON")
	c.w.AppendBulkString("ver")
	c.w.AppendInt(rejsonVersion)
	c.w.AppendBulkString("path")
	c.w.AppendBulkString("builtin")
	c.w.AppendBulkString("args")
	c.w.AppendArrayLen(0)
}

// modulesInfo is INFO's Modules section.
func modulesInfo(kv func(string, any)) {
	kv("module", "name=ReJSON,ver="+strconv.Itoa(rejsonVersion)+",api=1,filters=0,usedby=[],using=[],options=[handle-io-errors]")
}

// ---------------------------------------------------------------------
// GET key.path (json-dot-get).
// ---------------------------------------------------------------------

func addJSONConfig(cfg *config) {
	cfg.jsonDotGet.Store(true)
	cfg.add(&param{name: "json-dot-get", typ: "yes|no", def: "yes",
		doc: "GET of a missing key with dots reads into the JSON document of its longest prefix key: GET user.0.name is path 0.name of user (an extension).",
		get: func(s *Server) string { return yesNo(s.cfg.jsonDotGet.Load()) },
		set: func(s *Server, v string) error {
			b, err := parseYesNo(v)
			if err == nil {
				s.cfg.jsonDotGet.Store(b)
			}
			return err
		}})
}

// getDotted runs GET with the dot syntax when it applies.
func (c *Conn) getDotted(tx *potato.Tx, key []byte) ([]byte, bool, error) {
	if !c.s.cfg.jsonDotGet.Load() || bytes.IndexByte(key, '.') <= 0 {
		return nil, false, nil
	}
	var allow func(string) bool
	if u := c.connUser(); !u.allKeys {
		allow = func(k string) bool { return u.keyAllowed(k, false) }
	}
	v, err := tx.GetDotted(string(key), allow)
	return v, true, err
}

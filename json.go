package potato

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"rustypotato/internal/jsondoc"
	"rustypotato/internal/keyspace"
)

// jsonTypeName is what TYPE reports for a JSON key, as with RedisJSON.
const jsonTypeName = "ReJSON-RL"

// JSON documents
//
// A JSON key holds one document, stored as its canonical compact text
// (RedisJSON 2.x's printing: no whitespace, members in insertion order,
// numbers as RedisJSON prints them). Paths are JSONPath ("$.a[*].b",
// "$..price", "$.items[?(@.qty > 1)]"), which may match many values, or
// RedisJSON's legacy syntax (".a.b", "a[0]", "."), which acts on the
// first match and makes a missing path an error. The methods below take
// either. Results are per match; for a legacy path callers use the first
// (reads) or the last (writes). A value argument is JSON text when it is
// a []byte or a string, and is encoded with encoding/json otherwise, as
// go-redis does. Every write replaces the document as a whole through the
// one mutation path, with RedisJSON's event name ("json.set", ...) as its
// Op; a key's TTL survives JSON writes.

// jsonErr wraps an error of the JSON engine as ErrJSON.
func jsonErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrJSON, err.Error())
}

// jsonArg turns a value argument into canonical JSON text and its depth.
func jsonArg(v any) ([]byte, int, error) {
	var text []byte
	switch x := v.(type) {
	case []byte:
		text = x
	case string:
		text = []byte(x)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: ERR %v", ErrInvalidArgument, err)
		}
		text = b
	}
	out, depth, err := jsondoc.Parse(text)
	if err != nil {
		return nil, 0, jsonErr(err)
	}
	return out, depth, nil
}

func jsonQuery(path string) (*jsondoc.Query, error) {
	q, err := jsondoc.ParseQuery(path)
	if err != nil {
		return nil, jsonErr(err)
	}
	return q, nil
}

// defaultPath is the path of commands given none: the legacy root, as
// RedisJSON does over RESP2.
func defaultPath(path string) string {
	if path == "" {
		return "."
	}
	return path
}

// jsonDoc returns key's document, nil if the key does not exist, and
// ErrWrongType if it holds something else.
func (tx *Tx) jsonDoc(key string, write bool) (*keyspace.Entry, error) {
	return tx.lookupKind(key, keyspace.KindJSON, write)
}

// jsonPut stores doc as key's new document (op is the event name),
// keeping the deadline of cur, the entry it replaces (nil for a new key).
func (tx *Tx) jsonPut(key, op string, cur *keyspace.Entry, doc []byte) error {
	if int64(len(doc)) > tx.c.opts.MaxValueBytes {
		return ErrStringTooLong
	}
	e := &keyspace.Entry{Kind: keyspace.KindJSON, Str: doc}
	if cur != nil {
		e.ExpireAt = cur.ExpireAt
	}
	tx.put(key, op, e)
	return nil
}

// JSONSet sets the value at path (JSON.SET key path value). A new key
// must be set at the root ("$" or "."). It returns ErrNotFound when
// nothing was set: the path's parent does not exist (JSON.SET's nil).
func (tx *Tx) JSONSet(key, path string, value any) error {
	return tx.JSONSetMode(key, path, value, "")
}

// JSONSetMode is JSON.SET with mode "NX" (only if the path does not
// exist), "XX" (only if it does) or "" (always). It returns ErrNotFound
// when the condition is not met or nothing was set.
func (tx *Tx) JSONSetMode(key, path string, value any, mode string) error {
	tx.mustWrite()
	var nx, xx bool
	switch strings.ToUpper(mode) {
	case "":
	case "NX":
		nx = true
	case "XX":
		xx = true
	default:
		return fmt.Errorf("%w: ERR syntax error", ErrInvalidArgument)
	}
	val, depth, err := jsonArg(value)
	if err != nil {
		return err
	}
	return tx.jsonSet(key, path, val, depth, nx, xx, "json.set")
}

func (tx *Tx) jsonSet(key, path string, val []byte, depth int, nx, xx bool, op string) error {
	q, err := jsonQuery(path)
	if err != nil {
		return err
	}
	cur, err := tx.jsonDoc(key, true)
	if err != nil {
		return err
	}
	var doc []byte
	if cur != nil {
		doc = cur.Str
	}
	out, err := jsondoc.Set(doc, q, val, depth, nx, xx)
	if err != nil {
		return jsonErr(err)
	}
	if out == nil {
		return ErrNotFound
	}
	return tx.jsonPut(key, op, cur, out)
}

// JSONSetArgs is one key, path and value of JSONMSet.
type JSONSetArgs struct {
	Key   string
	Path  string
	Value any
}

// JSONMSet sets several values (JSON.MSET key path value ...), all or
// none: any invalid value or path fails the whole call before anything
// changes.
func (tx *Tx) JSONMSet(docs ...JSONSetArgs) error {
	tx.mustWrite()
	type pending struct {
		cur  *keyspace.Entry
		doc  []byte
		done bool
	}
	byKey := map[string]*pending{}
	var order []string
	for _, d := range docs {
		val, depth, err := jsonArg(d.Value)
		if err != nil {
			return err
		}
		q, err := jsonQuery(d.Path)
		if err != nil {
			return err
		}
		p := byKey[d.Key]
		if p == nil {
			cur, err := tx.jsonDoc(d.Key, true)
			if err != nil {
				return err
			}
			p = &pending{cur: cur}
			if cur != nil {
				p.doc = cur.Str
			}
			byKey[d.Key] = p
			order = append(order, d.Key)
		}
		out, err := jsondoc.Set(p.doc, q, val, depth, false, false)
		if err != nil {
			return jsonErr(err)
		}
		if out != nil {
			p.doc, p.done = out, true
		}
	}
	for _, k := range order {
		if p := byKey[k]; p.done {
			if err := tx.jsonPut(k, "json.set", p.cur, p.doc); err != nil {
				return err
			}
		}
	}
	return nil
}

// JSONGetArgs are JSON.GET's formatting options: the strings used to
// indent each level, to end each line and after each ':'.
type JSONGetArgs struct {
	Indent, Newline, Space string
}

// JSONGet returns the value(s) at paths as JSON text (JSON.GET): with
// one path, its value (legacy) or an array of its matches (JSONPath);
// with several, an object from each path to its result. No path means
// the legacy root. A missing key is ErrNotFound.
func (tx *Tx) JSONGet(key string, paths ...string) ([]byte, error) {
	return tx.JSONGetWithArgs(key, JSONGetArgs{}, paths...)
}

// JSONGetWithArgs is JSONGet with formatting (INDENT, NEWLINE, SPACE).
func (tx *Tx) JSONGetWithArgs(key string, a JSONGetArgs, paths ...string) ([]byte, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	qs := make([]*jsondoc.Query, len(paths))
	for i, p := range paths {
		q, err := jsonQuery(p)
		if err != nil {
			return nil, err
		}
		qs[i] = q
	}
	e, err := tx.jsonDoc(key, false)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, ErrNotFound
	}
	out, err := jsondoc.Get(e.Str, qs, jsondoc.Format{Indent: a.Indent, Newline: a.Newline, Space: a.Space})
	return out, jsonErr(err)
}

// JSONMGet returns JSONGet(key, path) of each key (JSON.MGET), nil for a
// key that is missing, is not JSON or lacks the path.
func (tx *Tx) JSONMGet(path string, keys ...string) ([][]byte, error) {
	q, err := jsonQuery(path)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		e := tx.lookup(k)
		if e == nil || e.Kind != keyspace.KindJSON {
			continue
		}
		if v, err := jsondoc.Get(e.Str, []*jsondoc.Query{q}, jsondoc.Format{}); err == nil {
			out[i] = v
		}
	}
	return out, nil
}

// JSONValues returns the text of each value path matches (the values
// JSON.GET would put in its array, one slice each). A missing key is
// ErrNotFound. It is an extension: RedisJSON has no such command.
func (tx *Tx) JSONValues(key, path string) ([][]byte, error) {
	q, err := jsonQuery(defaultPath(path))
	if err != nil {
		return nil, err
	}
	e, err := tx.jsonDoc(key, false)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, ErrNotFound
	}
	vs := jsondoc.Values(e.Str, q)
	if q.Legacy && len(vs) == 0 {
		return nil, jsonErr(jsondoc.ErrPathMissing(q.Fixed))
	}
	return vs, nil
}

// JSONDel deletes the values at path (JSON.DEL; "" is the root, which
// deletes the key) and returns how many it deleted.
func (tx *Tx) JSONDel(key, path string) (int64, error) {
	return tx.jsonDel(key, path, "json.del")
}

// JSONForget is JSONDel (JSON.FORGET).
func (tx *Tx) JSONForget(key, path string) (int64, error) { return tx.JSONDel(key, path) }

func (tx *Tx) jsonDel(key, path, op string) (int64, error) {
	tx.mustWrite()
	q, err := jsonQuery(defaultPath(path))
	if err != nil {
		return 0, err
	}
	cur, err := tx.jsonDoc(key, true)
	if err != nil || cur == nil {
		return 0, err
	}
	if q.Root() {
		tx.del(key, op)
		return 1, nil
	}
	out, n := jsondoc.Del(cur.Str, q)
	if n == 0 {
		return 0, nil
	}
	return int64(n), tx.jsonPut(key, op, cur, out)
}

// jsonRead runs fn on key's document for a read: nil, ErrNotFound when
// the key does not exist.
func (tx *Tx) jsonRead(key, path string, fn func(doc []byte, q *jsondoc.Query) error) error {
	q, err := jsonQuery(defaultPath(path))
	if err != nil {
		return err
	}
	e, err := tx.jsonDoc(key, false)
	if err != nil {
		return err
	}
	if e == nil {
		return ErrNotFound
	}
	return jsonErr(fn(e.Str, q))
}

// jsonWrite runs fn on key's document for a write, and stores what fn
// returns unless it is nil (nothing changed). A missing key is
// RedisJSON's "could not perform this operation on a key that doesn't
// exist".
func (tx *Tx) jsonWrite(key, path, op string, fn func(doc []byte, q *jsondoc.Query) ([]byte, error)) error {
	tx.mustWrite()
	q, err := jsonQuery(defaultPath(path))
	if err != nil {
		return err
	}
	cur, err := tx.jsonDoc(key, true)
	if err != nil {
		return err
	}
	if cur == nil {
		return jsonErr(jsondoc.ErrNoKeyForWrite)
	}
	out, err := fn(cur.Str, q)
	if err != nil {
		return jsonErr(err)
	}
	if out == nil {
		return nil
	}
	return tx.jsonPut(key, op, cur, out)
}

// JSONType returns the type of each value at path (JSON.TYPE): null,
// boolean, integer, number, string, array or object. A missing key is
// ErrNotFound.
func (tx *Tx) JSONType(key, path string) (types []string, err error) {
	err = tx.jsonRead(key, path, func(doc []byte, q *jsondoc.Query) error {
		types = jsondoc.Types(doc, q)
		return nil
	})
	return
}

// JSONNumIncrBy adds value to each number at path (JSON.NUMINCRBY) and
// returns the new numbers as JSON text (nil for matches that are not
// numbers).
func (tx *Tx) JSONNumIncrBy(key, path string, value float64) ([][]byte, error) {
	return tx.JSONNumOpText(key, path, strconv.FormatFloat(value, 'g', -1, 64), false)
}

// JSONNumMultBy multiplies each number at path by value
// (JSON.NUMMULTBY); see JSONNumIncrBy.
func (tx *Tx) JSONNumMultBy(key, path string, value float64) ([][]byte, error) {
	return tx.JSONNumOpText(key, path, strconv.FormatFloat(value, 'g', -1, 64), true)
}

// JSONNumOpText is JSON.NUMINCRBY (mult false) or JSON.NUMMULTBY with
// the number as the client sent it (JSON number text): integers stay
// integers unless the result overflows.
func (tx *Tx) JSONNumOpText(key, path, value string, mult bool) (res [][]byte, err error) {
	n, err := jsondoc.ParseNumber([]byte(value))
	if err != nil {
		return nil, jsonErr(err)
	}
	op := "json.numincrby"
	if mult {
		op = "json.nummultby"
	}
	err = tx.jsonWrite(key, path, op, func(doc []byte, q *jsondoc.Query) (out []byte, err error) {
		out, res, err = jsondoc.NumOp(doc, q, n, mult)
		return
	})
	return res, err
}

// JSONStrAppend appends the JSON string value (JSON text, e.g.
// `"abc"`) to each string at path (JSON.STRAPPEND) and returns the new
// lengths in bytes (nil for matches that are not strings).
func (tx *Tx) JSONStrAppend(key, path, value string) (res []*int64, err error) {
	s, _, err := jsonArg(value)
	if err != nil {
		return nil, err
	}
	err = tx.jsonWrite(key, path, "json.strappend", func(doc []byte, q *jsondoc.Query) (out []byte, err error) {
		out, res, err = jsondoc.StrAppend(doc, q, s)
		return
	})
	return res, err
}

func (tx *Tx) jsonLens(key, path, want string) (res []*int64, err error) {
	err = tx.jsonRead(key, path, func(doc []byte, q *jsondoc.Query) (err error) {
		res, err = jsondoc.Lens(doc, q, want)
		return
	})
	return res, err
}

// JSONStrLen returns the length in bytes of each string at path
// (JSON.STRLEN; nil for other matches).
func (tx *Tx) JSONStrLen(key, path string) ([]*int64, error) { return tx.jsonLens(key, path, "string") }

// JSONArrLen returns the length of each array at path (JSON.ARRLEN).
func (tx *Tx) JSONArrLen(key, path string) ([]*int64, error) { return tx.jsonLens(key, path, "array") }

// JSONObjLen returns the number of members of each object at path
// (JSON.OBJLEN).
func (tx *Tx) JSONObjLen(key, path string) ([]*int64, error) { return tx.jsonLens(key, path, "object") }

// JSONObjKeys returns the member names of each object at path
// (JSON.OBJKEYS; nil for other matches).
func (tx *Tx) JSONObjKeys(key, path string) (keys [][]string, err error) {
	err = tx.jsonRead(key, path, func(doc []byte, q *jsondoc.Query) (err error) {
		keys, err = jsondoc.ObjKeys(doc, q)
		return
	})
	return
}

func jsonArgs(values []any) ([][]byte, int, error) {
	vals := make([][]byte, len(values))
	maxDepth := 0
	for i, v := range values {
		b, d, err := jsonArg(v)
		if err != nil {
			return nil, 0, err
		}
		vals[i] = b
		maxDepth = max(maxDepth, d)
	}
	return vals, maxDepth, nil
}

// JSONArrAppend appends values to each array at path (JSON.ARRAPPEND)
// and returns the new lengths (nil for matches that are not arrays).
func (tx *Tx) JSONArrAppend(key, path string, values ...any) (res []*int64, err error) {
	vals, depth, err := jsonArgs(values)
	if err != nil {
		return nil, err
	}
	err = tx.jsonWrite(key, path, "json.arrappend", func(doc []byte, q *jsondoc.Query) (out []byte, err error) {
		out, res, err = jsondoc.ArrAppend(doc, q, vals, depth)
		return
	})
	return res, err
}

// JSONArrInsert inserts values before index (negative counts from the
// end) in each array at path (JSON.ARRINSERT) and returns the new
// lengths.
func (tx *Tx) JSONArrInsert(key, path string, index int64, values ...any) (res []*int64, err error) {
	vals, depth, err := jsonArgs(values)
	if err != nil {
		return nil, err
	}
	err = tx.jsonWrite(key, path, "json.arrinsert", func(doc []byte, q *jsondoc.Query) (out []byte, err error) {
		out, res, err = jsondoc.ArrInsert(doc, q, index, vals, depth)
		return
	})
	return res, err
}

// JSONArrIndexArgs bounds JSON.ARRINDEX's search: from Start, to before
// Stop (nil: the end; negatives count from the end).
type JSONArrIndexArgs struct {
	Start int64
	Stop  *int64
}

// JSONArrIndex returns the first index of value in each array at path
// (JSON.ARRINDEX), -1 when absent, nil for matches that are not arrays.
func (tx *Tx) JSONArrIndex(key, path string, value any) ([]*int64, error) {
	return tx.JSONArrIndexWithArgs(key, path, JSONArrIndexArgs{}, value)
}

// JSONArrIndexWithArgs is JSONArrIndex within a range.
func (tx *Tx) JSONArrIndexWithArgs(key, path string, a JSONArrIndexArgs, value any) (res []*int64, err error) {
	v, _, err := jsonArg(value)
	if err != nil {
		return nil, err
	}
	var stop int64
	if a.Stop != nil {
		stop = *a.Stop
	}
	err = tx.jsonRead(key, path, func(doc []byte, q *jsondoc.Query) (err error) {
		res, err = jsondoc.ArrIndex(doc, q, v, a.Start, stop)
		return
	})
	return res, err
}

// JSONArrPop removes and returns the element at index (negative counts
// from the end; clamped) of each array at path (JSON.ARRPOP), as JSON
// text; nil for empty arrays and other matches. RedisJSON's default
// index is -1.
func (tx *Tx) JSONArrPop(key, path string, index int64) (res [][]byte, err error) {
	err = tx.jsonWrite(key, path, "json.arrpop", func(doc []byte, q *jsondoc.Query) (out []byte, err error) {
		out, res, err = jsondoc.ArrPop(doc, q, index)
		return
	})
	return res, err
}

// JSONArrTrimArgs are JSON.ARRTRIM's range: Start to Stop inclusive (nil
// Stop: the last element).
type JSONArrTrimArgs struct {
	Start int64
	Stop  *int64
}

// JSONArrTrimWithArgs keeps only the elements Start..Stop of each array
// at path (JSON.ARRTRIM) and returns the new lengths.
func (tx *Tx) JSONArrTrimWithArgs(key, path string, a JSONArrTrimArgs) (res []*int64, err error) {
	stop := int64(-1)
	if a.Stop != nil {
		stop = *a.Stop
	}
	err = tx.jsonWrite(key, path, "json.arrtrim", func(doc []byte, q *jsondoc.Query) (out []byte, err error) {
		out, res, err = jsondoc.ArrTrim(doc, q, a.Start, stop)
		return
	})
	return res, err
}

// JSONClear empties the arrays and objects and zeroes the numbers at
// path (JSON.CLEAR) and returns how many values it changed.
func (tx *Tx) JSONClear(key, path string) (n int64, err error) {
	err = tx.jsonWrite(key, path, "json.clear", func(doc []byte, q *jsondoc.Query) ([]byte, error) {
		out, c := jsondoc.Clear(doc, q)
		n = int64(c)
		return out, nil
	})
	return n, err
}

// JSONToggle flips each boolean at path (JSON.TOGGLE) and returns the
// new values as 1 or 0 (nil for other matches).
func (tx *Tx) JSONToggle(key, path string) (res []*int64, err error) {
	err = tx.jsonWrite(key, path, "json.toggle", func(doc []byte, q *jsondoc.Query) (out []byte, err error) {
		out, res, err = jsondoc.Toggle(doc, q)
		return
	})
	return res, err
}

// JSONMerge merges value into each value at path as an RFC 7396 merge
// patch (JSON.MERGE): members set to null are deleted. A new key must
// be merged at the root.
func (tx *Tx) JSONMerge(key, path string, value any) error {
	tx.mustWrite()
	patch, depth, err := jsonArg(value)
	if err != nil {
		return err
	}
	q, err := jsonQuery(path)
	if err != nil {
		return err
	}
	cur, err := tx.jsonDoc(key, true)
	if err != nil {
		return err
	}
	var doc []byte
	if cur != nil {
		doc = cur.Str
	}
	out, err := jsondoc.Merge(doc, q, patch, depth)
	if err != nil {
		return jsonErr(err)
	}
	if out == nil {
		return nil
	}
	return tx.jsonPut(key, "json.merge", cur, out)
}

// JSONDebugMemory estimates the bytes each value at path takes (JSON.DEBUG
// MEMORY). A missing key is ErrNotFound.
func (tx *Tx) JSONDebugMemory(key, path string) (res []int64, err error) {
	err = tx.jsonRead(key, path, func(doc []byte, q *jsondoc.Query) error {
		vs := jsondoc.Values(doc, q)
		if q.Legacy && len(vs) == 0 {
			return jsondoc.ErrPathMissing(q.Fixed)
		}
		for _, v := range vs {
			res = append(res, jsondoc.MemoryUsage(v))
		}
		return nil
	})
	return res, err
}

// ---------------------------------------------------------------------
// GET key.path: the dot syntax on JSON keys (an extension).
// ---------------------------------------------------------------------

// maxDotPrefixes bounds how many key prefixes GetDotted looks up, so a
// key of many dots costs a bounded number of lookups.
const maxDotPrefixes = 64

// GetDotted is GET with the dot syntax: when key does not exist and a
// prefix of it up to a '.' holds a JSON document, it returns the value
// at the rest of the key read as a path ("user.0.name" is path "0.name"
// of "user": each segment a member name, or an element index in an
// array). The longest such prefix holding JSON is used; an exact key
// always wins. A JSON string is returned as its text, any other value as
// JSON. allow, when not nil, filters the prefixes that may be read (ACL
// key permissions). A key that exists but holds JSON is ErrWrongType,
// as for GET.
func (tx *Tx) GetDotted(key string, allow func(prefix string) bool) ([]byte, error) {
	s := tx.lockKey(tx.db, key)
	if e := tx.liveEntry(key); e != nil {
		return tx.Get(key)
	}
	tried := 0
	for i := strings.LastIndexByte(key, '.'); i > 0 && tried < maxDotPrefixes; i = strings.LastIndexByte(key[:i], '.') {
		tried++
		prefix := key[:i]
		if allow != nil && !allow(prefix) {
			continue
		}
		tx.lockKey(tx.db, prefix)
		e := tx.liveEntry(prefix)
		if e == nil || e.Kind != keyspace.KindJSON {
			continue
		}
		ps := tx.ks.StripeOf(tx.db, prefix)
		if !tx.write {
			tx.ks.Hit(ps)
		}
		tx.c.touch(e, tx.nowMs/1000)
		v, ok := jsondoc.DotGet(e.Str, key[i+1:])
		if !ok {
			return nil, ErrNotFound
		}
		return v, nil
	}
	if !tx.write {
		tx.ks.Miss(s)
		if tx.c.notifyKeyMissOn() {
			tx.c.keyMiss(tx.br, tx.db, key)
		}
	}
	return nil, ErrNotFound
}

// liveEntry returns key's entry if it exists and has not expired,
// without counting a hit or miss. The caller holds the key's stripe.
func (tx *Tx) liveEntry(key string) *keyspace.Entry {
	e := tx.ks.Get(tx.db, key)
	if e != nil && e.Expired(tx.nowMs) {
		return nil
	}
	return e
}

// ---------------------------------------------------------------------
// DB wrappers: each runs its Tx method as one command.
// ---------------------------------------------------------------------

// JSONSet is Tx.JSONSet as one command.
func (d *DB) JSONSet(key, path string, value any) error {
	return d.do(true, func(tx *Tx) error { return tx.JSONSet(key, path, value) }, key)
}

// JSONSetMode is Tx.JSONSetMode as one command.
func (d *DB) JSONSetMode(key, path string, value any, mode string) error {
	return d.do(true, func(tx *Tx) error { return tx.JSONSetMode(key, path, value, mode) }, key)
}

// JSONMSet is Tx.JSONMSet as one command.
func (d *DB) JSONMSet(docs ...JSONSetArgs) error {
	keys := make([]string, len(docs))
	for i, x := range docs {
		keys[i] = x.Key
	}
	return d.do(true, func(tx *Tx) error { return tx.JSONMSet(docs...) }, keys...)
}

// JSONGet is Tx.JSONGet as one command.
func (d *DB) JSONGet(key string, paths ...string) (v []byte, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONGet(key, paths...); return err }, key)
	return
}

// JSONGetWithArgs is Tx.JSONGetWithArgs as one command.
func (d *DB) JSONGetWithArgs(key string, a JSONGetArgs, paths ...string) (v []byte, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONGetWithArgs(key, a, paths...); return err }, key)
	return
}

// JSONMGet is Tx.JSONMGet as one command.
func (d *DB) JSONMGet(path string, keys ...string) (v [][]byte, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONMGet(path, keys...); return err }, keys...)
	return
}

// JSONValues is Tx.JSONValues as one command.
func (d *DB) JSONValues(key, path string) (v [][]byte, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONValues(key, path); return err }, key)
	return
}

// JSONDel is Tx.JSONDel as one command.
func (d *DB) JSONDel(key, path string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.JSONDel(key, path); return err }, key)
	return
}

// JSONForget is Tx.JSONForget as one command.
func (d *DB) JSONForget(key, path string) (int64, error) { return d.JSONDel(key, path) }

// JSONType is Tx.JSONType as one command.
func (d *DB) JSONType(key, path string) (v []string, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONType(key, path); return err }, key)
	return
}

// JSONNumIncrBy is Tx.JSONNumIncrBy as one command.
func (d *DB) JSONNumIncrBy(key, path string, value float64) (v [][]byte, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.JSONNumIncrBy(key, path, value); return err }, key)
	return
}

// JSONNumMultBy is Tx.JSONNumMultBy as one command.
func (d *DB) JSONNumMultBy(key, path string, value float64) (v [][]byte, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.JSONNumMultBy(key, path, value); return err }, key)
	return
}

// JSONStrAppend is Tx.JSONStrAppend as one command.
func (d *DB) JSONStrAppend(key, path, value string) (v []*int64, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.JSONStrAppend(key, path, value); return err }, key)
	return
}

// JSONStrLen is Tx.JSONStrLen as one command.
func (d *DB) JSONStrLen(key, path string) (v []*int64, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONStrLen(key, path); return err }, key)
	return
}

// JSONArrLen is Tx.JSONArrLen as one command.
func (d *DB) JSONArrLen(key, path string) (v []*int64, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONArrLen(key, path); return err }, key)
	return
}

// JSONObjLen is Tx.JSONObjLen as one command.
func (d *DB) JSONObjLen(key, path string) (v []*int64, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONObjLen(key, path); return err }, key)
	return
}

// JSONObjKeys is Tx.JSONObjKeys as one command.
func (d *DB) JSONObjKeys(key, path string) (v [][]string, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONObjKeys(key, path); return err }, key)
	return
}

// JSONArrAppend is Tx.JSONArrAppend as one command.
func (d *DB) JSONArrAppend(key, path string, values ...any) (v []*int64, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.JSONArrAppend(key, path, values...); return err }, key)
	return
}

// JSONArrInsert is Tx.JSONArrInsert as one command.
func (d *DB) JSONArrInsert(key, path string, index int64, values ...any) (v []*int64, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.JSONArrInsert(key, path, index, values...); return err }, key)
	return
}

// JSONArrIndex is Tx.JSONArrIndex as one command.
func (d *DB) JSONArrIndex(key, path string, value any) (v []*int64, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONArrIndex(key, path, value); return err }, key)
	return
}

// JSONArrIndexWithArgs is Tx.JSONArrIndexWithArgs as one command.
func (d *DB) JSONArrIndexWithArgs(key, path string, a JSONArrIndexArgs, value any) (v []*int64, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONArrIndexWithArgs(key, path, a, value); return err }, key)
	return
}

// JSONArrPop is Tx.JSONArrPop as one command.
func (d *DB) JSONArrPop(key, path string, index int64) (v [][]byte, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.JSONArrPop(key, path, index); return err }, key)
	return
}

// JSONArrTrimWithArgs is Tx.JSONArrTrimWithArgs as one command.
func (d *DB) JSONArrTrimWithArgs(key, path string, a JSONArrTrimArgs) (v []*int64, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.JSONArrTrimWithArgs(key, path, a); return err }, key)
	return
}

// JSONClear is Tx.JSONClear as one command.
func (d *DB) JSONClear(key, path string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.JSONClear(key, path); return err }, key)
	return
}

// JSONToggle is Tx.JSONToggle as one command.
func (d *DB) JSONToggle(key, path string) (v []*int64, err error) {
	err = d.do(true, func(tx *Tx) error { v, err = tx.JSONToggle(key, path); return err }, key)
	return
}

// JSONMerge is Tx.JSONMerge as one command.
func (d *DB) JSONMerge(key, path string, value any) error {
	return d.do(true, func(tx *Tx) error { return tx.JSONMerge(key, path, value) }, key)
}

// JSONDebugMemory is Tx.JSONDebugMemory as one command.
func (d *DB) JSONDebugMemory(key, path string) (v []int64, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.JSONDebugMemory(key, path); return err }, key)
	return
}

// GetDotted is Tx.GetDotted as one command.
func (d *DB) GetDotted(key string, allow func(prefix string) bool) (v []byte, err error) {
	err = d.do(false, func(tx *Tx) error { v, err = tx.GetDotted(key, allow); return err }, key)
	return
}

// mergeJSON3 merges two branches' versions of one JSON document: the
// changes base->ours and base->theirs to different places (object
// members, array elements of arrays whose length neither side changed)
// all apply; where both changed one place differently, ours is kept and
// the place is reported (as a JSONPath) in conflicts. The inputs are
// stored documents (canonical text); err reports one that is not JSON.
func mergeJSON3(base, ours, theirs []byte) (merged []byte, conflicts []string, err error) {
	var docs [3][]byte
	for i, d := range [][]byte{base, ours, theirs} {
		if docs[i], _, err = jsondoc.Parse(d); err != nil {
			return nil, nil, jsonErr(err)
		}
	}
	merged, conflicts = jsondoc.Merge3(docs[0], docs[1], docs[2])
	return merged, conflicts, nil
}

// diffJSONPaths returns the places (JSONPaths) where two stored
// documents differ; see jsondoc.Diff.
func diffJSONPaths(a, b []byte) []string { return jsondoc.Diff(a, b) }

package potato

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"net"
	"rustypotato/internal/redistest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ---------------------------------------------------------------------
// Scripts: the hash commands as redis-cli would type them, with the reply
// real Redis 7.0.15 gives. TestHashScripts runs them against the API;
// TestHashScriptsAgainstRedis checks that Redis still agrees with the
// table. Replies are rendered as: :N integer, "..." bulk (Go quoting;
// long bulks as a prefix, length and CRC-32), (nil), +OK status, !ERR
// error text, [a b ...] array. Commands whose reply order Redis leaves
// open (HKEYS, HVALS, HGETALL, HRANDFIELD, HSCAN) are sorted first.
// ---------------------------------------------------------------------

type hashStep struct {
	cmd  string // space-separated; a token starting with " is Go-unquoted
	want string
}

var hashScripts = map[string][]hashStep{
	"basics": {
		{`hset h a 1 b 2`, `:2`},
		{`hset h a 10 c 3`, `:1`},
		{`hset h d 4 d 5`, `:1`}, // duplicate field: last wins, counted once
		{`hget h d`, `"5"`},
		{`hget h zz`, `(nil)`},
		{`hget nokey a`, `(nil)`},
		{`hmget h a zz b`, `["10" (nil) "2"]`},
		{`hmget nokey a b`, `[(nil) (nil)]`},
		{`hlen h`, `:4`},
		{`hlen nokey`, `:0`},
		{`hexists h a`, `:1`},
		{`hexists h zz`, `:0`},
		{`hexists nokey a`, `:0`},
		{`hstrlen h a`, `:2`},
		{`hstrlen h zz`, `:0`},
		{`hstrlen nokey a`, `:0`},
		{`hkeys h`, `["a" "b" "c" "d"]`},
		{`hvals h`, `["10" "2" "3" "5"]`},
		{`hgetall h`, `["a" "10" "b" "2" "c" "3" "d" "5"]`},
		{`hkeys nokey`, `[]`},
		{`hvals nokey`, `[]`},
		{`hgetall nokey`, `[]`},
		{`hsetnx h a x`, `:0`},
		{`hget h a`, `"10"`},
		{`hsetnx h e x`, `:1`},
		{`hsetnx h2 a x`, `:1`},
		{`hmset h a 1 b 2`, `+OK`},
		{`hget h a`, `"1"`},
		{`hdel h a zz a`, `:1`},
		{`hdel h zz`, `:0`},
		{`hdel nokey a`, `:0`},
		{`hdel h b c d e`, `:4`},
		{`exists h`, `:0`},
		{`hset h "" ""`, `:1`},
		{`hget h ""`, `""`},
		{`hstrlen h ""`, `:0`},
		{`hset bin "a\x00b" "\xff\x00\r\n"`, `:1`},
		{`hget bin "a\x00b"`, `"\xff\x00\r\n"`},
		{`hstrlen bin "a\x00b"`, `:4`},
	},
	"wrongtype": {
		{`set s x`, `+OK`},
		{`hset s a 1`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hmset s a 1`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hsetnx s a 1`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hget s a`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hmget s a`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hdel s a`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hexists s a`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hlen s`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hstrlen s a`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hkeys s`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hvals s`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hgetall s`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hincrby s a 1`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hincrbyfloat s a 1`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		// The increment is checked before the key.
		{`hincrbyfloat s a abc`, `!ERR value is not a valid float`},
		{`hincrbyfloat s a inf`, `!ERR value is NaN or Infinity`},
		{`hrandfield s`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hrandfield s 0`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hrandfield s -1 withvalues`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`hrandfield s -9223372036854775808`, `!ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807`},
		{`hscan s 0`, `!WRONGTYPE Operation against a key holding the wrong kind of value`},
		{`get s`, `"x"`},
	},
	"hincrby": {
		{`hincrby h a 5`, `:5`},
		{`hincrby h a -10`, `:-5`},
		{`hget h a`, `"-5"`},
		{`hincrby n a -9223372036854775808`, `:-9223372036854775808`},
		{`hset h max 9223372036854775807`, `:1`},
		{`hincrby h max 1`, `!ERR increment or decrement would overflow`},
		{`hincrby h max 0`, `:9223372036854775807`},
		{`hincrby h max -1`, `:9223372036854775806`},
		{`hset h min -9223372036854775808`, `:1`},
		{`hincrby h min -1`, `!ERR increment or decrement would overflow`},
		{`hincrby h min 9223372036854775807`, `:-1`},
		{`hincrby h min -9223372036854775808`, `!ERR increment or decrement would overflow`},
		{`hset h sp "\x201"`, `:1`},
		{`hincrby h sp 1`, `!ERR hash value is not an integer`},
		{`hset h fl 1.5`, `:1`},
		{`hincrby h fl 1`, `!ERR hash value is not an integer`},
		{`hset h empty ""`, `:1`},
		{`hincrby h empty 1`, `!ERR hash value is not an integer`},
		{`hset h lead 01`, `:1`},
		{`hincrby h lead 1`, `!ERR hash value is not an integer`},
		{`hset h plus +1`, `:1`},
		{`hincrby h plus 1`, `!ERR hash value is not an integer`},
		{`hset h big 9223372036854775808`, `:1`},
		{`hincrby h big -1`, `!ERR hash value is not an integer`},
		{`hget h big`, `"9223372036854775808"`},
	},
	"hincrbyfloat": {
		{`hincrbyfloat f c 0.1`, `"0.1"`},
		{`hincrbyfloat f c 0.2`, `"0.3"`},
		{`hincrbyfloat f d 10.50`, `"10.5"`},
		{`hincrbyfloat f d 5.0e3`, `"5010.5"`},
		{`hincrbyfloat f d -5.0e3`, `"10.5"`},
		{`hincrbyfloat f e 3`, `"3"`},
		{`hincrbyfloat f e -3`, `"0"`},
		{`hincrbyfloat f g 0x10`, `"16"`},
		{`hincrbyfloat f g 0X1P-2`, `"16.25"`},
		{`hincrbyfloat f g 0x.8`, `"16.75"`},
		{`hincrbyfloat f g -0x10`, `"0.75"`},
		{`hincrbyfloat f g 0x1e`, `"30.75"`},
		{`hincrbyfloat f h +1`, `"1"`},
		{`hincrbyfloat f h 00012`, `"13"`},
		{`hincrbyfloat f h 1e0005`, `"100013"`},
		{`hincrbyfloat f i 1e-20`, `"0"`},
		{`hincrbyfloat f i 1e-5`, `"0.00001"`},
		{`hincrbyfloat f j 123456789012345678901234567890`, `"123456789012345678899921813504"`},
		{`hincrbyfloat f k -0`, `"0"`},
		{`hincrbyfloat f k -0.0`, `"0"`},
		{`hincrbyfloat f l 1.`, `"1"`},
		{`hincrbyfloat f m .5`, `"0.5"`},
		{`hincrbyfloat f n 5e-324`, `"0"`},
		{`hincrbyfloat f n 3.6e-4951`, `"0"`},
		{`hincrbyfloat f n 0x1p-16445`, `"0"`},
		{`hincrbyfloat f o 3.0000000000000000001`, `"3"`},
		{`hincrbyfloat f u 9223372036854775807`, `"9223372036854775807"`},
		{`hincrbyfloat f u 1`, `"9223372036854775808"`},
		{`hincrby f u 1`, `!ERR hash value is not an integer`},
		// Increments that are not numbers, as strtold and string2ld see them.
		{`hincrbyfloat f x "\x201"`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x "1\x20"`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x ""`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x nan`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 1.5p3`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 1p3`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 0x`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 0x1p`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 0xp3`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 1e`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x e5`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x --1`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x +-1`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 1e--5`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x -`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x .`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 0b1`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 1d`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 1L`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x infinit`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 1,5`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 1e5000`, `!ERR value is not a valid float`},
		// Finite literals that underflow to zero: strtold's ERANGE.
		{`hincrbyfloat f x 1e-5000`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 1e-4951`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 0x1p-16446`, `!ERR value is not a valid float`},
		{`hincrbyfloat f x 0x1p16384`, `!ERR value is not a valid float`},
		// Infinite increments have their own error.
		{`hincrbyfloat f x inf`, `!ERR value is NaN or Infinity`},
		{`hincrbyfloat f x -inf`, `!ERR value is NaN or Infinity`},
		{`hincrbyfloat f x +INF`, `!ERR value is NaN or Infinity`},
		{`hincrbyfloat f x infinity`, `!ERR value is NaN or Infinity`},
		{`hincrbyfloat nokey x inf`, `!ERR value is NaN or Infinity`},
		{`exists nokey`, `:0`},
		{`hexists f x`, `:0`},
		// Huge values: long double range, printed in full by %.17Lf.
		{`hincrbyfloat f big 1e4932`, `"10000000000000000000060189493879638913"...len=4933.crc=682d613a`},
		{`hincrbyfloat f big 1e4932`, `!ERR increment would produce NaN or Infinity`},
		{`hincrbyfloat f p 1.7976931348623157e308`, `"17976931348623156999592104677410443404"...len=309.crc=fcf27cc3`},
		{`hincrbyfloat f p 1.7976931348623157e308`, `"35953862697246313999184209354820886809"...len=309.crc=d72b1ebd`},
		{`hincrbyfloat f big2 0x1p16383`, `"59486574767861588254287966331400356538"...len=4932.crc=c4a1324b`},
		// Stored values are parsed with the same rules.
		{`hset f q 1e3`, `:1`},
		{`hincrbyfloat f q 0`, `"1000"`},
		{`hset f r 0x1p3`, `:1`},
		{`hincrbyfloat f r 0`, `"8"`},
		{`hset f s inf`, `:1`},
		{`hincrbyfloat f s 0`, `!ERR increment would produce NaN or Infinity`},
		{`hset f t "1.5\x20"`, `:1`},
		{`hincrbyfloat f t 1`, `!ERR hash value is not a float`},
		{`hset f t2 abc`, `:1`},
		{`hincrbyfloat f t2 1`, `!ERR hash value is not a float`},
		{`hset f t3 ""`, `:1`},
		{`hincrbyfloat f t3 1`, `!ERR hash value is not a float`},
		{`hset f t4 1.5p3`, `:1`},
		{`hincrbyfloat f t4 1`, `!ERR hash value is not a float`},
		{`hget f t`, `"1.5 "`},
	},
	"hrandfield": {
		{`hrandfield nokey`, `(nil)`},
		{`hrandfield nokey 5`, `[]`},
		{`hrandfield nokey -5`, `[]`},
		{`hrandfield nokey -9223372036854775807`, `[]`},
		{`hrandfield nokey -9223372036854775808`, `!ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807`},
		{`hrandfield nokey 4611686018427387903 withvalues`, `[]`},
		{`hrandfield nokey -4611686018427387903 withvalues`, `[]`},
		{`hrandfield nokey 4611686018427387904 withvalues`, `!ERR value is out of range`},
		{`hrandfield nokey -4611686018427387904 withvalues`, `!ERR value is out of range`},
		{`hrandfield nokey 9223372036854775807 withvalues`, `!ERR value is out of range`},
		{`hset one f v`, `:1`},
		{`hrandfield one`, `"f"`},
		{`hrandfield one 1`, `["f"]`},
		{`hrandfield one -3`, `["f" "f" "f"]`},
		{`hrandfield one -2 withvalues`, `["f" "v" "f" "v"]`},
		{`hrandfield one 0`, `[]`},
		{`hrandfield one 0 withvalues`, `[]`},
		{`hrandfield one 4611686018427387904 withvalues`, `!ERR value is out of range`},
		{`hset h a 1 b 2 c 3`, `:3`},
		{`hrandfield h 3`, `["a" "b" "c"]`},
		{`hrandfield h 10 withvalues`, `["a" "1" "b" "2" "c" "3"]`},
		{`hrandfield h 9223372036854775807`, `["a" "b" "c"]`},
		{`hrandfield h 4611686018427387903 withvalues`, `["a" "1" "b" "2" "c" "3"]`},
	},
	"hscan": {
		{`hscan nokey 0`, `["0" []]`},
		{`hset h a 1 b 2 c 3 ab 4`, `:4`},
		{`hscan h 0`, `["0" ["a" "1" "ab" "4" "b" "2" "c" "3"]]`},
		{`hscan h 0 match a*`, `["0" ["a" "1" "ab" "4"]]`},
		{`hscan h 0 match ?b count 100`, `["0" ["ab" "4"]]`},
		{`hscan h 0 match z*`, `["0" []]`},
		{`hscan h 0 count -1`, `!ERR syntax error`},
	},
	"arity": {
		{`hset h`, `!ERR wrong number of arguments for 'hset' command`},
		{`hmset h`, `!ERR wrong number of arguments for 'hmset' command`},
		{`hdel h`, `!ERR wrong number of arguments for 'hdel' command`},
		{`hmget h`, `!ERR wrong number of arguments for 'hmget' command`},
		{`exists h`, `:0`},
	},
}

// hashTokens splits a script command; a token starting with " is a Go
// quoted string (use \x20 for a space).
func hashTokens(t *testing.T, cmd string) []string {
	t.Helper()
	var out []string
	for _, tok := range strings.Fields(cmd) {
		if strings.HasPrefix(tok, `"`) {
			s, err := strconv.Unquote(tok)
			if err != nil {
				t.Fatalf("bad token %s in %q: %v", tok, cmd, err)
			}
			tok = s
		}
		out = append(out, tok)
	}
	return out
}

type hashStatus string   // a RESP simple string
type hashErrReply string // a RESP error

// hashErrText is the Redis reply text of an API error.
func hashErrText(err error) string {
	s := strings.TrimPrefix(err.Error(), "potato: ")
	return strings.TrimPrefix(s, "invalid argument: ")
}

// hashExec runs one script command through the DB API and returns its
// reply as a RESP value would be decoded (see hashRender).
func hashExec(d *DB, args []string) any {
	bulk := func(v []byte, err error) any {
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return hashErrReply(hashErrText(err))
		}
		return string(v)
	}
	integer := func(n int64, err error) any {
		if err != nil {
			return hashErrReply(hashErrText(err))
		}
		return n
	}
	boolean := func(b bool, err error) any {
		if b {
			return integer(1, err)
		}
		return integer(0, err)
	}
	pairs := func(fvs []FieldValue, values bool) []any {
		out := []any{}
		for _, fv := range fvs {
			out = append(out, fv.Field)
			if values {
				out = append(out, string(fv.Value))
			}
		}
		return out
	}
	toFV := func(kv []string) []FieldValue {
		var out []FieldValue
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, FieldValue{Field: kv[i], Value: []byte(kv[i+1])})
		}
		return out
	}
	parseInt := func(s string) (int64, any) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, hashErrReply("ERR value is not an integer or out of range")
		}
		return n, nil
	}
	key := ""
	if len(args) > 1 {
		key = args[1]
	}
	switch strings.ToLower(args[0]) {
	case "set":
		if err := d.Set(key, []byte(args[2])); err != nil {
			return hashErrReply(hashErrText(err))
		}
		return hashStatus("OK")
	case "get":
		return bulk(d.Get(key))
	case "exists":
		return integer(d.Exists(args[1:]...))
	case "hset":
		if len(args)%2 != 0 {
			return hashErrReply("ERR wrong number of arguments for 'hset' command")
		}
		return integer(d.HSet(key, toFV(args[2:])...))
	case "hmset":
		if len(args)%2 != 0 {
			return hashErrReply("ERR wrong number of arguments for 'hmset' command")
		}
		if err := d.HMSet(key, toFV(args[2:])...); err != nil {
			return hashErrReply(hashErrText(err))
		}
		return hashStatus("OK")
	case "hsetnx":
		return boolean(d.HSetNX(key, args[2], []byte(args[3])))
	case "hget":
		return bulk(d.HGet(key, args[2]))
	case "hmget":
		vals, err := d.HMGet(key, args[2:]...)
		if err != nil {
			return hashErrReply(hashErrText(err))
		}
		out := []any{}
		for _, v := range vals {
			if v == nil {
				out = append(out, nil)
			} else {
				out = append(out, string(v))
			}
		}
		return out
	case "hdel":
		return integer(d.HDel(key, args[2:]...))
	case "hexists":
		return boolean(d.HExists(key, args[2]))
	case "hlen":
		return integer(d.HLen(key))
	case "hstrlen":
		return integer(d.HStrLen(key, args[2]))
	case "hkeys":
		ks, err := d.HKeys(key)
		if err != nil {
			return hashErrReply(hashErrText(err))
		}
		out := []any{}
		for _, k := range ks {
			out = append(out, k)
		}
		return out
	case "hvals":
		vs, err := d.HVals(key)
		if err != nil {
			return hashErrReply(hashErrText(err))
		}
		out := []any{}
		for _, v := range vs {
			out = append(out, string(v))
		}
		return out
	case "hgetall":
		fvs, err := d.HGetAll(key)
		if err != nil {
			return hashErrReply(hashErrText(err))
		}
		return pairs(fvs, true)
	case "hincrby":
		n, e := parseInt(args[3])
		if e != nil {
			return e
		}
		return integer(d.HIncrBy(key, args[2], n))
	case "hincrbyfloat":
		v, err := d.HIncrByFloatText(key, args[2], args[3])
		if err != nil {
			return hashErrReply(hashErrText(err))
		}
		return v
	case "hrandfield":
		if len(args) == 2 {
			f, err := d.HRandFieldOne(key)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return hashErrReply(hashErrText(err))
			}
			return f
		}
		n, e := parseInt(args[2])
		if e != nil {
			return e
		}
		wv := len(args) == 4
		fvs, err := d.HRandField(key, n, wv)
		if err != nil {
			return hashErrReply(hashErrText(err))
		}
		return pairs(fvs, wv)
	case "hscan":
		cur, err := strconv.ParseUint(args[2], 10, 64)
		if err != nil {
			return hashErrReply("ERR invalid cursor")
		}
		var match string
		var count int64
		for i := 3; i+1 < len(args); i += 2 {
			switch strings.ToLower(args[i]) {
			case "match":
				match = args[i+1]
			case "count":
				n, e := parseInt(args[i+1])
				if e != nil {
					return e
				}
				count = n
			}
		}
		fvs, next, err := d.HScan(key, cur, match, count)
		if err != nil {
			return hashErrReply(hashErrText(err))
		}
		return []any{strconv.FormatUint(next, 10), pairs(fvs, true)}
	}
	panic("hashExec: unknown command " + args[0])
}

// hashNormalize sorts the replies whose order Redis leaves open.
func hashNormalize(args []string, v any) any {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	sortPairs := func(a []any) []any {
		type pair struct{ f, v any }
		var ps []pair
		for i := 0; i+1 < len(a); i += 2 {
			ps = append(ps, pair{a[i], a[i+1]})
		}
		sort.SliceStable(ps, func(i, j int) bool { return fmt.Sprint(ps[i].f) < fmt.Sprint(ps[j].f) })
		out := []any{}
		for _, p := range ps {
			out = append(out, p.f, p.v)
		}
		return out
	}
	sortAll := func(a []any) []any {
		out := slices.Clone(a)
		sort.SliceStable(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
		return out
	}
	switch strings.ToLower(args[0]) {
	case "hkeys", "hvals":
		return sortAll(arr)
	case "hgetall":
		return sortPairs(arr)
	case "hrandfield":
		if len(args) == 4 {
			return sortPairs(arr)
		}
		return sortAll(arr)
	case "hscan":
		if len(arr) == 2 {
			if inner, ok := arr[1].([]any); ok {
				return []any{arr[0], sortPairs(inner)}
			}
		}
	}
	return v
}

// hashRender prints a decoded reply in the scripts' notation.
func hashRender(v any) string {
	switch x := v.(type) {
	case nil:
		return "(nil)"
	case int64:
		return ":" + strconv.FormatInt(x, 10)
	case hashStatus:
		return "+" + string(x)
	case hashErrReply:
		return "!" + string(x)
	case string:
		if len(x) > 40 {
			return fmt.Sprintf("%s...len=%d.crc=%08x", strconv.Quote(x[:38]), len(x), crc32.ChecksumIEEE([]byte(x)))
		}
		return strconv.Quote(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = hashRender(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprintf("?%T", v)
}

func newHashTestDB(t testing.TB, opts Options) *DB {
	t.Helper()
	if opts.ExpiryInterval == 0 {
		opts.ExpiryInterval = -1
	}
	d, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestHashScripts(t *testing.T) {
	for name, steps := range hashScripts {
		t.Run(name, func(t *testing.T) {
			d := newHashTestDB(t, Options{})
			for _, st := range steps {
				args := hashTokens(t, st.cmd)
				got := hashRender(hashNormalize(args, hashExec(d, args)))
				if got != st.want {
					t.Errorf("%s\n got: %s\nwant: %s", st.cmd, got, st.want)
				}
			}
		})
	}
}

// TestHashScriptsAgainstRedis checks the scripts' expected replies against
// real Redis, so that the table above stays the truth.
func TestHashScriptsAgainstRedis(t *testing.T) {
	r := hashStartRedis(t)
	for name, steps := range hashScripts {
		t.Run(name, func(t *testing.T) {
			r.do(t, "FLUSHALL")
			for _, st := range steps {
				args := hashTokens(t, st.cmd)
				got := hashRender(hashNormalize(args, r.do(t, args...)))
				if got != st.want {
					t.Errorf("redis disagrees with the table: %s\nredis: %s\ntable: %s", st.cmd, got, st.want)
				}
			}
		})
	}
}

// ---------------------------------------------------------------------
// A real redis-server for the oracle tests.
// ---------------------------------------------------------------------

type hashRedis struct {
	conn net.Conn
	rd   *bufio.Reader
}

func hashStartRedis(t *testing.T) *hashRedis {
	t.Helper()
	c, err := net.Dial("tcp", redistest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &hashRedis{conn: c, rd: bufio.NewReader(c)}
	if got := r.do(t, "PING"); got != hashStatus("PONG") {
		t.Fatalf("redis-server PING: %v", got)
	}
	return r
}

func (r *hashRedis) do(t *testing.T, args ...string) any {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	r.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.conn.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	v, err := r.read()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (r *hashRedis) read() (any, error) {
	line, err := r.rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return hashStatus(body), nil
	case '-':
		return hashErrReply(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r.rd, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = r.read(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply line %q", line)
}

// ---------------------------------------------------------------------
// API-level tests.
// ---------------------------------------------------------------------

func hashMustSet(t *testing.T, d *DB, key string, kv ...string) {
	t.Helper()
	var fvs []FieldValue
	for i := 0; i < len(kv); i += 2 {
		fvs = append(fvs, FieldValue{Field: kv[i], Value: []byte(kv[i+1])})
	}
	if _, err := d.HSet(key, fvs...); err != nil {
		t.Fatal(err)
	}
}

func hashAsMap(fvs []FieldValue) map[string]string {
	m := map[string]string{}
	for _, fv := range fvs {
		m[fv.Field] = string(fv.Value)
	}
	return m
}

func TestHashErrorsAreSentinels(t *testing.T) {
	d := newHashTestDB(t, Options{})
	if err := d.Set("s", []byte("x")); err != nil {
		t.Fatal(err)
	}
	hashMustSet(t, d, "h", "n", "nope", "max", "9223372036854775807")
	check := func(name string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", name, err, want)
		}
	}
	_, err := d.HSet("s", FieldValue{"a", []byte("1")})
	check("HSet wrongtype", err, ErrWrongType)
	_, err = d.HGet("nokey", "a")
	check("HGet missing key", err, ErrNotFound)
	_, err = d.HGet("h", "zz")
	check("HGet missing field", err, ErrNotFound)
	_, err = d.HSet("h")
	check("HSet no pairs", err, ErrInvalidArgument)
	_, err = d.HDel("h")
	check("HDel no fields", err, ErrInvalidArgument)
	_, err = d.HMGet("h")
	check("HMGet no fields", err, ErrInvalidArgument)
	check("HMSet no pairs", d.HMSet("h"), ErrInvalidArgument)
	_, err = d.HIncrBy("h", "max", 1)
	check("HIncrBy overflow", err, ErrOverflow)
	_, err = d.HIncrBy("h", "n", 1)
	check("HIncrBy not integer", err, ErrHashNotInteger)
	_, err = d.HIncrByFloat("h", "n", 1)
	check("HIncrByFloat not float", err, ErrHashNotFloat)
	_, err = d.HIncrByFloatText("h", "n", "x")
	check("HIncrByFloatText bad incr", err, ErrNotFloat)
	_, err = d.HIncrByFloatText("h", "n", "inf")
	check("HIncrByFloatText inf incr", err, ErrValueNaNOrInf)
	_, err = d.HIncrByFloat("h", "f", math.Inf(-1))
	check("HIncrByFloat -Inf", err, ErrValueNaNOrInf)
	_, err = d.HIncrByFloat("h", "f", math.NaN())
	check("HIncrByFloat NaN", err, ErrValueNaNOrInf)
	_, err = d.HIncrByFloat("h", "g", math.MaxFloat64)
	check("HIncrByFloat max", err, nil)
	_, _, err = d.HScan("h", 0, "", -1)
	check("HScan negative count", err, ErrInvalidArgument)
	_, err = d.HRandField("h", math.MinInt64, false)
	check("HRandField MinInt64", err, ErrInvalidArgument)
	_, err = d.HRandFieldOne("nokey")
	check("HRandFieldOne missing", err, ErrNotFound)
	_, err = d.HRandFieldOne("s")
	check("HRandFieldOne wrongtype", err, ErrWrongType)
	// Nothing above created or changed a key.
	if n, _ := d.HLen("h"); n != 3 {
		t.Errorf("HLen(h) = %d, want 3", n)
	}
	if n, _ := d.Exists("nokey"); n != 0 {
		t.Errorf("nokey exists")
	}
}

func TestHashIncrBy(t *testing.T) {
	const max, min = math.MaxInt64, math.MinInt64
	tests := []struct {
		name    string
		initial string // "" = field absent
		incr    int64
		want    int64
		err     error
	}{
		{"new field", "", 5, 5, nil},
		{"new field min", "", min, min, nil},
		{"add", "10", -3, 7, nil},
		{"zero", "0", 0, 0, nil},
		{"to max", "9223372036854775806", 1, max, nil},
		{"max plus one", "9223372036854775807", 1, 0, ErrOverflow},
		{"max plus max", "9223372036854775807", max, 0, ErrOverflow},
		{"min minus one", "-9223372036854775808", -1, 0, ErrOverflow},
		{"min plus max", "-9223372036854775808", max, -1, nil},
		{"max plus min", "9223372036854775807", min, -1, nil},
		{"negative", "-5", -5, -10, nil},
		{"space", " 1", 1, 0, ErrHashNotInteger},
		{"float", "1.0", 1, 0, ErrHashNotInteger},
		{"leading zero", "01", 1, 0, ErrHashNotInteger},
		{"too big", "9223372036854775808", -1, 0, ErrHashNotInteger},
		{"minus zero", "-0", 1, 0, ErrHashNotInteger},
		{"binary", "1\x00", 1, 0, ErrHashNotInteger},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newHashTestDB(t, Options{})
			hashMustSet(t, d, "h", "other", "x")
			if tc.initial != "" {
				hashMustSet(t, d, "h", "f", tc.initial)
			}
			got, err := d.HIncrBy("h", "f", tc.incr)
			if !errors.Is(err, tc.err) || (err == nil && got != tc.want) {
				t.Fatalf("HIncrBy = %d, %v; want %d, %v", got, err, tc.want, tc.err)
			}
			v, _ := d.HGet("h", "f")
			want := tc.initial
			if tc.err == nil {
				want = strconv.FormatInt(tc.want, 10)
			}
			if string(v) != want {
				t.Errorf("stored %q, want %q", v, want)
			}
		})
	}
	t.Run("missing key and wrong type", func(t *testing.T) {
		d := newHashTestDB(t, Options{})
		if v, err := d.HIncrBy("new", "f", -7); err != nil || v != -7 {
			t.Fatalf("HIncrBy new key = %d, %v", v, err)
		}
		d.Set("s", []byte("1"))
		if _, err := d.HIncrBy("s", "f", 1); !errors.Is(err, ErrWrongType) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestHashIncrByFloatGo(t *testing.T) {
	d := newHashTestDB(t, Options{})
	steps := []struct {
		incr float64
		want float64
		text string
	}{
		{0.1, 0.1, "0.1"},
		{0.2, 0.3, "0.3"},
		{-0.3, 0, "0"},
		{1e-20, 0, "0"}, // %.17Lf keeps 17 decimals, as in Redis
		{5e-324, 0, "0"},
		{1.5e300, 1.5e300, ""},
		{1.5e300, 3e300, ""},
	}
	for _, st := range steps {
		got, err := d.HIncrByFloat("h", "f", st.incr)
		if err != nil || got != st.want {
			t.Fatalf("HIncrByFloat(%g) = %g, %v; want %g", st.incr, got, err, st.want)
		}
		if st.text != "" {
			if v, _ := d.HGet("h", "f"); string(v) != st.text {
				t.Fatalf("stored %q, want %q", v, st.text)
			}
		}
	}
	// Beyond float64 but within long double: stored exactly, +Inf in Go.
	if _, err := d.HIncrByFloatText("h", "big", "1e400"); err != nil {
		t.Fatal(err)
	}
	got, err := d.HIncrByFloat("h", "big", 1)
	if err != nil || !math.IsInf(got, 1) {
		t.Fatalf("HIncrByFloat beyond float64 = %g, %v", got, err)
	}
	if v, _ := d.HGet("h", "big"); !strings.HasPrefix(string(v), "1000000000") || len(v) != 401 {
		t.Fatalf("stored %q...", v[:20])
	}
	// An integer field is a valid float, and the result replaces it.
	hashMustSet(t, d, "h", "i", "41")
	if got, err := d.HIncrByFloat("h", "i", 1); err != nil || got != 42 {
		t.Fatalf("HIncrByFloat on integer = %g, %v", got, err)
	}
	if v, err := d.HIncrBy("h", "i", 1); err != nil || v != 43 {
		t.Fatalf("HIncrBy after HIncrByFloat = %d, %v", v, err)
	}
	d.Set("s", []byte("1"))
	if _, err := d.HIncrByFloat("s", "f", 1); !errors.Is(err, ErrWrongType) {
		t.Fatalf("wrong type: %v", err)
	}
}

func TestHashReadsAndOwnership(t *testing.T) {
	d := newHashTestDB(t, Options{})
	buf := []byte("value")
	if n, err := d.HSet("h", FieldValue{"f", buf}, FieldValue{"nil", nil}); err != nil || n != 2 {
		t.Fatalf("HSet = %d, %v", n, err)
	}
	copy(buf, "XXXXX") // the store kept its own copy
	v, err := d.HGet("h", "f")
	if err != nil || string(v) != "value" {
		t.Fatalf("HGet = %q, %v", v, err)
	}
	if cap(v) != len(v) {
		t.Errorf("returned slice has spare capacity %d", cap(v)-len(v))
	}
	// A nil value is stored as an empty, non-nil one.
	if v, err := d.HGet("h", "nil"); err != nil || v == nil || len(v) != 0 {
		t.Fatalf("HGet(nil value) = %#v, %v", v, err)
	}
	vals, _ := d.HMGet("h", "nil", "missing")
	if vals[0] == nil || vals[1] != nil {
		t.Fatalf("HMGet = %#v", vals)
	}
	// Appending to a returned slice never reaches the store.
	s, _ := d.HIncrByFloatText("h", "x", "1.5")
	xv, _ := d.HGet("h", "x")
	_ = append(xv, "garbage"...)
	if again, _ := d.HGet("h", "x"); string(again) != s {
		t.Fatalf("stored value changed to %q", again)
	}
	keys, _ := d.HKeys("h")
	vs, _ := d.HVals("h")
	all, _ := d.HGetAll("h")
	if len(keys) != 3 || len(vs) != 3 || len(all) != 3 {
		t.Fatalf("HKeys/HVals/HGetAll lengths %d %d %d", len(keys), len(vs), len(all))
	}
	for i := range all {
		if all[i].Field != keys[i] || string(all[i].Value) != string(vs[i]) {
			t.Errorf("HKeys, HVals and HGetAll disagree at %d", i)
		}
	}
}

func TestHashMaxValueBytes(t *testing.T) {
	d := newHashTestDB(t, Options{MaxValueBytes: 4})
	if _, err := d.HSet("h", FieldValue{"a", []byte("1234")}, FieldValue{"b", []byte("12345")}); !errors.Is(err, ErrStringTooLong) {
		t.Fatalf("HSet err = %v", err)
	}
	if _, err := d.HSetNX("h", "12345", []byte("1")); !errors.Is(err, ErrStringTooLong) {
		t.Fatalf("HSetNX err = %v", err)
	}
	if n, _ := d.Exists("h"); n != 0 {
		t.Fatal("a refused HSet created the key")
	}
}

type hashClock struct{ ms atomic.Int64 }

func (c *hashClock) Now() time.Time { return time.UnixMilli(c.ms.Load()) }

func TestHashExpiryAndTTL(t *testing.T) {
	clk := &hashClock{}
	clk.ms.Store(1_000_000)
	d := newHashTestDB(t, Options{Clock: clk})
	hashMustSet(t, d, "h", "a", "1")
	if ok, err := d.Expire("h", 10*time.Second); !ok || err != nil {
		t.Fatalf("Expire = %v, %v", ok, err)
	}
	// Writing fields keeps the key's TTL, as in Redis.
	hashMustSet(t, d, "h", "b", "2")
	d.HIncrBy("h", "c", 1)
	d.HDel("h", "a")
	if ttl, _ := d.TTL("h"); ttl != 10*time.Second {
		t.Fatalf("TTL after writes = %v", ttl)
	}
	clk.ms.Add(10_000)
	if _, err := d.HGet("h", "b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("HGet expired = %v", err)
	}
	if n, _ := d.HLen("h"); n != 0 {
		t.Fatalf("HLen expired = %d", n)
	}
	if fvs, cur, _ := d.HScan("h", 0, "", 0); len(fvs) != 0 || cur != 0 {
		t.Fatalf("HScan expired = %v, %d", fvs, cur)
	}
	// A write to an expired key starts a new hash without a TTL.
	if n, err := d.HSet("h", FieldValue{"z", []byte("9")}); err != nil || n != 1 {
		t.Fatalf("HSet = %d, %v", n, err)
	}
	all, _ := d.HGetAll("h")
	if len(all) != 1 || all[0].Field != "z" {
		t.Fatalf("HGetAll = %v", all)
	}
	if ttl, _ := d.TTL("h"); ttl != NoExpiry {
		t.Fatalf("TTL of new hash = %v", ttl)
	}
}

func TestHashReadOnly(t *testing.T) {
	d := newHashTestDB(t, Options{})
	hashMustSet(t, d, "h", "a", "1")
	writes := map[string]func(tx *Tx) error{
		"HSet":         func(tx *Tx) error { _, err := tx.HSet("h", FieldValue{"b", nil}); return err },
		"HMSet":        func(tx *Tx) error { return tx.HMSet("h", FieldValue{"b", nil}) },
		"HSetNX":       func(tx *Tx) error { _, err := tx.HSetNX("h", "b", nil); return err },
		"HDel":         func(tx *Tx) error { _, err := tx.HDel("h", "a"); return err },
		"HDel missing": func(tx *Tx) error { _, err := tx.HDel("h", "zz"); return err },
		"HIncrBy":      func(tx *Tx) error { _, err := tx.HIncrBy("h", "a", 1); return err },
		"HIncrByFloat": func(tx *Tx) error { _, err := tx.HIncrByFloat("h", "a", 1); return err },
	}
	for name, fn := range writes {
		if err := d.View(fn); !errors.Is(err, ErrTxReadOnly) {
			t.Errorf("%s in View: err = %v", name, err)
		}
	}
	err := d.View(func(tx *Tx) error {
		v, err := tx.HGet("h", "a")
		if err != nil || string(v) != "1" {
			return fmt.Errorf("HGet in View = %q, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHashEvents checks that each command is one Mutation per Redis
// keyspace event, with Redis's event names.
func TestHashEvents(t *testing.T) {
	d := newHashTestDB(t, Options{})
	var mu sync.Mutex
	var got []string
	cancel := d.c.subscribe(func(m *Mutation) {
		mu.Lock()
		got = append(got, fmt.Sprintf("%s:%s:%d", m.Op, m.Key, len(m.Edits)))
		mu.Unlock()
	})
	defer cancel()
	d.Set("s", []byte("x"))
	steps := []struct {
		name string
		run  func() error
		want []string // op:key:number of edits
	}{
		{"HSet new key", func() error {
			_, err := d.HSet("h", FieldValue{"a", []byte("1")}, FieldValue{"b", []byte("2")}, FieldValue{"a", []byte("3")})
			return err
		}, []string{"hset:h:4"}}, // create + 3 field edits
		{"HSet existing", func() error { _, err := d.HSet("h", FieldValue{"a", []byte("4")}); return err }, []string{"hset:h:1"}},
		{"HMSet", func() error { return d.HMSet("h", FieldValue{"c", []byte("5")}) }, []string{"hset:h:1"}},
		{"HSetNX existing", func() error { _, err := d.HSetNX("h", "a", nil); return err }, nil},
		{"HSetNX new", func() error { _, err := d.HSetNX("h", "d", nil); return err }, []string{"hset:h:1"}},
		{"HSetNX new key", func() error { _, err := d.HSetNX("h2", "d", nil); return err }, []string{"hset:h2:2"}},
		{"HIncrBy", func() error { _, err := d.HIncrBy("h", "n", 1); return err }, []string{"hincrby:h:1"}},
		{"HIncrBy new key", func() error { _, err := d.HIncrBy("h3", "n", 1); return err }, []string{"hincrby:h3:2"}},
		{"HIncrByFloat", func() error { _, err := d.HIncrByFloat("h", "x", 1.5); return err }, []string{"hincrbyfloat:h:1"}},
		{"HIncrByFloatText", func() error { _, err := d.HIncrByFloatText("h", "x", "1"); return err }, []string{"hincrbyfloat:h:1"}},
		{"HDel missing field", func() error { _, err := d.HDel("h", "zz"); return err }, nil},
		{"HDel missing key", func() error { _, err := d.HDel("nokey", "zz"); return err }, nil},
		{"HDel some", func() error { _, err := d.HDel("h", "a", "zz", "b"); return err }, []string{"hdel:h:2"}},
		{"HDel all", func() error { _, err := d.HDel("h2", "d", "e"); return err }, []string{"hdel:h2:1", "del:h2:1"}},
		{"HIncrBy overflow", func() error { d.HIncrBy("h", "n", math.MaxInt64); return nil }, nil},
		{"wrong type", func() error { d.HSet("s", FieldValue{"a", nil}); return nil }, nil},
		{"reads", func() error {
			d.HGet("h", "c")
			d.HGetAll("h")
			d.HScan("h", 0, "", 0)
			d.HRandField("h", -3, true)
			return nil
		}, nil},
	}
	for _, st := range steps {
		mu.Lock()
		got = nil
		mu.Unlock()
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		mu.Lock()
		if !slices.Equal(got, st.want) {
			t.Errorf("%s: mutations %v, want %v", st.name, got, st.want)
		}
		mu.Unlock()
	}
}

// TestHashRollback checks that an Update that fails leaves every hash it
// touched exactly as before: same fields, values and slot order (so an
// HSCAN in progress is not disturbed), deleted keys back, created ones
// gone, and no mutation announced.
func TestHashRollback(t *testing.T) {
	d := newHashTestDB(t, Options{})
	hashMustSet(t, d, "h", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
	hashMustSet(t, d, "small", "x", "1", "y", "2")
	if ok, _ := d.Expire("small", time.Hour); !ok {
		t.Fatal("Expire failed")
	}
	before, _ := d.HGetAll("h")
	beforeSmall, _ := d.HGetAll("small")
	var published atomic.Int64
	cancel := d.c.subscribe(func(*Mutation) { published.Add(1) })
	defer cancel()
	boom := errors.New("boom")
	err := d.Update(func(tx *Tx) error {
		steps := []func() error{
			func() error { _, err := tx.HDel("h", "a", "c"); return err },
			func() error {
				_, err := tx.HSet("h", FieldValue{"b", []byte("20")}, FieldValue{"new", []byte("x")})
				return err
			},
			func() error { _, err := tx.HDel("h", "new", "e", "b"); return err },
			func() error { _, err := tx.HIncrBy("h", "d", 10); return err },
			func() error { _, err := tx.HIncrByFloatText("h", "z", "0.5"); return err },
			func() error { _, err := tx.HSetNX("h", "a", []byte("again")); return err },
			func() error { _, err := tx.HDel("small", "x", "y"); return err },
			func() error { _, err := tx.HSet("small", FieldValue{"q", []byte("1")}); return err },
			func() error { _, err := tx.HSet("created", FieldValue{"f", []byte("1")}); return err },
		}
		for i, s := range steps {
			if err := s(); err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	after, _ := d.HGetAll("h")
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("h after rollback:\n%v\nwant\n%v", after, before)
	}
	afterSmall, _ := d.HGetAll("small")
	if fmt.Sprint(afterSmall) != fmt.Sprint(beforeSmall) {
		t.Errorf("small after rollback: %v, want %v", afterSmall, beforeSmall)
	}
	if ttl, _ := d.TTL("small"); ttl <= 0 || ttl > time.Hour {
		t.Errorf("small lost its TTL: %v", ttl)
	}
	if n, _ := d.Exists("created"); n != 0 {
		t.Error("created survived the rollback")
	}
	if n := published.Load(); n != 0 {
		t.Errorf("%d mutations published by a rolled-back Update", n)
	}
}

func TestHashScanUnit(t *testing.T) {
	d := newHashTestDB(t, Options{})
	want := map[string]string{}
	var fvs []FieldValue
	for i := 0; i < 200; i++ { // past the flat encoding, returned whole
		f := fmt.Sprintf("f%02d\x00", i) // binary-safe names
		want[f] = strconv.Itoa(i)
		fvs = append(fvs, FieldValue{f, []byte(strconv.Itoa(i))})
	}
	d.HSet("h", fvs...)
	for _, count := range []int64{0, 1, 7, 100, 1000, math.MaxInt64} {
		got := map[string]string{}
		calls := 0
		var cur uint64
		for {
			page, next, err := d.HScan("h", cur, "", count)
			if err != nil {
				t.Fatal(err)
			}
			calls++
			c := count
			if c == 0 {
				c = 10
			}
			if int64(len(page)) > c {
				t.Fatalf("count %d: page of %d", count, len(page))
			}
			for _, fv := range page {
				got[fv.Field] = string(fv.Value)
			}
			if cur = next; cur == 0 {
				break
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("count %d: scan returned %d fields, want %d", count, len(got), len(want))
		}
	}
	// MATCH filters names after the visit.
	page, next, _ := d.HScan("h", 0, "f1?\x00", 1000)
	if len(page) != 10 || next != 0 {
		t.Errorf("MATCH f1?: %d fields, cursor %d", len(page), next)
	}
	// A cursor past every hash position is a finished scan.
	page, next, _ = d.HScan("h", math.MaxUint64, "", 5)
	if len(page) != 0 || next != 0 {
		t.Errorf("huge cursor: %d fields, cursor %d", len(page), next)
	}
	if page, next, err := d.HScan("nokey", 42, "*", 5); page != nil || next != 0 || err != nil {
		t.Errorf("missing key: %v, %d, %v", page, next, err)
	}
	d.Set("s", nil)
	if _, _, err := d.HScan("s", 0, "", 5); !errors.Is(err, ErrWrongType) {
		t.Errorf("wrong type: %v", err)
	}
}

// TestHashScanConcurrent checks HSCAN's guarantee: every field present
// throughout a full scan is returned, while other goroutines add and
// delete other fields and run transactions that delete the stable fields
// and then roll back.
func TestHashScanConcurrent(t *testing.T) {
	d := newHashTestDB(t, Options{})
	const stable = 500
	var fvs []FieldValue
	for i := 0; i < stable; i++ {
		fvs = append(fvs, FieldValue{fmt.Sprintf("s%d", i), []byte("v")})
	}
	d.HSet("h", fvs...)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	boom := errors.New("boom")
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				switch w {
				case 0: // churn: add and delete other fields
					d.HSet("h", FieldValue{fmt.Sprintf("c%d", i%300), []byte("x")})
					if i%2 == 0 {
						d.HDel("h", fmt.Sprintf("c%d", (i*7)%300))
					}
				case 1: // delete in bulk, then re-add
					d.HDel("h", fmt.Sprintf("c%d", i%300), fmt.Sprintf("c%d", (i+1)%300), fmt.Sprintf("c%d", (i+2)%300))
					d.HSet("h", FieldValue{fmt.Sprintf("c%d", (i*13)%300), []byte("y")})
				case 2: // delete stable fields, then roll back
					d.Update(func(tx *Tx) error {
						tx.HDel("h", fmt.Sprintf("s%d", i%stable), fmt.Sprintf("s%d", (i*31)%stable))
						tx.HSet("h", FieldValue{"tmp", nil})
						return boom
					})
				}
			}
		}(w)
	}
	for round := 0; round < 20; round++ {
		seen := make(map[string]bool)
		var cur uint64
		for {
			page, next, err := d.HScan("h", cur, "", int64(1+round%9))
			if err != nil {
				t.Fatal(err)
			}
			for _, fv := range page {
				seen[fv.Field] = true
			}
			if cur = next; cur == 0 {
				break
			}
		}
		for i := 0; i < stable; i++ {
			if f := fmt.Sprintf("s%d", i); !seen[f] {
				t.Fatalf("round %d: stable field %s missing from a full scan", round, f)
			}
		}
	}
	close(stop)
	wg.Wait()
}

func TestHashRandField(t *testing.T) {
	d := newHashTestDB(t, Options{})
	const size = 20
	want := map[string]string{}
	for i := 0; i < size; i++ {
		want[fmt.Sprintf("f%d", i)] = fmt.Sprintf("v%d", i)
		hashMustSet(t, d, "h", fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i))
	}
	checkValid := func(fvs []FieldValue, withValues bool) {
		t.Helper()
		for _, fv := range fvs {
			v, ok := want[fv.Field]
			if !ok {
				t.Fatalf("unknown field %q", fv.Field)
			}
			if withValues && string(fv.Value) != v {
				t.Fatalf("field %s has value %q, want %q", fv.Field, fv.Value, v)
			}
			if !withValues && fv.Value != nil {
				t.Fatalf("value returned without withValues")
			}
		}
	}
	// Positive counts: distinct fields, min(count, size) of them; every
	// field turns up over many draws.
	for _, count := range []int64{1, 2, 6, 7, 19, 20, 21, 1 << 40} {
		hits := map[string]int{}
		for round := 0; round < 200; round++ {
			wv := round%2 == 0
			fvs, err := d.HRandField("h", count, wv)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(fvs)) != min(count, size) {
				t.Fatalf("count %d: %d fields", count, len(fvs))
			}
			checkValid(fvs, wv)
			distinct := map[string]bool{}
			for _, fv := range fvs {
				if distinct[fv.Field] {
					t.Fatalf("count %d: %s returned twice", count, fv.Field)
				}
				distinct[fv.Field] = true
				hits[fv.Field]++
			}
		}
		if len(hits) != size {
			t.Errorf("count %d: only %d of %d fields ever drawn", count, len(hits), size)
		}
	}
	// Negative counts: exactly -count fields, repeats allowed.
	for _, count := range []int64{-1, -5, -100, -maxHRandFieldRepeat / 1024} {
		fvs, err := d.HRandField("h", count, true)
		if err != nil || int64(len(fvs)) != -count {
			t.Fatalf("count %d: %d fields, %v", count, len(fvs), err)
		}
		checkValid(fvs, true)
	}
	fvs, _ := d.HRandField("h", -1000, false)
	if len(hashAsMap(fvs)) < 2 {
		t.Error("-1000 draws returned a single field")
	}
	// Bounds: Redis's, then ours for negative counts on an existing hash.
	if _, err := d.HRandField("h", -maxHRandFieldRepeat-1, false); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("huge negative count: %v", err)
	}
	if fvs, err := d.HRandField("nokey", -maxHRandFieldRepeat-1, false); err != nil || len(fvs) != 0 {
		t.Errorf("huge negative count on missing key: %v, %v", fvs, err)
	}
	if _, err := d.HRandField("h", math.MaxInt64/2+1, true); !errors.Is(err, ErrInvalidArgument) || hashErrText(err) != "ERR value is out of range" {
		t.Errorf("withvalues range: %v", err)
	}
	if fvs, err := d.HRandField("h", math.MaxInt64/2, true); err != nil || len(fvs) != size {
		t.Errorf("withvalues max: %d, %v", len(fvs), err)
	}
	if fvs, err := d.HRandField("h", 0, true); err != nil || len(fvs) != 0 {
		t.Errorf("count 0: %v, %v", fvs, err)
	}
	hits := map[string]bool{}
	for i := 0; i < 500; i++ {
		f, err := d.HRandFieldOne("h")
		if err != nil {
			t.Fatal(err)
		}
		hits[f] = true
	}
	if len(hits) != size {
		t.Errorf("HRandFieldOne drew %d of %d fields", len(hits), size)
	}
}

// TestHashTxMethods runs a few commands through Tx directly, several on
// one key in one transaction.
func TestHashTxMethods(t *testing.T) {
	d := newHashTestDB(t, Options{})
	err := d.Update(func(tx *Tx) error {
		if _, err := tx.HSet("h", FieldValue{"a", []byte("1")}); err != nil {
			return err
		}
		if n, err := tx.HIncrBy("h", "a", 2); err != nil || n != 3 {
			return fmt.Errorf("HIncrBy = %d, %v", n, err)
		}
		if n, err := tx.HDel("h", "a"); err != nil || n != 1 {
			return fmt.Errorf("HDel = %d, %v", n, err)
		}
		if n, _ := tx.HLen("h"); n != 0 {
			return fmt.Errorf("HLen = %d", n)
		}
		_, err := tx.HSetNX("h", "b", []byte("2"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := d.HGetAll("h"); len(all) != 1 || all[0].Field != "b" {
		t.Fatalf("HGetAll = %v", all)
	}
}

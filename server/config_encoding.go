package server

import (
	"fmt"
	"math"
	"strconv"
)

// addEncodingConfig registers Redis 7.0's encoding parameters
// (list-max-listpack-size, hash-max-listpack-*, stream-node-max-*, the
// active-defrag family) and their ziplist aliases; set-max-intset-entries
// and zset-max-listpack-* are live and registered by cmd_set.go and
// cmd_zset.go. CONFIG SET accepts and checks them as Redis does
// and CONFIG GET reports them, so that clients and Redis's test suite
// that tune them work; they change nothing here (our containers have
// their own layout) except hll-sparse-max-bytes, which is live.
func addEncodingConfig(cfg *config) {
	intRange := func(typ string, lo, hi int64) func(v string) (string, error) {
		return func(v string) (string, error) {
			var n int64
			var err error
			if typ == "memory" {
				n, err = parseMemory(v)
			} else {
				n, err = strconv.ParseInt(v, 10, 64)
				if err != nil {
					err = fmt.Errorf("argument couldn't be parsed into an integer")
				}
			}
			if err != nil {
				return "", err
			}
			if n < lo || n > hi {
				return "", fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
			}
			return strconv.FormatInt(n, 10), nil
		}
	}
	const accepted = " Accepted and reported for compatibility; RustyPotato's containers do not use it."
	i32 := intRange("integer", math.MinInt32, math.MaxInt32)
	nonNeg := intRange("integer", 0, math.MaxInt64)
	cfg.addShared([]string{"list-max-listpack-size", "list-max-ziplist-size"}, "integer", "-2", "Size of a list node (negative: -1..-5 for 4..64 KB)."+accepted, i32, nil)
	cfg.addShared([]string{"list-compress-depth"}, "integer", "0", "Uncompressed list nodes at each end."+accepted, intRange("integer", 0, math.MaxInt32), nil)
	cfg.addShared([]string{"hash-max-listpack-entries", "hash-max-ziplist-entries"}, "integer", "512", "Most fields of a hash kept compact."+accepted, nonNeg, nil)
	cfg.addShared([]string{"hash-max-listpack-value", "hash-max-ziplist-value"}, "integer", "64", "Longest value of a hash kept compact."+accepted, nonNeg, nil)
	cfg.addShared([]string{"stream-node-max-bytes"}, "memory", "4096", "Most bytes of a stream node."+accepted, intRange("memory", 0, math.MaxInt64), nil)
	cfg.addShared([]string{"stream-node-max-entries"}, "integer", "100", "Most entries of a stream node."+accepted, nonNeg, nil)
	cfg.addShared([]string{"hll-sparse-max-bytes"}, "memory", "3000", "Size past which a sparse HyperLogLog turns dense (live, as in Redis).",
		intRange("memory", 0, math.MaxInt64), func(s *Server, v string) {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && s.DB != nil {
				s.DB.SetHLLSparseMaxBytes(n)
			}
		})
	cfg.addShared([]string{"activedefrag"}, "yes|no", "no", "Active defragmentation."+accepted, checkYesNo, nil)
	cfg.addShared([]string{"active-defrag-cycle-min"}, "integer", "1", "Least CPU percent of active defragmentation."+accepted, intRange("integer", 1, 99), nil)
	cfg.addShared([]string{"active-defrag-cycle-max"}, "integer", "25", "Most CPU percent of active defragmentation."+accepted, intRange("integer", 1, 99), nil)
	cfg.addShared([]string{"active-defrag-ignore-bytes"}, "memory", "104857600", "Fragmentation waste below which no defragmentation runs."+accepted, intRange("memory", 1, math.MaxInt64), nil)
	cfg.addShared([]string{"active-defrag-threshold-lower"}, "integer", "10", "Fragmentation percent that starts defragmentation."+accepted, intRange("integer", 0, 1000), nil)
	cfg.addShared([]string{"active-defrag-threshold-upper"}, "integer", "100", "Fragmentation percent of the most effort."+accepted, intRange("integer", 0, 1000), nil)
	cfg.addShared([]string{"active-defrag-max-scan-fields"}, "integer", "1000", "Fields of a container defragmented in one step."+accepted, intRange("integer", 1, math.MaxInt64), nil)
}

func yesNoStr(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// addShared registers name (and its aliases, names[1:]) over one value
// kept in cfg.extra: check validates and normalizes what CONFIG SET
// gives; apply, if not nil, makes it take effect.
func (cfg *config) addShared(names []string, typ, def, doc string, check func(string) (string, error), apply func(s *Server, v string)) {
	key := names[0]
	cfg.extra[key] = def
	for _, name := range names {
		d := doc
		if name != key {
			d = "Alias of " + key + "."
		}
		cfg.add(&param{name: name, typ: typ, def: def, doc: d,
			get: func(s *Server) string {
				cfg.mu.Lock()
				defer cfg.mu.Unlock()
				return cfg.extra[key]
			},
			set: func(s *Server, v string) error {
				nv, err := check(v)
				if err != nil {
					return err
				}
				cfg.mu.Lock()
				cfg.extra[key] = nv
				cfg.mu.Unlock()
				if apply != nil {
					apply(s, nv)
				}
				return nil
			}})
	}
}

// checkYesNo accepts yes or no (any case) and returns it in lower case.
func checkYesNo(v string) (string, error) {
	b, err := parseYesNo(v)
	if err != nil {
		return "", err
	}
	return yesNoStr(b), nil
}

package potato

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"rustypotato/internal/keyspace"
)

// genMetaOpSets returns a random set command for the metamorphic
// persistence and branch tests (genMetaOp). Keys are genMetaOp's, so sets
// meet the other types; members mix integers (intset) and strings
// (hashtable), and a big SADD crosses set-max-intset-entries. Replies
// that list members are rendered sorted: the order of a hashtable (and of
// a set re-encoded at load) is not part of the contract.
func genMetaOpSets(r *rand.Rand) metaOp {
	key := func() string { return fmt.Sprint("k", r.IntN(6)) }
	member := func() string {
		if r.IntN(2) == 0 {
			return fmt.Sprint(r.IntN(8) - 2)
		}
		return fmt.Sprint("m", r.IntN(5))
	}
	members := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = member()
		}
		return out
	}
	render := func(v any, err error) string {
		if err != nil {
			return "err " + err.Error()
		}
		if ms, ok := v.([]string); ok {
			ms = slices.Clone(ms)
			slices.Sort(ms)
			return fmt.Sprintf("%q", ms)
		}
		return fmt.Sprintf("%v", v)
	}
	k, k2, k3 := key(), key(), key()
	switch r.IntN(12) {
	case 0, 1, 2:
		ms := members(1 + r.IntN(3))
		if r.IntN(10) == 0 {
			ms = ms[:0]
			base := r.IntN(100)
			for i := range 500 + r.IntN(40) {
				ms = append(ms, fmt.Sprint(base+i))
			}
		}
		return metaOp{fmt.Sprintf("SADD %s %v", k, ms), func(tx *Tx) string { return render(tx.SAdd(k, ms...)) }}
	case 3, 4:
		ms := members(1 + r.IntN(3))
		return metaOp{fmt.Sprintf("SREM %s %v", k, ms), func(tx *Tx) string { return render(tx.SRem(k, ms...)) }}
	case 5:
		m := member()
		return metaOp{fmt.Sprintf("SMOVE %s %s %s", k, k2, m), func(tx *Tx) string { return render(tx.SMove(k, k2, m)) }}
	case 6:
		// Two stores run the same ops: only pops of the whole set (or
		// of nothing) are deterministic.
		n := []int64{0, 1000}[r.IntN(2)]
		return metaOp{fmt.Sprintf("SPOP %s %d", k, n), func(tx *Tx) string { return render(tx.SPopN(k, n)) }}
	case 7:
		op := []string{"SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"}[r.IntN(3)]
		return metaOp{fmt.Sprintf("%s %s %s %s", op, k, k2, k3), func(tx *Tx) string {
			switch op {
			case "SINTERSTORE":
				return render(tx.SInterStore(k, k2, k3))
			case "SUNIONSTORE":
				return render(tx.SUnionStore(k, k2, k3))
			}
			return render(tx.SDiffStore(k, k2, k3))
		}}
	case 8:
		return metaOp{"SMEMBERS " + k, func(tx *Tx) string { return render(tx.SMembers(k)) }}
	case 9:
		return metaOp{fmt.Sprintf("SINTERCARD %s %s", k, k2), func(tx *Tx) string { return render(tx.SInterCard(0, k, k2)) }}
	case 10:
		return metaOp{fmt.Sprintf("SUNION %s %s", k, k2), func(tx *Tx) string { return render(tx.SUnion(k, k2)) }}
	default:
		return metaOp{"SCARD " + k, func(tx *Tx) string { return render(tx.SCard(k)) }}
	}
}

// dumpSet renders a set for dumpStore: its members, sorted (the encoding
// may change at a restart, as in Redis).
func dumpSet(s *keyspace.Set) string {
	ms := setMembers(s)
	slices.Sort(ms)
	for i, m := range ms {
		ms[i] = fmt.Sprintf("%q", m)
	}
	return "set " + strings.Join(ms, " ")
}

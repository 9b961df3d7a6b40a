package potato

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// genMetaOpZSets returns a random sorted-set operation for the
// metamorphic tests (genMetaOp): adds with flags, increments, removals by
// member, rank, score and lex, pops, stores, on the same keys as the
// other types so that they meet wrong types, RENAME, COPY, MOVE, SWAPDB
// and FLUSHDB, in memory, on disk and on branches.
func genMetaOpZSets(r *rand.Rand) metaOp {
	k, k2 := fmt.Sprint("k", r.IntN(6)), fmt.Sprint("k", r.IntN(6))
	member := func() string { return fmt.Sprint("m", r.IntN(8)) }
	score := func() float64 {
		switch r.IntN(12) {
		case 0:
			return math.Inf(1)
		case 1:
			return math.Copysign(0, -1)
		}
		return float64(r.IntN(9)-4) / 2
	}
	render := func(v any, err error) string {
		if err != nil {
			return "err " + err.Error()
		}
		return fmt.Sprintf("%v", v)
	}
	switch r.IntN(10) {
	case 0, 1:
		n := 1 + r.IntN(3)
		if r.IntN(10) == 0 {
			n = 130 + r.IntN(20) // past the listpack: a conversion
		}
		a := ZAddArgs{NX: r.IntN(6) == 0, XX: r.IntN(6) == 0, GT: r.IntN(6) == 0, Ch: r.IntN(3) == 0}
		for i := 0; i < n; i++ {
			m := member()
			if n > 100 {
				m = fmt.Sprint("big", i)
			}
			a.Members = append(a.Members, Z{Score: score(), Member: m})
		}
		return metaOp{fmt.Sprintf("ZADD %s %+v x%d", k, a, n), func(tx *Tx) string { return render(tx.ZAddArgs(k, a)) }}
	case 2:
		m, inc := member(), score()
		return metaOp{fmt.Sprintf("ZINCRBY %s %v %s", k, inc, m), func(tx *Tx) string { return render(tx.ZIncrBy(k, inc, m)) }}
	case 3:
		m, m2 := member(), member()
		return metaOp{"ZREM " + k + " " + m + " " + m2, func(tx *Tx) string { return render(tx.ZRem(k, m, m2)) }}
	case 4:
		n := int64(1 + r.IntN(3))
		if r.IntN(2) == 0 {
			return metaOp{fmt.Sprintf("ZPOPMIN %s %d", k, n), func(tx *Tx) string { return render(tx.ZPopMin(k, n)) }}
		}
		return metaOp{fmt.Sprintf("ZPOPMAX %s %d", k, n), func(tx *Tx) string { return render(tx.ZPopMax(k, n)) }}
	case 5:
		lo := fmt.Sprint(r.IntN(5) - 2)
		return metaOp{"ZREMRANGEBYSCORE " + k + " " + lo, func(tx *Tx) string { return render(tx.ZRemRangeByScore(k, lo, "(2")) }}
	case 6:
		a, b := int64(r.IntN(6)-3), int64(r.IntN(6)-3)
		return metaOp{fmt.Sprintf("ZREMRANGEBYRANK %s %d %d", k, a, b), func(tx *Tx) string { return render(tx.ZRemRangeByRank(k, a, b)) }}
	case 7:
		s := ZStore{Keys: []string{k, k2}, Aggregate: []string{"sum", "min", "max"}[r.IntN(3)]}
		dst := fmt.Sprint("k", r.IntN(6))
		if r.IntN(2) == 0 {
			return metaOp{fmt.Sprintf("ZUNIONSTORE %s %v", dst, s), func(tx *Tx) string { return render(tx.ZUnionStore(dst, s)) }}
		}
		return metaOp{fmt.Sprintf("ZINTERSTORE %s %v", dst, s), func(tx *Tx) string { return render(tx.ZInterStore(dst, s)) }}
	case 8:
		a := ZRangeArgs{Key: k, Start: "-inf", Stop: "+inf", ByScore: true, Rev: r.IntN(2) == 0, Offset: int64(r.IntN(2)), Count: 3}
		return metaOp{fmt.Sprintf("ZRANGESTORE %s %+v", k2, a), func(tx *Tx) string { return render(tx.ZRangeStore(k2, a)) }}
	default:
		return metaOp{"ZRANGE " + k, func(tx *Tx) string {
			zs, err := tx.ZRangeArgs(ZRangeArgs{Key: k, Start: "0", Stop: "-1"})
			return render(zs, err)
		}}
	}
}

package difftest

import "strconv"

// The sorted-set family (FamZSets): ZADD with every flag, the ZRANGE
// forms, removals, pops, algebra and their errors. Members come from a
// small pool so that commands collide; scores from a pool of edge cases.

var (
	zsetKeys      = []string{"z1", "z2", "z3"}
	zmemberPool   = []string{"a", "b", "c", "d", "e", "", "a b", "\x00", "\xff", "long-member-" + "xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyz"} // the long one is 60 bytes: still a listpack
	zscorePool    = []string{"0", "1", "2", "-1", "1.5", "-2.5", "10", "100", "inf", "-inf", "+inf", "-0", "1e308", "0.1", "3.0e3", "nan", "abc", "", "1 ", "0x10", "5e-324"}
	zscoreBounds  = []string{"-inf", "+inf", "inf", "0", "1", "(1", "2", "(2", "-1", "(-1", "1.5", "10", "(10", "abc", "(", "((1", "nan", "", " 1"}
	zlexBounds    = []string{"-", "+", "[a", "(a", "[b", "(c", "[d", "[", "(", "a", "[\xff", "(\x00"}
	zaddFlagsPool = []string{"NX", "XX", "GT", "LT", "CH", "INCR"}
)

// zkeyR is the key of a read or a removal: sometimes "zbig", a set in
// the skiplist encoding whose members all have score 0 (only the big
// ZADD writes it), so that lex ranges on it are well defined: Redis's
// skiplist walk over mixed scores depends on its random levels.
func (g *Gen) zkeyR() []byte {
	if g.chance(5) {
		return []byte("zbig")
	}
	return g.key(FamZSets)
}

func (g *Gen) zmember() []byte {
	if g.chance(20) {
		return []byte("rm" + strconv.Itoa(g.rnd.IntN(20)))
	}
	return g.pick(zmemberPool)
}

func (g *Gen) zmembers(max int) [][]byte {
	var out [][]byte
	for i := 0; i <= g.rnd.IntN(max); i++ {
		out = append(out, g.zmember())
	}
	return out
}

func (g *Gen) zscore() []byte {
	if g.chance(3) {
		return []byte(strconv.Itoa(g.rnd.IntN(9) - 3))
	}
	return g.pick(zscorePool)
}

// zlimit returns a LIMIT clause, sometimes.
func (g *Gen) zlimit() [][]byte {
	if !g.chance(3) {
		return nil
	}
	return cat(g.randCase("LIMIT"), g.pick([]string{"0", "1", "2", "-1", "abc"}), g.pick([]string{"1", "2", "-1", "0", "10", "x"}))
}

func (g *Gen) zwithScores() [][]byte {
	if g.chance(2) {
		return cat(g.randCase("WITHSCORES"))
	}
	return nil
}

// zkeysN returns "numkeys key ..." with sometimes a wrong count.
func (g *Gen) zkeysN(max int) [][]byte {
	ks := g.keys(FamZSets, max)
	n := []byte(strconv.Itoa(len(ks)))
	if g.chance(10) {
		n = g.pick([]string{"0", "-1", "abc", "9"})
	}
	return cat(n, ks)
}

func (g *Gen) zcombineOpts(n int, weights bool) [][]byte {
	var a [][]byte
	if weights && g.chance(3) {
		a = append(a, g.randCase("WEIGHTS"))
		for i := 0; i < n; i++ {
			a = append(a, g.pick([]string{"1", "2", "0", "-1", "0.5", "inf", "abc"}))
		}
	}
	if weights && g.chance(3) {
		a = append(a, g.randCase("AGGREGATE"), g.randCase(g.pickS([]string{"SUM", "MIN", "MAX", "AVG"})))
	}
	return a
}

var zsetGenerators = []weighted{
	{FamZSets, 12, func(g *Gen) [][]byte {
		a := cat("ZADD", g.key(FamZSets))
		if g.chance(3) {
			for i := 0; i <= g.rnd.IntN(2); i++ {
				a = append(a, g.randCase(g.pickS(zaddFlagsPool)))
			}
		}
		for i := 0; i <= g.rnd.IntN(3); i++ {
			a = append(a, g.zscore(), g.zmember())
		}
		if g.chance(20) {
			a = append(a, g.zscore()) // odd number of arguments
		}
		return a
	}},
	{FamZSets, 4, func(g *Gen) [][]byte { return cat("ZINCRBY", g.key(FamZSets), g.zscore(), g.zmember()) }},
	{FamZSets, 5, func(g *Gen) [][]byte { return cat("ZREM", g.zkeyR(), g.zmembers(3)) }},
	{FamZSets, 4, func(g *Gen) [][]byte { return cat("ZSCORE", g.zkeyR(), g.zmember()) }},
	{FamZSets, 2, func(g *Gen) [][]byte { return cat("ZMSCORE", g.zkeyR(), g.zmembers(3)) }},
	{FamZSets, 3, func(g *Gen) [][]byte { return cat("ZCARD", g.zkeyR()) }},
	{FamZSets, 3, func(g *Gen) [][]byte {
		return cat(g.pick([]string{"ZRANK", "ZREVRANK"}), g.zkeyR(), g.zmember())
	}},
	{FamZSets, 3, func(g *Gen) [][]byte {
		return cat("ZCOUNT", g.zkeyR(), g.pick(zscoreBounds), g.pick(zscoreBounds))
	}},
	{FamZSets, 2, func(g *Gen) [][]byte {
		return cat("ZLEXCOUNT", g.zkeyR(), g.pick(zlexBounds), g.pick(zlexBounds))
	}},
	{FamZSets, 8, func(g *Gen) [][]byte {
		k := g.zkeyR()
		switch g.rnd.IntN(8) {
		case 0:
			return cat(g.pick([]string{"ZRANGE", "ZREVRANGE"}), k, g.index(), g.index(), g.zwithScores())
		case 1:
			return cat(g.pick([]string{"ZRANGEBYSCORE", "ZREVRANGEBYSCORE"}), k, g.pick(zscoreBounds), g.pick(zscoreBounds), g.zwithScores(), g.zlimit())
		case 2:
			return cat(g.pick([]string{"ZRANGEBYLEX", "ZREVRANGEBYLEX"}), k, g.pick(zlexBounds), g.pick(zlexBounds), g.zlimit())
		}
		// ZRANGE with options, in random order.
		a := cat("ZRANGE", k)
		var opts [][]byte
		switch g.rnd.IntN(3) {
		case 0:
			a = append(a, g.index(), g.index())
			if g.chance(5) {
				opts = append(opts, g.randCase("BYSCORE"))
			}
		case 1:
			a = append(a, g.pick(zscoreBounds), g.pick(zscoreBounds))
			opts = append(opts, g.randCase("BYSCORE"))
		default:
			a = append(a, g.pick(zlexBounds), g.pick(zlexBounds))
			opts = append(opts, g.randCase("BYLEX"))
		}
		if g.chance(2) {
			opts = append(opts, g.randCase("REV"))
		}
		opts = append(opts, g.zwithScores()...)
		opts = append(opts, g.zlimit()...)
		if g.chance(15) {
			opts = append(opts, []byte("FOO"))
		}
		return append(a, opts...)
	}},
	{FamZSets, 3, func(g *Gen) [][]byte {
		a := cat("ZRANGESTORE", g.key(FamZSets), g.zkeyR())
		switch g.rnd.IntN(3) {
		case 0:
			a = append(a, g.index(), g.index())
		case 1:
			a = append(a, g.pick(zscoreBounds), g.pick(zscoreBounds), g.randCase("BYSCORE"))
		default:
			a = append(a, g.pick(zlexBounds), g.pick(zlexBounds), g.randCase("BYLEX"))
		}
		if g.chance(3) {
			a = append(a, g.randCase("REV"))
		}
		return append(a, g.zlimit()...)
	}},
	{FamZSets, 3, func(g *Gen) [][]byte {
		k := g.zkeyR()
		switch g.rnd.IntN(3) {
		case 0:
			return cat("ZREMRANGEBYRANK", k, g.index(), g.index())
		case 1:
			return cat("ZREMRANGEBYSCORE", k, g.pick(zscoreBounds), g.pick(zscoreBounds))
		}
		return cat("ZREMRANGEBYLEX", k, g.pick(zlexBounds), g.pick(zlexBounds))
	}},
	{FamZSets, 4, func(g *Gen) [][]byte {
		a := cat(g.pick([]string{"ZPOPMIN", "ZPOPMAX"}), g.zkeyR())
		if g.chance(2) {
			a = append(a, g.pick([]string{"0", "1", "2", "5", "-1", "abc"}))
		}
		return a
	}},
	{FamZSets, 2, func(g *Gen) [][]byte {
		a := cat("ZMPOP", g.zkeysN(2), g.randCase(g.pickS([]string{"MIN", "MAX", "MIN", "MAX", "MID"})))
		if g.chance(2) {
			a = append(a, g.randCase("COUNT"), g.pick([]string{"1", "2", "10", "0", "-1", "abc"}))
		}
		return a
	}},
	{FamZSets, 1, func(g *Gen) [][]byte {
		timeout := g.pick([]string{"0.01", "0.01", "0.01", "-1", "abc"})
		switch g.rnd.IntN(3) {
		case 0:
			return cat("BZPOPMIN", g.keys(FamZSets, 2), timeout)
		case 1:
			return cat("BZPOPMAX", g.keys(FamZSets, 2), timeout)
		}
		ks := g.keys(FamZSets, 2)
		return cat("BZMPOP", timeout, strconv.Itoa(len(ks)), ks, g.randCase(g.pickS([]string{"MIN", "MAX"})))
	}},
	{FamZSets, 4, func(g *Gen) [][]byte {
		ks := g.zkeysN(3)
		n := len(ks) - 1
		switch g.rnd.IntN(7) {
		case 0:
			return cat("ZUNION", ks, g.zcombineOpts(n, true), g.zwithScores())
		case 1:
			return cat("ZINTER", ks, g.zcombineOpts(n, true), g.zwithScores())
		case 2:
			return cat("ZDIFF", ks, g.zwithScores())
		case 3:
			return cat("ZUNIONSTORE", g.key(FamZSets), ks, g.zcombineOpts(n, true))
		case 4:
			return cat("ZINTERSTORE", g.key(FamZSets), ks, g.zcombineOpts(n, true))
		case 5:
			return cat("ZDIFFSTORE", g.key(FamZSets), ks)
		}
		a := cat("ZINTERCARD", ks)
		if g.chance(2) {
			a = append(a, g.randCase("LIMIT"), g.pick([]string{"0", "1", "2", "-1", "abc"}))
		}
		return a
	}},
	{FamZSets, 2, func(g *Gen) [][]byte {
		a := cat("ZRANDMEMBER", g.key(FamZSets))
		if g.chance(3) {
			return a
		}
		a = append(a, g.pick([]string{"1", "2", "-3", "0", "100", "abc", "-9223372036854775808"}))
		return append(a, g.zwithScores()...)
	}},
	{FamZSets, 1, func(g *Gen) [][]byte {
		a := cat("ZADD", "zbig")
		for i := 0; i < 50+g.rnd.IntN(300); i++ {
			a = append(a, g.pick([]string{"0", "-0"}), []byte("bm"+strconv.Itoa(g.rnd.IntN(400))))
		}
		return a
	}},
}

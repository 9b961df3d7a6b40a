package keyspace

// Match reports whether s matches the Redis glob pattern p (the rules of
// Redis's stringmatchlen: '*', '?', '[abc]', '[^a]', '[a-z]', and '\' to
// escape). It runs in O(len(p)*len(s)) time at worst: a single backtrack
// point for the last '*' replaces Redis's recursion, so a hostile pattern
// such as "*a*a*a*a*b" cannot make it exponential.
func Match(p, s string, nocase bool) bool {
	if len(s) == 0 {
		// Redis's loop never starts on an empty string: only the empty
		// pattern matches it, not even "*" (KEYS * and SCAN skip matching).
		return len(p) == 0
	}
	pi, si := 0, 0
	starP, starS := -1, -1
	for si < len(s) || pi < len(p) {
		if pi < len(p) {
			switch p[pi] {
			case '*':
				// Collapse runs of stars.
				for pi < len(p) && p[pi] == '*' {
					pi++
				}
				if pi == len(p) {
					return true
				}
				starP, starS = pi, si
				continue
			case '?':
				if si < len(s) {
					pi++
					si++
					continue
				}
			case '[':
				if si < len(s) {
					if ok, next := matchClass(p, pi, s[si], nocase); ok {
						pi = next
						si++
						continue
					}
				}
			case '\\':
				if pi+1 < len(p) {
					if si < len(s) && eq(p[pi+1], s[si], nocase) {
						pi += 2
						si++
						continue
					}
					break
				}
				// A trailing backslash matches itself.
				if si < len(s) && s[si] == '\\' {
					pi++
					si++
					continue
				}
			default:
				if si < len(s) && eq(p[pi], s[si], nocase) {
					pi++
					si++
					continue
				}
			}
		}
		if starP >= 0 && starS < len(s) {
			starS++
			pi, si = starP, starS
			continue
		}
		return false
	}
	return true
}

// matchClass matches c against the class starting at p[i] == '['. It
// returns whether c matched and the index just past the class.
func matchClass(p string, i int, c byte, nocase bool) (bool, int) {
	i++ // skip '['
	not := false
	if i < len(p) && p[i] == '^' {
		not = true
		i++
	}
	match := false
	for {
		if i >= len(p) {
			// Unterminated class: Redis treats the end of the pattern as
			// the end of the class.
			break
		}
		if p[i] == '\\' && i+1 < len(p) {
			i++
			// Redis compares an escaped class member exactly, even
			// with nocase.
			if p[i] == c {
				match = true
			}
			i++
			continue
		}
		if p[i] == ']' {
			i++
			break
		}
		if i+2 < len(p) && p[i+1] == '-' {
			lo, hi := p[i], p[i+2]
			if lo > hi {
				lo, hi = hi, lo
			}
			cc := c
			if nocase {
				lo, hi, cc = lower(lo), lower(hi), lower(c)
			}
			if cc >= lo && cc <= hi {
				match = true
			}
			i += 3
			continue
		}
		if eq(p[i], c, nocase) {
			match = true
		}
		i++
	}
	if not {
		match = !match
	}
	return match, i
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func eq(a, b byte, nocase bool) bool {
	if nocase {
		return lower(a) == lower(b)
	}
	return a == b
}

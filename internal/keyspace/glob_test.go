package keyspace

import (
	"strings"
	"testing"
	"time"
)

// redisMatch is a line-by-line port of Redis 7.0's stringmatchlen_impl
// (util.c), the reference Match must agree with. It recurses on '*' like
// Redis, so it is exponential on hostile patterns: tests keep inputs short.
func redisMatch(p, s string, nocase bool) bool {
	skip := false
	return redisMatchImpl(p, s, nocase, &skip)
}

func redisMatchImpl(pattern, str string, nocase bool, skipLonger *bool) bool {
	// at returns pattern[i], or 0 past the end (the C string's NUL).
	at := func(p string, i int) byte {
		if i < len(p) {
			return p[i]
		}
		return 0
	}
	low := func(c byte) byte {
		if c >= 'A' && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	p, s := 0, 0
	for len(pattern)-p > 0 && len(str)-s > 0 {
		switch pattern[p] {
		case '*':
			for len(pattern)-p > 0 && at(pattern, p+1) == '*' {
				p++
			}
			if len(pattern)-p == 1 {
				return true
			}
			for len(str)-s > 0 {
				if redisMatchImpl(pattern[p+1:], str[s:], nocase, skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				s++
			}
			*skipLonger = true
			return false
		case '?':
			s++
		case '[':
			p++
			not := at(pattern, p) == '^'
			if not {
				p++
			}
			match := false
			for {
				plen := len(pattern) - p
				if at(pattern, p) == '\\' && plen >= 2 {
					p++
					if pattern[p] == str[s] {
						match = true
					}
				} else if at(pattern, p) == ']' {
					break
				} else if plen == 0 {
					p--
					break
				} else if plen >= 3 && pattern[p+1] == '-' {
					start, end, c := pattern[p], pattern[p+2], str[s]
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = low(start), low(end), low(c)
					}
					p += 2
					if c >= start && c <= end {
						match = true
					}
				} else if !nocase {
					if pattern[p] == str[s] {
						match = true
					}
				} else if low(pattern[p]) == low(str[s]) {
					match = true
				}
				p++
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s++
		case '\\':
			if len(pattern)-p >= 2 {
				p++
			}
			fallthrough
		default:
			if !nocase {
				if pattern[p] != str[s] {
					return false
				}
			} else if low(pattern[p]) != low(str[s]) {
				return false
			}
			s++
		}
		p++
		if len(str)-s == 0 {
			for at(pattern, p) == '*' {
				p++
			}
			break
		}
	}
	return len(pattern)-p == 0 && len(str)-s == 0
}

func TestMatch(t *testing.T) {
	tests := []struct {
		p, s   string
		nocase bool
		want   bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "", false, false}, // Redis: an empty string matches only the empty pattern
		{"*", "anything", false, true},
		{"**", "x", false, true},
		{"?", "", false, false},
		{"?", "a", false, true},
		{"?", "ab", false, false},
		{"h?llo", "hello", false, true},
		{"h*llo", "hllo", false, true},
		{"h*llo", "heeeello", false, true},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[b-a]llo", "hbllo", false, true}, // reversed ranges work
		{"[a-c]", "d", false, false},
		{"[", "[", false, false},           // unterminated empty class matches nothing
		{"[a", "a", false, true},           // unterminated class ends at the pattern's end
		{"[]", "]", false, false},          // empty class
		{"[]]", "]", false, false},         // empty class, then a literal ']'
		{"[^]", "x", false, true},          // negated empty class matches any byte
		{"[\\]]", "]", false, true},        // escaped ']' inside a class
		{"[a-]", "-", false, false},        // "a-]" is the range ']'..'a', and the class never closes
		{"\\*", "*", false, true},          // escaped star
		{"\\*", "a", false, false},         //
		{"a\\", "a\\", false, true},        // a trailing backslash matches itself
		{"\\", "\\", false, true},          //
		{"HELLO", "hello", true, true},     // nocase
		{"[A-C]", "b", true, true},         // nocase ranges
		{"[a-c]", "B", true, true},         //
		{"h[^E]llo", "hello", true, false}, //
		{"a\x00c", "a\x00c", false, true},  // binary safe
		{"?", "\xff", false, true},
	}
	for _, tc := range tests {
		ref := redisMatch(tc.p, tc.s, tc.nocase)
		if got := Match(tc.p, tc.s, tc.nocase); got != ref {
			t.Errorf("Match(%q, %q, %v) = %v; Redis's algorithm says %v", tc.p, tc.s, tc.nocase, got, ref)
		}
		if ref != tc.want {
			t.Errorf("reference(%q, %q, %v) = %v; table says %v", tc.p, tc.s, tc.nocase, ref, tc.want)
		}
	}
}

// TestMatchExhaustive compares Match with the reference on every pattern
// and string up to a small length over an alphabet of the special bytes.
func TestMatchExhaustive(t *testing.T) {
	alphabet := []byte{'a', 'b', 'A', '*', '?', '[', ']', '^', '-', '\\'}
	var gen func(n int, prefix []byte, out *[]string)
	gen = func(n int, prefix []byte, out *[]string) {
		*out = append(*out, string(prefix))
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			gen(n-1, append(prefix, c), out)
		}
	}
	var patterns, strs []string
	gen(4, nil, &patterns)
	gen(3, nil, &strs)
	if testing.Short() {
		patterns = patterns[:len(patterns)/10]
	}
	n := 0
	for _, p := range patterns {
		for _, s := range strs {
			for _, nocase := range []bool{false, true} {
				if got, want := Match(p, s, nocase), redisMatch(p, s, nocase); got != want {
					n++
					if n <= 20 {
						t.Errorf("Match(%q, %q, %v) = %v; Redis %v", p, s, nocase, got, want)
					}
				}
			}
		}
	}
	if n > 0 {
		t.Errorf("%d mismatches", n)
	}
}

func FuzzMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"h?llo", "hello"}, {"*a*b", "xaxb"}, {"[a-c]*[^x]", "bzzy"}, {"\\[a\\]", "[a]"}, {"[\\", "\\"},
	} {
		f.Add(seed[0], seed[1], false)
	}
	f.Fuzz(func(t *testing.T, p, s string, nocase bool) {
		// The reference is exponential in stars: keep inputs small.
		if len(p) > 12 || len(s) > 16 || strings.Count(p, "*") > 4 {
			return
		}
		if got, want := Match(p, s, nocase), redisMatch(p, s, nocase); got != want {
			t.Fatalf("Match(%q, %q, %v) = %v; Redis %v", p, s, nocase, got, want)
		}
	})
}

// TestMatchHostilePattern: a pattern that makes a naive recursive matcher
// exponential finishes at once.
func TestMatchHostilePattern(t *testing.T) {
	p := strings.Repeat("*a", 30) + "*b"
	s := strings.Repeat("a", 10000)
	start := time.Now()
	if Match(p, s, false) {
		t.Fatal("matched")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("hostile pattern took %v", d)
	}
}

// Package num parses and formats numbers exactly as Redis does, so replies
// and stored values match Redis byte for byte: integers by the rules of
// Redis's string2ll, and INCRBYFLOAT's long doubles (x87 80-bit extended
// precision on the platforms Redis ships on) emulated with math/big at 64
// bits of mantissa.
package num

import (
	"math/big"
	"strconv"
	"strings"
)

// ParseInt parses b as Redis's string2ll does: an optional '-', no '+', no
// leading zeros (except "0" itself), no spaces, within int64.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v *= 10
		d := uint64(c - '0')
		if v > 1<<64-1-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}

// ParseIntString is ParseInt for a string.
func ParseIntString(s string) (int64, bool) {
	return ParseInt([]byte(s))
}

// longDoublePrec is the mantissa width of an x87 long double.
const longDoublePrec = 64

// maxExp is the binary exponent at which a long double overflows to inf.
const maxExp = 16384

// LongDouble is an emulated x87 long double. Inf is set for infinities
// (big.Float represents them too, but keeping the flag explicit keeps the
// checks Redis makes readable).
type LongDouble struct {
	f *big.Float
}

func newLD() *big.Float {
	return new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven)
}

// ParseLongDouble parses s as Redis's string2ld does (strtold with no
// leading space, nothing trailing, no NaN, and no overflow to infinity
// from a finite literal). "inf" and "infinity" (any case, signed) are
// accepted, as strtold accepts them.
func ParseLongDouble(s string) (LongDouble, bool) {
	if len(s) == 0 || len(s) >= 5*1024 {
		return LongDouble{}, false
	}
	switch c := s[0]; c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return LongDouble{}, false
	}
	body := s
	neg := false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	lb := strings.ToLower(body)
	if lb == "inf" || lb == "infinity" {
		return LongDouble{f: newLD().SetInf(neg)}, true
	}
	if strings.Contains(lb, "nan") || strings.ContainsAny(body, "_+-") && !validExpSigns(lb) {
		return LongDouble{}, false
	}
	base := 10
	if strings.HasPrefix(lb, "0x") {
		base = 0
		if !strings.Contains(lb, "p") {
			// strtold accepts "0x1A" without a binary exponent; big needs one.
			s = s + "p0"
		}
	} else if strings.ContainsAny(lb, "abcdfp") || strings.Count(lb, "e") > 1 {
		// A binary exponent ('p') is hexadecimal only: strtold stops
		// before it in "1p3", leaving trailing text.
		return LongDouble{}, false
	}
	if body == "" || body == "." {
		return LongDouble{}, false
	}
	hex := base == 0
	f, _, err := newLD().Parse(s, base)
	if err != nil {
		// big.Float refuses exponents beyond its range that strtold
		// reads: a zero significand is 0 whatever its exponent, any other
		// overflows or underflows (ERANGE), which string2ld refuses.
		e := strings.LastIndexAny(s, "eEpP")
		if hex {
			e = strings.LastIndexAny(s, "pP")
		}
		if e < 0 || nonzeroSignificand(lb, hex) || !validExpDigits(s[e+1:]) {
			return LongDouble{}, false
		}
		if f, _, err = newLD().Parse(s[:e+1]+"0", base); err != nil {
			return LongDouble{}, false
		}
	}
	if f.Sign() == 0 && nonzeroSignificand(lb, hex) {
		// Below big.Float's exponent range the literal reads as 0 with no
		// error; strtold gives ERANGE with 0, which string2ld refuses.
		return LongDouble{}, false
	}
	if f.IsInf() || f.MantExp(nil) > maxExp {
		// A finite literal that overflows: strtold gives ERANGE with
		// HUGE_VAL, which string2ld rejects.
		return LongDouble{}, false
	}
	if e := f.MantExp(nil); f.Sign() != 0 && (e < minExp-1 || e == minExp-1 && isHalfMant(f)) {
		// A nonzero literal that rounds to zero, being at most half the
		// smallest denormal (a tie rounds to even, zero): strtold gives
		// ERANGE with 0, which string2ld rejects too.
		return LongDouble{}, false
	}
	return LongDouble{f: f}, true
}

// minExp is the big.Float exponent (mantissa in [0.5, 1)) of the smallest
// long double denormal, 2^-16445.
const minExp = -16444

// isHalfMant reports whether |f| is a power of two (mantissa exactly 0.5).
func isHalfMant(f *big.Float) bool {
	m := new(big.Float)
	f.MantExp(m)
	return m.Abs(m).Cmp(big.NewFloat(0.5)) == 0
}

// nonzeroSignificand reports whether the significand of a lower-cased
// number body (what precedes its exponent) has a nonzero digit.
func nonzeroSignificand(lb string, hex bool) bool {
	if hex {
		sig, _, _ := strings.Cut(lb[2:], "p")
		return strings.ContainsAny(sig, "123456789abcdef")
	}
	sig, _, _ := strings.Cut(lb, "e")
	return strings.ContainsAny(sig, "123456789")
}

// validExpDigits reports whether x is an exponent: an optional sign and
// at least one decimal digit.
func validExpDigits(x string) bool {
	if x != "" && (x[0] == '+' || x[0] == '-') {
		x = x[1:]
	}
	if x == "" {
		return false
	}
	for i := 0; i < len(x); i++ {
		if x[i] < '0' || x[i] > '9' {
			return false
		}
	}
	return true
}

// validExpSigns reports whether every '+' or '-' in a lower-cased number
// body directly follows an exponent letter.
func validExpSigns(lb string) bool {
	if strings.Contains(lb, "_") {
		return false
	}
	for i := 0; i < len(lb); i++ {
		if lb[i] == '+' || lb[i] == '-' {
			if i == 0 || (lb[i-1] != 'e' && lb[i-1] != 'p') {
				return false
			}
		}
	}
	return true
}

// FromFloat64 converts f through its shortest decimal form, so that a Go
// caller's 0.1 means what a Redis user's "0.1" means.
func FromFloat64(f float64) (LongDouble, bool) {
	return ParseLongDouble(strconv.FormatFloat(f, 'g', -1, 64))
}

// Add returns a+b rounded to long double precision, and false if the sum
// is NaN or infinite (what INCRBYFLOAT refuses).
func Add(a, b LongDouble) (LongDouble, bool) {
	if a.f.IsInf() || b.f.IsInf() {
		return LongDouble{}, false
	}
	r := newLD().Add(a.f, b.f)
	if r.IsInf() || r.MantExp(nil) > maxExp {
		return LongDouble{}, false
	}
	return LongDouble{f: r}, true
}

// Format renders v as Redis's ld2string in LD_STR_HUMAN mode: "%.17Lf"
// with trailing zeros (and a trailing '.') removed, and "-0" as "0".
func (v LongDouble) Format() string {
	s := v.f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// Float64 returns the nearest float64.
func (v LongDouble) Float64() float64 {
	f, _ := v.f.Float64()
	return f
}

// FormatDouble renders f as Redis replies a double in RESP2 bulk form and
// as it stores HINCRBYFLOAT-free doubles: "%.17g", with inf as "inf".
func FormatDouble(f float64) string {
	switch {
	case f != f:
		return "nan"
	case f > 1.7976931348623157e308:
		return "inf"
	case f < -1.7976931348623157e308:
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', 17, 64)
}

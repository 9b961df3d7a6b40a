package num

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"-1", -1, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false},
		{"18446744073709551615", 0, false},
		{"18446744073709551616", 0, false},
		{"99999999999999999999", 0, false},
		{"-99999999999999999999", 0, false},
		{"100000000000000000000", 0, false}, // 21 bytes: too long for string2ll
		{"", 0, false},
		{"-", 0, false},
		{"-0", 0, false},
		{"00", 0, false},
		{"01", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1 ", 0, false},
		{"1.0", 0, false},
		{"1e3", 0, false},
		{"0x10", 0, false},
		{"1\x00", 0, false},
		{"١", 0, false}, // a non-ASCII digit
	}
	for _, tc := range tests {
		got, ok := ParseInt([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if got2, ok2 := ParseIntString(tc.in); got2 != got || ok2 != ok {
			t.Errorf("ParseIntString(%q) = %d, %v; ParseInt %d, %v", tc.in, got2, ok2, got, ok)
		}
	}
}

// FuzzParseInt checks the defining property of Redis's string2ll: it
// accepts exactly the canonical decimal form of an int64.
func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "-1", "9223372036854775807", "-9223372036854775808", "01", "-0", "+5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseInt([]byte(s))
		v, err := strconv.ParseInt(s, 10, 64)
		canonical := err == nil && strconv.FormatInt(v, 10) == s
		if ok != canonical || (ok && got != v) {
			t.Fatalf("ParseInt(%q) = %d, %v; canonical int64: %v (%d)", s, got, ok, canonical, v)
		}
	})
}

func ld(t *testing.T, s string) LongDouble {
	t.Helper()
	v, ok := ParseLongDouble(s)
	if !ok {
		t.Fatalf("ParseLongDouble(%q) failed", s)
	}
	return v
}

func TestParseLongDouble(t *testing.T) {
	valid := []struct{ in, format string }{
		{"0", "0"},
		{"-0", "0"},
		{"1", "1"},
		{"+1", "1"},
		{"1.5", "1.5"},
		{".5", "0.5"},
		{"5.", "5"},
		{"1e3", "1000"},
		{"1E+3", "1000"},
		{"1.e2", "100"},
		{"2.5e-1", "0.25"},
		{"0x10", "16"},
		{"0X1P-2", "0.25"},
		{"0x.8", "0.5"},
		{"-0x1p3", "-8"},
		{"0x1e", "30"},
		{"0.1", "0.1"},
		{"0.000003814697265625", "0.00000381469726562"}, // a tie at the 17th decimal rounds to even
		{"1e-4940", "0"},                    // a denormal, accepted
		{"1.18973149535723176502e4932", ""}, // the largest long double
	}
	for _, tc := range valid {
		v, ok := ParseLongDouble(tc.in)
		if !ok {
			t.Errorf("ParseLongDouble(%q) rejected", tc.in)
			continue
		}
		if tc.format != "" {
			if got := v.Format(); got != tc.format {
				t.Errorf("ParseLongDouble(%q).Format() = %q; want %q", tc.in, got, tc.format)
			}
		}
	}
	invalid := []string{
		"", " 1", "\t1", "1 ", "1e", "1e+", "e5", ".e5", ".", "+", "-", "+-1", "--1",
		"1_000", "1,5", "1e5e5", "1.5.5", "1\x00", "\x00", "abc", "nan", "NaN", "-nan",
		"infi", "infinit", "0x", "0x1p", "0xg", "1p3", "1e4933", "-1e4933", "1e-5000",
		"1.1897314953572317651e4932", strings.Repeat("1", 5120),
	}
	for _, s := range invalid {
		if _, ok := ParseLongDouble(s); ok {
			t.Errorf("ParseLongDouble(%.40q) accepted", s)
		}
	}
	// Infinities parse (strtold accepts them); adding them is refused.
	for _, s := range []string{"inf", "-inf", "+INF", "Infinity", "-infinity"} {
		v, ok := ParseLongDouble(s)
		if !ok {
			t.Errorf("ParseLongDouble(%q) rejected", s)
			continue
		}
		if _, ok := Add(ld(t, "1"), v); ok {
			t.Errorf("1 + %s accepted", s)
		}
	}
	// The longest accepted literal is 5119 bytes.
	if _, ok := ParseLongDouble("0." + strings.Repeat("1", 5117)); !ok {
		t.Error("5119-byte literal rejected")
	}
}

func TestAddFormat(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"0.1", "0.2", "0.3"},
		{"10.5", "0.1", "10.6"},
		{"5.0e3", "2.0e2", "5200"},
		{"1", "-1", "0"},
		{"-0", "-0", "0"},
		{"1.5", "-3", "-1.5"},
		{"-1e-18", "0", "0"}, // "-0.00000000000000000" prints as 0
		{"3", "0.00000000000000001", "3.00000000000000001"},
		{"1e17", "1", "100000000000000001"},
	}
	for _, tc := range tests {
		sum, ok := Add(ld(t, tc.a), ld(t, tc.b))
		if !ok {
			t.Errorf("%s + %s refused", tc.a, tc.b)
			continue
		}
		if got := sum.Format(); got != tc.want {
			t.Errorf("%s + %s = %q; want %q", tc.a, tc.b, got, tc.want)
		}
	}
	// 1e308 + 1e308 is finite in long double; Redis prints every digit.
	sum, ok := Add(ld(t, "1e308"), ld(t, "1e308"))
	if !ok {
		t.Fatal("1e308 + 1e308 refused")
	}
	const redisPrefix = "19999999999999999999337175931169129132112019969483113441559409598984346973767612"
	if got := sum.Format(); !strings.HasPrefix(got, redisPrefix) || len(got) != 309 {
		t.Errorf("1e308 + 1e308 = %.90s... (%d digits); Redis %s... (309 digits)", got, len(got), redisPrefix)
	}
	// Overflow of the long double range is refused.
	max := "1.18973149535723176502e4932"
	if _, ok := Add(ld(t, max), ld(t, max)); ok {
		t.Error("max + max accepted")
	}
	if _, ok := Add(ld(t, "-"+max), ld(t, "-1e4932")); ok {
		t.Error("-max - 1e4932 accepted")
	}
	if v, ok := Add(ld(t, max), ld(t, "1")); !ok || v.Float64() != math.Inf(1) {
		// A finite long double beyond float64's range converts to +Inf.
		t.Errorf("max + 1 = %v, %v", v.Float64(), ok)
	}
}

func TestFromFloat64(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{0.1, "0.1"}, {-2.5, "-2.5"}, {1e20, "100000000000000000000"}, {0, "0"}, {math.Copysign(0, -1), "0"},
		{5e-324, "0"},
	} {
		v, ok := FromFloat64(tc.f)
		if !ok || v.Format() != tc.want {
			t.Errorf("FromFloat64(%v) = %q, %v; want %q", tc.f, v.Format(), ok, tc.want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if v, ok := FromFloat64(f); ok {
			if _, ok := Add(v, v); ok {
				t.Errorf("FromFloat64(%v) usable in Add", f)
			}
		}
	}
}

// TestFormatDouble checks "%.17g" as C prints it (values from C's printf).
func TestFormatDouble(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{1, "1"},
		{1.5, "1.5"},
		{-2.5, "-2.5"},
		{100, "100"},
		{0.1, "0.10000000000000001"},
		{1.0 / 3, "0.33333333333333331"},
		{0.30000000000000004, "0.30000000000000004"},
		{1e-4, "0.0001"},
		{1e-5, "1.0000000000000001e-05"},
		{1e16, "10000000000000000"},
		{1e17, "1e+17"},
		{1e20, "1e+20"},
		{1.2345678901234568e+17, "1.2345678901234568e+17"},
		{1e300, "1.0000000000000001e+300"},
		{5e-324, "4.9406564584124654e-324"},
		{3e-310, "2.9999999999999908e-310"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
	}
	for _, tc := range tests {
		if got := FormatDouble(tc.f); got != tc.want {
			t.Errorf("FormatDouble(%v) = %q; want %q", tc.f, got, tc.want)
		}
	}
}

// FuzzParseLongDouble: no input panics, and whatever parses finitely
// formats to text that parses back to a value that formats the same.
func FuzzParseLongDouble(f *testing.F) {
	for _, s := range []string{"0", "1.5", "-1e10", "0x1p3", "inf", "1e4932", "1e-4940", ".5", "5.", "1e"} {
		f.Add(s)
	}
	zero, _ := ParseLongDouble("0")
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseLongDouble(s)
		if !ok {
			return
		}
		sum, ok := Add(v, zero)
		if !ok {
			return // infinite
		}
		out := sum.Format()
		back, ok := ParseLongDouble(out)
		if !ok {
			t.Fatalf("%q formats as %.60q, which does not parse", s, out)
		}
		if again := back.Format(); again != out {
			t.Fatalf("%q: %.60q re-formats as %.60q", s, out, again)
		}
	})
}

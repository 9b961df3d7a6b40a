package cli

import (
	"reflect"
	"testing"
	"time"
)

// The SplitArgs cases follow Redis's sdssplitargs (src/sds.c), which
// redis-cli uses for REPL lines; TestLineModeMatchesRedisCLI checks the
// same rules end to end against redis-cli.
func TestSplitArgs(t *testing.T) {
	tests := []struct {
		line string
		want []string
		bad  bool
	}{
		{"", nil, false},
		{"   \t ", nil, false},
		{"set a b", []string{"set", "a", "b"}, false},
		{"  set   a\tb  ", []string{"set", "a", "b"}, false},
		{`set "a b" c`, []string{"set", "a b", "c"}, false},
		{`"" x`, []string{"", "x"}, false},
		{`''`, []string{""}, false},
		{`"\x41\x4a\x4A"`, []string{"AJJ"}, false},
		{`"\x4g"`, []string{"x4g"}, false},
		{`"\n\r\t\b\a\"\\\z"`, []string{"\n\r\t\b\a\"\\z"}, false},
		{`'it\'s' 'a\nb'`, []string{"it's", `a\nb`}, false},
		{`a"b"`, []string{"ab"}, false},
		{`a'b c' d`, []string{"ab c", "d"}, false},
		{`a'b c'd`, nil, true},
		{`"x"y`, nil, true},
		{`'x'y`, nil, true},
		{`"unterminated`, nil, true},
		{`'unterminated`, nil, true},
		{`"ends with backslash\`, nil, true},
		{"\"\xff\" é", []string{"\xff", "é"}, false},
		{`"a" "b"`, []string{"a", "b"}, false},
	}
	for _, tt := range tests {
		got, err := SplitArgs(tt.line)
		if (err != nil) != tt.bad {
			t.Errorf("SplitArgs(%q) error %v, want bad=%v", tt.line, err, tt.bad)
			continue
		}
		var s []string
		for _, a := range got {
			s = append(s, string(a))
		}
		if !reflect.DeepEqual(s, tt.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", tt.line, s, tt.want)
		}
	}
}

func TestParseRepeat(t *testing.T) {
	tests := []struct {
		s    string
		n    int64
		isRe bool
	}{
		{"3", 3, true},
		{"+3", 3, true},
		{"-1", -1, true},
		{"0", 0, true},
		{"", 0, true},
		{"99999999999999999999", 0, true},
		{"3x", 0, false},
		{"0x10", 0, false},
		{"get", 0, false},
	}
	for _, tt := range tests {
		n, ok := parseRepeat(tt.s)
		if n != tt.n || ok != tt.isRe {
			t.Errorf("parseRepeat(%q) = %d, %v", tt.s, n, ok)
		}
	}
}

func TestParseArgs(t *testing.T) {
	def := DefaultConfig()
	tests := []struct {
		args []string
		edit func(c *Config)
		err  string
	}{
		{nil, func(c *Config) {}, ""},
		{[]string{"-h", "example", "-p", "7000", "-n", "3", "get", "-p"}, func(c *Config) {
			c.Host, c.Port, c.DB, c.Args = "example", 7000, 3, []string{"get", "-p"}
		}, ""},
		{[]string{"-a", "pw", "--user", "bob", "--raw", "-3", "-x", "-e", "ping"}, func(c *Config) {
			c.Password, c.User, c.Raw, c.RESP3, c.StdinArg, c.ExitCode = "pw", "bob", true, true, true, true
			c.passwordFromFlag = true
			c.Args = []string{"ping"}
		}, ""},
		{[]string{"-r", "-1", "-i", "0.25", "--no-raw", "-d", ",", "-D", ";", "incr", "x"}, func(c *Config) {
			c.Repeat, c.Interval, c.NoRaw, c.BulkDelim, c.ReplyDelim = -1, 250*time.Millisecond, true, ",", ";"
			c.Args = []string{"incr", "x"}
		}, ""},
		{[]string{"-u", "redis://us%3Aer:p%40ss@[::1]:6380/4"}, func(c *Config) {
			c.User, c.Password, c.Host, c.Port, c.DB = "us:er", "p@ss", "::1", 6380, 4
			c.passwordFromFlag = true
		}, ""},
		{[]string{"-u", "REDIS://host"}, func(c *Config) { c.Host = "host" }, ""},
		{[]string{"-u", "redis://:secret@h:1"}, func(c *Config) {
			c.Password, c.Host, c.Port = "secret", "h", 1
			c.passwordFromFlag = true
		}, ""},
		{[]string{"--version"}, func(c *Config) { c.Version = true }, ""},
		{[]string{"--help"}, func(c *Config) { c.Help = true }, ""},
		{[]string{"-p", "x"}, nil, "Invalid value for -p: 'x'"},
		{[]string{"-i", "-1"}, nil, "Invalid value for -i: '-1'"},
		{[]string{"-n"}, nil, "Unrecognized option or bad number of args for: '-n'"},
		{[]string{"--tls"}, nil, "Unrecognized option or bad number of args for: '--tls'"},
		{[]string{"-u", "rediss://h"}, nil, "rediss:// URIs need TLS, which rustypotato-cli does not support yet"},
		{[]string{"-u", "h:1"}, nil, "Invalid URI scheme"},
	}
	for _, tt := range tests {
		got, err := ParseArgs(tt.args)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseArgs(%q) error %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseArgs(%q): %v", tt.args, err)
			continue
		}
		want := def
		tt.edit(&want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ParseArgs(%q)\n got %+v\nwant %+v", tt.args, got, want)
		}
	}
}

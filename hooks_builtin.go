package potato

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"rustypotato/internal/num"
)

// HookBuiltins lists the kinds of built-in hooks with their arguments.
// Validators reject a value; transforms rewrite it (and never reject,
// except json-compact on a value that is not JSON).
var HookBuiltins = []string{
	"int [min max]",          // a 64-bit integer as Redis parses them, optionally within [min, max]
	"float [min max]",        // a finite number, optionally within [min, max]
	"json",                   // a valid JSON text
	"json-schema schema",     // a JSON text valid against the JSON Schema (draft 2020-12 unless $schema says)
	"maxlen n",               // at most n bytes
	"regex re",               // matches the Go (RE2) regular expression re, unanchored
	"enum v [v ...]",         // one of the values
	"not-empty",              // not the empty string
	"lower", "upper", "trim", // transforms: Unicode lower/upper case, trim white space
	"json-compact",        // transform: JSON without insignificant white space
	"default-ttl seconds", // a key written whole without a TTL gets this one
}

func errHookArgs(kind, msg string) error {
	return fmt.Errorf("%w: ERR hook builtin '%s': %s", ErrInvalidArgument, kind, msg)
}

// compileBuiltin returns the function of built-in kind with args.
func compileBuiltin(kind string, args []string) (func(hc *HookContext) error, error) {
	nargs := func(ok bool, want string) error {
		if !ok {
			return errHookArgs(kind, "wrong number of arguments, want "+want)
		}
		return nil
	}
	switch strings.ToLower(kind) {
	case "int":
		if err := nargs(len(args) == 0 || len(args) == 2, "none or min max"); err != nil {
			return nil, err
		}
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if len(args) == 2 {
			var ok1, ok2 bool
			lo, ok1 = num.ParseIntString(args[0])
			hi, ok2 = num.ParseIntString(args[1])
			if !ok1 || !ok2 || lo > hi {
				return nil, errHookArgs(kind, "min and max must be integers with min <= max")
			}
		}
		ranged := len(args) == 2
		return func(hc *HookContext) error {
			v, ok := num.ParseInt(hc.Value)
			if !ok {
				return errors.New("value is not an integer")
			}
			if ranged && (v < lo || v > hi) {
				return fmt.Errorf("value %d is out of range [%d, %d]", v, lo, hi)
			}
			return nil
		}, nil
	case "float":
		if err := nargs(len(args) == 0 || len(args) == 2, "none or min max"); err != nil {
			return nil, err
		}
		lo, hi := math.Inf(-1), math.Inf(1)
		if len(args) == 2 {
			var err1, err2 error
			lo, err1 = strconv.ParseFloat(args[0], 64)
			hi, err2 = strconv.ParseFloat(args[1], 64)
			if err1 != nil || err2 != nil || math.IsNaN(lo) || math.IsNaN(hi) || lo > hi {
				return nil, errHookArgs(kind, "min and max must be numbers with min <= max")
			}
		}
		ranged := len(args) == 2
		return func(hc *HookContext) error {
			s := string(hc.Value)
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.TrimSpace(s) != s {
				return errors.New("value is not a valid float")
			}
			if ranged && (v < lo || v > hi) {
				return fmt.Errorf("value %s is out of range [%s, %s]", s, args[0], args[1])
			}
			return nil
		}, nil
	case "json":
		if err := nargs(len(args) == 0, "none"); err != nil {
			return nil, err
		}
		return func(hc *HookContext) error {
			if !jsonValid(hc.Value) {
				return errors.New("value is not valid JSON")
			}
			return nil
		}, nil
	case "json-schema":
		if err := nargs(len(args) == 1, "schema"); err != nil {
			return nil, err
		}
		sch, err := compileSchema(args[0])
		if err != nil {
			return nil, errHookArgs(kind, oneLine(err.Error()))
		}
		return func(hc *HookContext) error {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(hc.Value))
			if err != nil {
				return errors.New("value is not valid JSON")
			}
			if err := sch.Validate(doc); err != nil {
				msg := oneLine(err.Error())
				// Drop the library's preamble, which names our in-memory
				// URL: "jsonschema validation failed with '...' - ".
				if _, rest, ok := strings.Cut(msg, "' - "); ok && strings.HasPrefix(msg, "jsonschema validation failed") {
					msg = rest
				}
				return errors.New("schema: " + msg)
			}
			return nil
		}, nil
	case "maxlen":
		if err := nargs(len(args) == 1, "n"); err != nil {
			return nil, err
		}
		n, ok := num.ParseIntString(args[0])
		if !ok || n < 0 {
			return nil, errHookArgs(kind, "n must be a non-negative integer")
		}
		return func(hc *HookContext) error {
			if int64(len(hc.Value)) > n {
				return fmt.Errorf("value is longer than %d bytes", n)
			}
			return nil
		}, nil
	case "regex":
		if err := nargs(len(args) == 1, "re"); err != nil {
			return nil, err
		}
		re, err := regexp.Compile(args[0])
		if err != nil {
			return nil, errHookArgs(kind, oneLine(err.Error()))
		}
		return func(hc *HookContext) error {
			if !re.Match(hc.Value) {
				return fmt.Errorf("value does not match %s", args[0])
			}
			return nil
		}, nil
	case "enum":
		if len(args) == 0 {
			return nil, errHookArgs(kind, "wrong number of arguments, want at least one value")
		}
		vals := slices.Clone(args)
		slices.Sort(vals)
		return func(hc *HookContext) error {
			if _, ok := slices.BinarySearch(vals, string(hc.Value)); !ok {
				return errors.New("value is not one of " + strings.Join(args, ", "))
			}
			return nil
		}, nil
	case "not-empty":
		if err := nargs(len(args) == 0, "none"); err != nil {
			return nil, err
		}
		return func(hc *HookContext) error {
			if len(hc.Value) == 0 {
				return errors.New("value is empty")
			}
			return nil
		}, nil
	case "lower", "upper", "trim":
		if err := nargs(len(args) == 0, "none"); err != nil {
			return nil, err
		}
		f := map[string]func([]byte) []byte{"lower": bytes.ToLower, "upper": bytes.ToUpper, "trim": bytes.TrimSpace}[strings.ToLower(kind)]
		return func(hc *HookContext) error {
			if v := f(hc.Value); !bytes.Equal(v, hc.Value) {
				hc.Value = v
			}
			return nil
		}, nil
	case "json-compact":
		if err := nargs(len(args) == 0, "none"); err != nil {
			return nil, err
		}
		return func(hc *HookContext) error {
			var b bytes.Buffer
			if err := json.Compact(&b, hc.Value); err != nil {
				return errors.New("value is not valid JSON")
			}
			if !bytes.Equal(b.Bytes(), hc.Value) {
				hc.Value = b.Bytes()
			}
			return nil
		}, nil
	case "default-ttl":
		if err := nargs(len(args) == 1, "seconds"); err != nil {
			return nil, err
		}
		n, ok := num.ParseIntString(args[0])
		if !ok || n <= 0 || n > math.MaxInt64/int64(time.Second) {
			return nil, errHookArgs(kind, "seconds must be a positive integer")
		}
		ttl := time.Duration(n) * time.Second
		return func(hc *HookContext) error {
			hc.TTL = ttl
			return nil
		}, nil
	}
	return nil, fmt.Errorf("%w: ERR unknown hook builtin '%s'", ErrInvalidArgument, kind)
}

// noLoader refuses every reference a schema makes to another document: a
// schema sent by a client must not make the server read files or URLs.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema references %s: external references are not allowed", url)
}

func compileSchema(schema string) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("schema is not valid JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	const url = "mem:///hook-schema.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// jsonValid reports whether v is one valid JSON text.
func jsonValid(v []byte) bool { return json.Valid(v) }

// oneLine makes msg fit in an error reply: one line, spaces collapsed.
func oneLine(msg string) string {
	return strings.Join(strings.Fields(msg), " ")
}

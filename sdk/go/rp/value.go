package rp

import (
	"errors"
	"strconv"
)

// Value is a command's reply, parsed from RESP.
type Value struct {
	// Type is the RESP type byte: '+' status, '-' error, ':' integer,
	// '$' bulk, '*' array, '_' null (RESP3), ',' double, '#' boolean,
	// '%' map, '~' set, '(' big number, '=' verbatim.
	Type byte
	// Str is the text of status, error, bulk, double, big number and
	// verbatim replies.
	Str []byte
	// Int is an integer reply (and a boolean as 0 or 1).
	Int int64
	// Elems are the elements of an array or set, and a map's keys and
	// values in turn.
	Elems []Value
	// Null is set for a null bulk, a null array and RESP3's null.
	Null bool
}

// String returns the value's text (bulk, status, error, number).
func (v Value) String() string {
	if v.Type == ':' {
		return strconv.FormatInt(v.Int, 10)
	}
	return string(v.Str)
}

// ReplyError is a command's error reply, returned by Call.Do as its
// error.
type ReplyError struct{ Msg string }

func (e *ReplyError) Error() string { return e.Msg }

var errProto = errors.New("rp: malformed reply from the host")

// parse decodes one RESP value at the start of b.
func parse(b []byte) (Value, []byte, error) {
	if len(b) < 3 {
		return Value{}, nil, errProto
	}
	i := 1
	for i < len(b) && b[i] != '\r' {
		i++
	}
	if i+1 >= len(b) || b[i+1] != '\n' {
		return Value{}, nil, errProto
	}
	line, rest := b[1:i], b[i+2:]
	v := Value{Type: b[0]}
	switch v.Type {
	case '+', '-', ',', '(':
		v.Str = line
	case ':':
		n, err := strconv.ParseInt(string(line), 10, 64)
		if err != nil {
			return v, nil, errProto
		}
		v.Int = n
	case '#':
		v.Int = 0
		if len(line) == 1 && line[0] == 't' {
			v.Int = 1
		}
	case '_':
		v.Null = true
	case '$', '=', '!':
		n, err := strconv.Atoi(string(line))
		if err != nil || n < -1 {
			return v, nil, errProto
		}
		if n == -1 {
			v.Null = true
			return v, rest, nil
		}
		if n+2 > len(rest) {
			return v, nil, errProto
		}
		v.Str, rest = rest[:n], rest[n+2:]
		if v.Type == '=' && len(v.Str) >= 4 {
			v.Str = v.Str[4:]
		}
		if v.Type == '!' {
			v.Type = '-'
		}
	case '*', '~', '%', '>':
		n, err := strconv.Atoi(string(line))
		if err != nil || n < -1 {
			return v, nil, errProto
		}
		if n == -1 {
			v.Null = true
			return v, rest, nil
		}
		if v.Type == '%' {
			n *= 2
		}
		if n > len(rest)/3 {
			return v, nil, errProto
		}
		v.Elems = make([]Value, 0, n)
		for k := 0; k < n; k++ {
			var e Value
			e, rest, err = parse(rest)
			if err != nil {
				return v, nil, err
			}
			v.Elems = append(v.Elems, e)
		}
	default:
		return v, nil, errProto
	}
	return v, rest, nil
}

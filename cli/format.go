package cli

import (
	"strconv"

	"rustypotato/internal/resp"
)

// This file prints replies the way redis-cli 7.0 does: FormatTTY is its
// cliFormatReplyTTY (used when stdout is a terminal, or with --no-raw) and
// FormatRaw its cliFormatReplyRaw (--raw, or stdout is a pipe). The
// expectations in format_test.go were recorded from redis-cli 7.0.15.

// FormatTTY appends the human-readable form of v to dst, one line per
// scalar, nested aggregates numbered and indented like redis-cli. prefix is
// the indentation of the enclosing aggregate ("" at the top level).
func FormatTTY(dst []byte, v resp.Value, prefix string) []byte {
	switch v.Type {
	case '-', '!':
		dst = append(dst, "(error) "...)
		dst = append(dst, v.Str...)
		return append(dst, '\n')
	case '+':
		dst = append(dst, v.Str...)
		return append(dst, '\n')
	case ':':
		dst = append(dst, "(integer) "...)
		dst = strconv.AppendInt(dst, v.Int, 10)
		return append(dst, '\n')
	case ',':
		dst = append(dst, "(double) "...)
		dst = appendDouble(dst, v)
		return append(dst, '\n')
	case '(':
		// redis-cli 7.0 exits on a big number ("Unknown reply type: 13");
		// later versions print it like this.
		dst = append(dst, "(big number) "...)
		dst = append(dst, v.Str...)
		return append(dst, '\n')
	case '#':
		if v.Bool {
			return append(dst, "(true)\n"...)
		}
		return append(dst, "(false)\n"...)
	case '_':
		return append(dst, "(nil)\n"...)
	case '$':
		if v.Null {
			return append(dst, "(nil)\n"...)
		}
		dst = AppendRepr(dst, v.Str)
		return append(dst, '\n')
	case '=':
		dst = append(dst, v.Str...)
		return append(dst, '\n')
	case '*', '%', '~', '>':
		if v.Null {
			return append(dst, "(nil)\n"...)
		}
		return formatAggregateTTY(dst, v, prefix)
	}
	dst = append(dst, "(unknown reply type "...)
	dst = strconv.AppendQuote(dst, string(v.Type))
	return append(dst, ")\n"...)
}

func formatAggregateTTY(dst []byte, v resp.Value, prefix string) []byte {
	n := len(v.Elems)
	if n == 0 {
		switch v.Type {
		case '*':
			return append(dst, "(empty array)\n"...)
		case '%':
			return append(dst, "(empty hash)\n"...)
		case '~':
			return append(dst, "(empty set)\n"...)
		default:
			return append(dst, "(empty push)\n"...)
		}
	}
	count := n
	if v.Type == '%' {
		count /= 2
	}
	idxlen := len(strconv.Itoa(count))
	// Nested aggregates are indented by the width of this one's numbers
	// plus the separator and a space.
	inner := prefix + spaces(idxlen+2)
	sep := byte(')')
	switch v.Type {
	case '~':
		sep = '~'
	case '%':
		sep = '#'
	}
	for i := 0; i < n; i++ {
		human := i + 1
		if v.Type == '%' {
			human = i/2 + 1
		}
		// The first element goes on the line where the parent already
		// printed its own index.
		if i > 0 {
			dst = append(dst, prefix...)
		}
		num := strconv.Itoa(human)
		dst = append(dst, spaces(idxlen-len(num))...)
		dst = append(dst, num...)
		dst = append(dst, sep, ' ')
		dst = FormatTTY(dst, v.Elems[i], inner)
		if v.Type == '%' && i+1 < n {
			i++
			dst = dst[:len(dst)-1] // the key's newline
			dst = append(dst, " => "...)
			if multiline(v.Elems[i]) {
				dst = append(dst, '\n')
				dst = append(dst, inner...)
			}
			dst = FormatTTY(dst, v.Elems[i], inner)
		}
	}
	return dst
}

// multiline reports whether FormatTTY prints v on more than one line
// (redis-cli's cliIsMultilineValueTTY): such a map value starts on its own
// line.
func multiline(v resp.Value) bool {
	switch v.Type {
	case '*', '~', '>':
		switch {
		case v.Null || len(v.Elems) == 0:
			return false
		case len(v.Elems) > 1:
			return true
		}
		return multiline(v.Elems[0])
	case '%':
		switch {
		case v.Null || len(v.Elems) == 0:
			return false
		case len(v.Elems) > 2:
			return true
		}
		return len(v.Elems) == 2 && multiline(v.Elems[1])
	}
	return false
}

// FormatRaw appends v as redis-cli --raw prints it: strings as they are,
// aggregates one element per line (a map as "key value"), nil as nothing.
// The caller adds the newline that ends the reply.
func FormatRaw(dst []byte, v resp.Value) []byte {
	switch v.Type {
	case '-', '!':
		dst = append(dst, v.Str...)
		return append(dst, '\n')
	case '+', '$', '=', '(':
		return append(dst, v.Str...)
	case ':':
		return strconv.AppendInt(dst, v.Int, 10)
	case ',':
		return appendDouble(dst, v)
	case '#':
		if v.Bool {
			return append(dst, "(true)"...)
		}
		return append(dst, "(false)"...)
	case '*', '~', '>':
		for i, e := range v.Elems {
			if i > 0 {
				dst = append(dst, '\n')
			}
			dst = FormatRaw(dst, e)
		}
	case '%':
		for i := 0; i+1 < len(v.Elems); i += 2 {
			if i > 0 {
				dst = append(dst, '\n')
			}
			dst = FormatRaw(dst, v.Elems[i])
			dst = append(dst, ' ')
			dst = FormatRaw(dst, v.Elems[i+1])
		}
	}
	return dst
}

// appendDouble prints a double as the server sent it, like redis-cli.
func appendDouble(dst []byte, v resp.Value) []byte {
	if v.Str != nil {
		return append(dst, v.Str...)
	}
	return strconv.AppendFloat(dst, v.Float, 'g', -1, 64)
}

// AppendRepr appends s in double quotes with redis-cli's escaping (Redis's
// sdscatrepr): \\ \" \n \r \t \a \b, other bytes outside 0x20..0x7e as
// \xHH.
func AppendRepr(dst, s []byte) []byte {
	return resp.AppendRepr(dst, s)
}

// formatPushTTY prints a RESP3 push message that arrives while no
// subscription is active (client-side caching invalidations), as redis-cli
// does when stdout is a terminal.
func formatPushTTY(dst []byte, v resp.Value) []byte {
	if len(v.Elems) == 2 && v.Elems[0].Type == '$' && string(v.Elems[0].Str) == "invalidate" &&
		v.Elems[1].Type == '*' {
		dst = append(dst, "-> invalidate: "...)
		for i, k := range v.Elems[1].Elems {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, '\'')
			dst = append(dst, k.Str...)
			dst = append(dst, '\'')
		}
		return append(dst, '\n')
	}
	return FormatTTY(dst, v, "")
}

func spaces(n int) string {
	const s = "                                "
	if n <= 0 {
		return ""
	}
	if n <= len(s) {
		return s[:n]
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}

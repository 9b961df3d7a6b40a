package cli

import "errors"

// errBadQuotes is returned by SplitArgs for unbalanced quotes or a closing
// quote followed by something other than a space; the REPL prints
// "Invalid argument(s)" for it, like redis-cli.
var errBadQuotes = errors.New("Invalid argument(s)")

// SplitArgs splits a REPL line into arguments the way redis-cli does
// (Redis's sdssplitargs): words separated by spaces; "double quotes" with
// the escapes \n \r \t \b \a \xHH and \<any>; 'single quotes' where only \'
// is an escape. A closing quote must be followed by a space or the end of
// the line. An empty line gives no arguments and no error.
func SplitArgs(line string) ([][]byte, error) {
	var args [][]byte
	p := 0
	n := len(line)
	at := func(i int) byte { // the byte at i, or 0 past the end like a C string
		if i < n {
			return line[i]
		}
		return 0
	}
	for {
		for p < n && isSpace(line[p]) {
			p++
		}
		if p >= n {
			return args, nil
		}
		cur := []byte{}
		inq, insq, done := false, false, false
		for !done {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHexDigit(at(p+2)) && isHexDigit(at(p+3)):
					cur = append(cur, hexVal(at(p+2))<<4|hexVal(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := line[p]; e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if p+1 < n && !isSpace(line[p+1]) {
						return nil, errBadQuotes
					}
					done = true
				case p >= n:
					return nil, errBadQuotes
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if p+1 < n && !isSpace(line[p+1]) {
						return nil, errBadQuotes
					}
					done = true
				case p >= n:
					return nil, errBadQuotes
				default:
					cur = append(cur, c)
				}
			default:
				switch {
				case p >= n || c == ' ' || c == '\n' || c == '\r' || c == '\t':
					done = true
				case c == '"':
					inq = true
				case c == '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if p < n {
				p++
			}
		}
		args = append(args, cur)
	}
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

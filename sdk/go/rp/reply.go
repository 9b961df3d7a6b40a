package rp

import "strconv"

// Reply is a function's reply, RESP encoded. Build it with the functions
// below; a nil Reply is a null.
type Reply []byte

// Status is a simple string reply ("+OK").
func Status(s string) Reply { return Reply("+" + s + "\r\n") }

// OK is the "+OK" reply.
func OK() Reply { return Status("OK") }

// Error is an error reply; msg starts with its code ("ERR ...").
func Error(msg string) Reply { return Reply("-" + msg + "\r\n") }

// Int is an integer reply.
func Int(n int64) Reply { return Reply(strconv.AppendInt([]byte(":"), n, 10)).crlf() }

// Bulk is a bulk string reply.
func Bulk(b []byte) Reply {
	r := Reply(strconv.AppendInt([]byte("$"), int64(len(b)), 10)).crlf()
	return append(r, b...).crlf()
}

// BulkString is Bulk of a string.
func BulkString(s string) Reply { return Bulk([]byte(s)) }

// Null is the null reply.
func Null() Reply { return Reply("$-1\r\n") }

// Array is an array reply of the given elements.
func Array(elems ...Reply) Reply {
	r := Reply(strconv.AppendInt([]byte("*"), int64(len(elems)), 10)).crlf()
	for _, e := range elems {
		if e == nil {
			e = Null()
		}
		r = append(r, e...)
	}
	return r
}

func (r Reply) crlf() Reply { return append(r, '\r', '\n') }

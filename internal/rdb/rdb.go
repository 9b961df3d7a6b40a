// Package rdb encodes and decodes values in Redis 7.0's RDB serialization,
// as DUMP produces and RESTORE consumes it: a type byte, the payload, the
// 2-byte little-endian RDB version and a CRC64 of all that.
package rdb

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// Version is the RDB version Redis 7.0 writes (RDB_VERSION).
const Version = 10

// TypeString is RDB_TYPE_STRING.
const TypeString = 0

// ErrChecksum is returned for a payload whose version or CRC is wrong.
var ErrChecksum = errors.New("rdb: payload version or checksum are wrong")

// ErrFormat is returned for a payload that cannot be decoded.
var ErrFormat = errors.New("rdb: bad data format")

// ErrType is returned for a value type this package does not decode yet.
var ErrType = errors.New("rdb: unsupported value type")

const (
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// AppendLen appends n in RDB's length encoding (rdbSaveLen).
func AppendLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|0x40, byte(n))
	case n <= 0xffffffff:
		b = append(b, 0x80)
		return binary.BigEndian.AppendUint32(b, uint32(n))
	default:
		b = append(b, 0x81)
		return binary.BigEndian.AppendUint64(b, n)
	}
}

// appendInt appends v in RDB's integer string encoding when it fits in
// 32 bits (rdbEncodeInteger), reporting whether it did.
func appendInt(b []byte, v int64) ([]byte, bool) {
	switch {
	case v >= -1<<7 && v <= 1<<7-1:
		return append(b, 0xc0|encInt8, byte(v)), true
	case v >= -1<<15 && v <= 1<<15-1:
		return append(b, 0xc0|encInt16, byte(v), byte(v>>8)), true
	case v >= -1<<31 && v <= 1<<31-1:
		return append(b, 0xc0|encInt32, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)), true
	}
	return b, false
}

// AppendString appends s as Redis's rdbSaveRawString does (with
// rdbcompression yes): an integer encoding for short canonical integers,
// LZF for strings over 20 bytes when it saves at least 4 bytes, raw
// otherwise.
func AppendString(b []byte, s []byte) []byte {
	if len(s) <= 11 && len(s) > 0 {
		if v, err := strconv.ParseInt(string(s), 10, 64); err == nil && strconv.FormatInt(v, 10) == string(s) {
			if out, ok := appendInt(b, v); ok {
				return out
			}
		}
	}
	if len(s) > 20 {
		if c := Compress(s, len(s)-4); c != nil {
			b = append(b, 0xc0|encLZF)
			b = AppendLen(b, uint64(len(c)))
			b = AppendLen(b, uint64(len(s)))
			return append(b, c...)
		}
	}
	b = AppendLen(b, uint64(len(s)))
	return append(b, s...)
}

// Footer appends the RDB version and the CRC64 of b plus the version.
func Footer(b []byte) []byte {
	b = append(b, Version&0xff, Version>>8)
	return binary.LittleEndian.AppendUint64(b, CRC64(0, b))
}

// DumpString is DUMP's payload for a string value.
func DumpString(s []byte) []byte {
	b := make([]byte, 0, len(s)+16)
	b = append(b, TypeString)
	b = AppendString(b, s)
	return Footer(b)
}

// Verify checks a DUMP payload's footer (verifyDumpPayload) and returns
// the body: the type byte and the payload.
func Verify(p []byte) ([]byte, error) {
	if len(p) < 10 {
		return nil, ErrChecksum
	}
	f := p[len(p)-10:]
	if v := int(f[0]) | int(f[1])<<8; v > Version {
		return nil, ErrChecksum
	}
	if CRC64(0, p[:len(p)-8]) != binary.LittleEndian.Uint64(f[2:]) {
		return nil, ErrChecksum
	}
	return p[:len(p)-10], nil
}

// Value is a decoded value: for now, the string of a TypeString.
type Value struct {
	Type byte
	Str  []byte
}

// Decode decodes a verified body (type byte + payload). maxLen bounds
// every decoded string, so that a forged length cannot make it allocate
// more than the payload justifies.
func Decode(body []byte, maxLen int) (Value, error) {
	r := reader{b: body, max: maxLen}
	t, ok := r.byte()
	if !ok {
		return Value{}, ErrFormat
	}
	switch t {
	case TypeString:
		s, err := r.string()
		if err != nil {
			return Value{}, err
		}
		return Value{Type: t, Str: s}, nil
	}
	return Value{}, ErrType
}

type reader struct {
	b   []byte
	max int
}

func (r *reader) byte() (byte, bool) {
	if len(r.b) == 0 {
		return 0, false
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, true
}

func (r *reader) take(n uint64) ([]byte, bool) {
	if n > uint64(len(r.b)) {
		return nil, false
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s, true
}

// length reads an RDB length; enc reports a special encoding (0xC0 form).
func (r *reader) length() (n uint64, enc bool, err error) {
	c, ok := r.byte()
	if !ok {
		return 0, false, ErrFormat
	}
	switch c >> 6 {
	case 0:
		return uint64(c & 0x3f), false, nil
	case 1:
		d, ok := r.byte()
		if !ok {
			return 0, false, ErrFormat
		}
		return uint64(c&0x3f)<<8 | uint64(d), false, nil
	case 3:
		return uint64(c & 0x3f), true, nil
	}
	switch c {
	case 0x80:
		b, ok := r.take(4)
		if !ok {
			return 0, false, ErrFormat
		}
		return uint64(binary.BigEndian.Uint32(b)), false, nil
	case 0x81:
		b, ok := r.take(8)
		if !ok {
			return 0, false, ErrFormat
		}
		return binary.BigEndian.Uint64(b), false, nil
	}
	return 0, false, ErrFormat
}

func (r *reader) string() ([]byte, error) {
	n, enc, err := r.length()
	if err != nil {
		return nil, err
	}
	if !enc {
		s, ok := r.take(n)
		if !ok {
			return nil, ErrFormat
		}
		return append([]byte{}, s...), nil
	}
	var v int64
	switch n {
	case encInt8:
		b, ok := r.take(1)
		if !ok {
			return nil, ErrFormat
		}
		v = int64(int8(b[0]))
	case encInt16:
		b, ok := r.take(2)
		if !ok {
			return nil, ErrFormat
		}
		v = int64(int16(binary.LittleEndian.Uint16(b)))
	case encInt32:
		b, ok := r.take(4)
		if !ok {
			return nil, ErrFormat
		}
		v = int64(int32(binary.LittleEndian.Uint32(b)))
	case encLZF:
		clen, e1, err := r.length()
		if err != nil || e1 {
			return nil, ErrFormat
		}
		ulen, e2, err := r.length()
		if err != nil || e2 {
			return nil, ErrFormat
		}
		c, ok := r.take(clen)
		if !ok || ulen == 0 || ulen > uint64(r.max) || ulen > uint64(len(c))*256 {
			return nil, ErrFormat
		}
		out := make([]byte, ulen)
		if n := Decompress(c, out); n != len(out) {
			return nil, ErrFormat
		}
		return out, nil
	default:
		return nil, ErrFormat
	}
	return strconv.AppendInt(nil, v, 10), nil
}

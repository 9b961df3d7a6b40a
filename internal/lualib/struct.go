package lualib

import (
	"encoding/binary"
	"math"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// struct (Roberto Ierusalimschy's library, as Redis bundles it):
// struct.pack(fmt, ...), struct.unpack(fmt, s [, i]) and struct.size(fmt).
// Formats: < > = ! (byte order, alignment), x (padding), b B h H l L T
// i[n] I[n] (integers), f d (floats), s (zero-terminated string), c[n]
// (fixed string; c0 in unpack takes the length from the previous value).

type structFmt struct {
	f     string
	i     int
	big   bool
	align int
}

func (s *structFmt) num(def int) int {
	if s.i >= len(s.f) || s.f[s.i] < '0' || s.f[s.i] > '9' {
		return def
	}
	n := 0
	for s.i < len(s.f) && s.f[s.i] >= '0' && s.f[s.i] <= '9' {
		n = n*10 + int(s.f[s.i]-'0')
		s.i++
	}
	return n
}

// next returns the next option and its size; opt 0 at the end.
func (s *structFmt) next(L *lua.LState) (opt byte, size int) {
	for s.i < len(s.f) {
		c := s.f[s.i]
		s.i++
		switch c {
		case ' ':
		case '<', '=':
			s.big = false
		case '>':
			s.big = true
		case '!':
			s.align = s.num(8)
		case 'x', 'b', 'B':
			return c, 1
		case 'h', 'H':
			return c, 2
		case 'l', 'L', 'T':
			return c, 8
		case 'i', 'I':
			n := s.num(4)
			if n > 8 || n < 1 {
				L.RaiseError("integral size %d is larger than limit of 8", n)
			}
			return c, n
		case 'f':
			return c, 4
		case 'd':
			return c, 8
		case 's':
			return c, 0
		case 'c':
			return c, s.num(1)
		default:
			L.RaiseError("invalid format option '%c'", c)
		}
	}
	return 0, 0
}

func (s *structFmt) pad(pos, size int) int {
	a := min(size, s.align)
	if a <= 1 || size == 0 {
		return 0
	}
	return (a - pos%a) % a
}

func putInt(b []byte, v uint64, size int, big bool) []byte {
	for i := 0; i < size; i++ {
		sh := i
		if big {
			sh = size - 1 - i
		}
		b = append(b, byte(v>>(8*sh)))
	}
	return b
}

func openStruct(L *lua.LState) *lua.LTable {
	return module(L, map[string]lua.LGFunction{
		"pack": func(L *lua.LState) int {
			s := &structFmt{f: L.CheckString(1), align: 1}
			var out []byte
			arg := 2
			for {
				opt, size := s.next(L)
				if opt == 0 {
					break
				}
				for n := s.pad(len(out), size); n > 0; n-- {
					out = append(out, 0)
				}
				switch opt {
				case 'x':
					out = append(out, 0)
					continue
				case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
					f := float64(L.CheckNumber(arg))
					out = putInt(out, uint64(int64(f)), size, s.big)
				case 'f':
					u := math.Float32bits(float32(L.CheckNumber(arg)))
					out = putInt(out, uint64(u), 4, s.big)
				case 'd':
					out = putInt(out, math.Float64bits(float64(L.CheckNumber(arg))), 8, s.big)
				case 's':
					out = append(append(out, L.CheckString(arg)...), 0)
				case 'c':
					str := L.CheckString(arg)
					if size == 0 {
						size = len(str)
					}
					if len(str) < size {
						L.ArgError(arg, "string too short")
					}
					out = append(out, str[:size]...)
				}
				arg++
			}
			L.Push(lua.LString(out))
			return 1
		},
		"unpack": func(L *lua.LState) int {
			s := &structFmt{f: L.CheckString(1), align: 1}
			data := L.CheckString(2)
			pos := L.OptInt(3, 1) - 1
			if pos < 0 || pos > len(data) {
				L.ArgError(3, "offset out of range")
			}
			n := 0
			var last lua.LValue = lua.LNil
			for {
				opt, size := s.next(L)
				if opt == 0 {
					break
				}
				pos += s.pad(pos, size)
				if opt != 's' && (opt != 'c' || size != 0) && pos+size > len(data) {
					L.ArgError(2, "data string too short")
				}
				switch opt {
				case 'x':
					pos++
					continue
				case 'b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I':
					var v uint64
					for i := 0; i < size; i++ {
						sh := i
						if s.big {
							sh = size - 1 - i
						}
						v |= uint64(data[pos+i]) << (8 * sh)
					}
					if opt == 'b' || opt == 'h' || opt == 'l' || opt == 'i' {
						if size < 8 && v&(1<<(8*size-1)) != 0 {
							v |= ^uint64(0) << (8 * size)
						}
						last = lua.LNumber(float64(int64(v)))
					} else {
						last = lua.LNumber(float64(v))
					}
				case 'f':
					b := []byte(data[pos : pos+4])
					var u uint32
					if s.big {
						u = binary.BigEndian.Uint32(b)
					} else {
						u = binary.LittleEndian.Uint32(b)
					}
					last = lua.LNumber(math.Float32frombits(u))
				case 'd':
					b := []byte(data[pos : pos+8])
					var u uint64
					if s.big {
						u = binary.BigEndian.Uint64(b)
					} else {
						u = binary.LittleEndian.Uint64(b)
					}
					last = lua.LNumber(math.Float64frombits(u))
				case 's':
					end := pos
					for end < len(data) && data[end] != 0 {
						end++
					}
					if end >= len(data) {
						L.ArgError(2, "unfinished string in data")
					}
					last = lua.LString(data[pos:end])
					size = end - pos + 1
				case 'c':
					if size == 0 {
						ln, ok := last.(lua.LNumber)
						if !ok || n == 0 {
							L.RaiseError("format 'c0' needs a previous size")
						}
						size = int(ln)
						L.Pop(1)
						n--
						if pos+size > len(data) {
							L.ArgError(2, "data string too short")
						}
					}
					last = lua.LString(data[pos : pos+size])
				}
				L.Push(last)
				n++
				pos += size
			}
			L.Push(lua.LNumber(pos + 1))
			return n + 1
		},
		"size": func(L *lua.LState) int {
			s := &structFmt{f: L.CheckString(1), align: 1}
			pos := 0
			for {
				opt, size := s.next(L)
				if opt == 0 {
					break
				}
				if opt == 's' || (opt == 'c' && size == 0) {
					L.ArgError(1, "options 'c0' - 's' have undefined sizes")
				}
				pos += s.pad(pos, size) + size
			}
			L.Push(lua.LNumber(pos))
			return 1
		},
	})
}

var _ = strconv.Itoa

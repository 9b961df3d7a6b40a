package rdb

// LZF as liblzf 3.6 in Redis (lzf_c.c, lzf_d.c with HLOG 16, VERY_FAST,
// a zeroed hash table), so that compressed DUMPs are byte-identical.

const (
	lzfHLog   = 16
	lzfHSize  = 1 << lzfHLog
	lzfMaxLit = 1 << 5
	lzfMaxOff = 1 << 13
	lzfMaxRef = 1<<8 + 1<<3
)

func lzfIdx(h uint32) uint32 {
	return ((h^h<<5)>>(3*8-lzfHLog) - h*5) & (lzfHSize - 1)
}

// Compress compresses in into at most outLen bytes as lzf_compress does,
// returning nil when the output would not fit (Redis then stores raw).
func Compress(in []byte, outLen int) []byte {
	inLen := len(in)
	if inLen == 0 || outLen <= 0 {
		return nil
	}
	htab := make([]int32, lzfHSize) // positions+1; 0 is "none" (== in_data)
	out := make([]byte, outLen)
	ip, op := 0, 0
	lit := 0
	op++
	hval := uint32(in[0])<<8 | uint32(in[1])
	for ip < inLen-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := lzfIdx(hval)
		ref := int(htab[slot]) // an offset from in_data, as LZF_HSLOT_BIAS
		htab[slot] = int32(ip)
		off := ip - ref - 1
		if ref < ip && off < lzfMaxOff && ref > 0 && in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			l := 2
			maxlen := inLen - ip - l
			if maxlen > lzfMaxRef {
				maxlen = lzfMaxRef
			}
			if op+3+1 >= outLen {
				nl := 0
				if lit == 0 {
					nl = 1
				}
				if op-nl+3+1 >= outLen {
					return nil
				}
			}
			out[op-lit-1] = byte(lit - 1)
			if lit == 0 {
				op--
			}
			matched := false
			if maxlen > 16 {
				for i := 0; i < 16; i++ {
					l++
					if in[ref+l] != in[ip+l] {
						matched = true
						break
					}
				}
			}
			if !matched {
				for {
					l++
					if !(l < maxlen && in[ref+l] == in[ip+l]) {
						break
					}
				}
			}
			l -= 2
			ip++
			if l < 7 {
				out[op] = byte(off>>8 + l<<5)
				op++
			} else {
				out[op] = byte(off>>8 + 7<<5)
				out[op+1] = byte(l - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++
			ip += l + 1
			if ip >= inLen-2 {
				break
			}
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			htab[lzfIdx(hval)] = int32(ip)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			htab[lzfIdx(hval)] = int32(ip)
			ip++
		} else {
			if op >= outLen {
				return nil
			}
			lit++
			out[op] = in[ip]
			op++
			ip++
			if lit == lzfMaxLit {
				out[op-lit-1] = byte(lit - 1)
				lit = 0
				op++
			}
		}
	}
	if op+3 > outLen {
		return nil
	}
	for ip < inLen {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1)
	if lit == 0 {
		op--
	}
	return out[:op]
}

// Decompress decompresses in into out, returning the bytes written, or
// -1 when in is corrupt or does not fit out.
func Decompress(in, out []byte) int {
	ip, op := 0, 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 {
			ctrl++
			if op+ctrl > len(out) || ip+ctrl > len(in) {
				return -1
			}
			copy(out[op:], in[ip:ip+ctrl])
			op += ctrl
			ip += ctrl
			continue
		}
		l := ctrl >> 5
		ref := op - (ctrl&0x1f)<<8 - 1
		if l == 7 {
			if ip >= len(in) {
				return -1
			}
			l += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return -1
		}
		ref -= int(in[ip])
		ip++
		l += 2
		if op+l > len(out) || ref < 0 {
			return -1
		}
		for i := 0; i < l; i++ {
			out[op] = out[ref]
			op++
			ref++
		}
	}
	return op
}

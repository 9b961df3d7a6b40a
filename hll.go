package potato

import (
	"fmt"
	"math"

	"rustypotato/internal/keyspace"
)

// HyperLogLogs are string values in Redis's own format (hyperloglog.c),
// byte for byte, so that a value written by Redis reads the same here and
// the other way round: a 16-byte header ("HYLL", the encoding, three
// unused bytes, the cached cardinality in 8 little-endian bytes whose top
// bit marks it stale) and then 16384 6-bit registers, either dense
// (12288 bytes) or sparse (run-length opcodes ZERO, XZERO and VAL).
// Elements are hashed with MurmurHash64A and Redis's seed. Every change
// is a new string stored through tx.put, like any string write.

const (
	hllP           = 14
	hllQ           = 64 - hllP
	hllRegisters   = 1 << hllP
	hllPMask       = hllRegisters - 1
	hllBits        = 6
	hllRegisterMax = 1<<hllBits - 1
	hllHdrSize     = 16
	hllDenseSize   = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllDense       = 0
	hllSparse      = 1

	hllSparseValMaxValue = 32
	hllSparseValMaxLen   = 4
	hllSparseZeroMaxLen  = 64
	hllSparseXZeroMaxLen = 16384

	// DefaultHLLSparseMaxBytes is Redis's hll-sparse-max-bytes: a sparse
	// HyperLogLog that would grow past it turns dense.
	DefaultHLLSparseMaxBytes = 3000
)

var (
	// ErrNotHLL is Redis's reply when a key holds a string that is not a
	// HyperLogLog.
	ErrNotHLL = fmt.Errorf("%w: WRONGTYPE Key is not a valid HyperLogLog string value.", ErrInvalidArgument)
	// ErrHLLCorrupt is Redis's reply to a HyperLogLog whose sparse
	// encoding does not cover exactly its registers.
	ErrHLLCorrupt = fmt.Errorf("%w: INVALIDOBJ Corrupted HLL object detected", ErrInvalidArgument)
)

// murmur64A is MurmurHash64A as Redis uses it (little-endian reads).
func murmur64A(data []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ (uint64(len(data)) * m)
	for len(data) >= 8 {
		k := uint64(data[0]) | uint64(data[1])<<8 | uint64(data[2])<<16 | uint64(data[3])<<24 |
			uint64(data[4])<<32 | uint64(data[5])<<40 | uint64(data[6])<<48 | uint64(data[7])<<56
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		data = data[8:]
	}
	if n := len(data); n > 0 {
		for i := n - 1; i >= 1; i-- {
			h ^= uint64(data[i]) << (8 * uint(i))
		}
		h ^= uint64(data[0])
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register of ele and the length of its run of
// zero bits plus one (Redis's hllPatLen).
func hllPatLen(ele []byte) (int, uint8) {
	h := murmur64A(ele, 0xadc83b19)
	index := int(h & hllPMask)
	h >>= hllP
	h |= 1 << hllQ
	count := uint8(1)
	for bit := uint64(1); h&bit == 0; bit <<= 1 {
		count++
	}
	return index, count
}

// isHLL is Redis's isHLLObjectOrReply test on a string value.
func isHLL(v []byte) bool {
	if len(v) < hllHdrSize || v[0] != 'H' || v[1] != 'Y' || v[2] != 'L' || v[3] != 'L' || v[4] > hllSparse {
		return false
	}
	return v[4] != hllDense || len(v) == hllDenseSize
}

func newHLL() []byte {
	v := make([]byte, hllHdrSize+2)
	copy(v, "HYLL")
	v[4] = hllSparse
	l := hllRegisters - 1
	v[hllHdrSize] = byte(l>>8) | 0x40
	v[hllHdrSize+1] = byte(l)
	return v
}

func hllInvalidate(v []byte) { v[15] |= 0x80 }

func denseGet(regs []byte, i int) uint8 {
	b := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	b0 := uint(regs[b])
	var b1 uint
	if b+1 < len(regs) {
		b1 = uint(regs[b+1])
	}
	return uint8((b0>>fb | b1<<(8-fb)) & hllRegisterMax)
}

func denseSet(regs []byte, i int, val uint8) {
	b := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	v := uint(val)
	regs[b] &^= byte(hllRegisterMax << fb)
	regs[b] |= byte(v << fb)
	if b+1 < len(regs) {
		regs[b+1] &^= byte(hllRegisterMax >> (8 - fb))
		regs[b+1] |= byte(v >> (8 - fb))
	}
}

// Sparse opcodes.
func spIsZero(b byte) bool  { return b&0xc0 == 0 }
func spIsXZero(b byte) bool { return b&0xc0 == 0x40 }
func spIsVal(b byte) bool   { return b&0x80 != 0 }
func spZeroLen(b byte) int  { return int(b&0x3f) + 1 }
func spXZeroLen(b, c byte) int {
	return (int(b&0x3f)<<8 | int(c)) + 1
}
func spValValue(b byte) int      { return int(b>>2&0x1f) + 1 }
func spValLen(b byte) int        { return int(b&3) + 1 }
func spVal(val, n int) byte      { return byte((val-1)<<2|(n-1)) | 0x80 }
func spZero(n int) byte          { return byte(n - 1) }
func spXZero(n int) (byte, byte) { return byte((n-1)>>8) | 0x40, byte(n - 1) }

// sparseToDense is Redis's hllSparseToDense: the header is kept (cached
// cardinality included), the registers are expanded.
func sparseToDense(v []byte) ([]byte, bool) {
	if v[4] == hllDense {
		return v, true
	}
	d := make([]byte, hllDenseSize)
	copy(d, v[:hllHdrSize])
	d[4] = hllDense
	regs := d[hllHdrSize:]
	idx := 0
	for p := hllHdrSize; p < len(v); {
		switch b := v[p]; {
		case spIsZero(b):
			idx += spZeroLen(b)
			p++
		case spIsXZero(b):
			if p+1 >= len(v) {
				return nil, false
			}
			idx += spXZeroLen(b, v[p+1])
			p += 2
		default:
			n, val := spValLen(b), spValValue(b)
			if n+idx > hllRegisters {
				return nil, false
			}
			for ; n > 0; n-- {
				denseSet(regs, idx, uint8(val))
				idx++
			}
			p++
		}
	}
	if idx != hllRegisters {
		return nil, false
	}
	return d, true
}

// sparseSet is Redis's hllSparseSet: it sets register index to count if
// that is larger, splitting and merging opcodes in place exactly as Redis
// does, or turns the value dense when count does not fit a VAL opcode or
// the value would pass maxBytes. It returns the new value and 1 if it
// changed, 0 if not, -1 for a corrupt value.
func sparseSet(v []byte, index int, count uint8, maxBytes int) ([]byte, int) {
	if count > hllSparseValMaxValue {
		return promote(v, index, count)
	}
	end := len(v)
	p := hllHdrSize
	first, span := 0, 0
	prev := -1
	for p < end {
		oplen := 1
		switch b := v[p]; {
		case spIsZero(b):
			span = spZeroLen(b)
		case spIsVal(b):
			span = spValLen(b)
		default:
			if p+1 >= end {
				return v, -1
			}
			span = spXZeroLen(b, v[p+1])
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return v, -1
	}
	b := v[p]
	isZero, isXZero, isVal := spIsZero(b), spIsXZero(b), spIsVal(b)
	var runlen int
	switch {
	case isZero:
		runlen = spZeroLen(b)
	case isXZero:
		runlen = spXZeroLen(b, v[p+1])
	default:
		runlen = spValLen(b)
	}
	updated := false
	if isVal {
		if uint8(spValValue(b)) >= count {
			return v, 0
		}
		if runlen == 1 {
			v[p] = spVal(int(count), 1)
			updated = true
		}
	}
	if !updated && isZero && runlen == 1 {
		v[p] = spVal(int(count), 1)
		updated = true
	}
	if !updated {
		var seq []byte
		last := first + span - 1
		zeros := func(n int) {
			if n > hllSparseZeroMaxLen {
				x, y := spXZero(n)
				seq = append(seq, x, y)
			} else {
				seq = append(seq, spZero(n))
			}
		}
		if isZero || isXZero {
			if index != first {
				zeros(index - first)
			}
			seq = append(seq, spVal(int(count), 1))
			if index != last {
				zeros(last - index)
			}
		} else {
			cur := spValValue(b)
			if index != first {
				seq = append(seq, spVal(cur, index-first))
			}
			seq = append(seq, spVal(int(count), 1))
			if index != last {
				seq = append(seq, spVal(cur, last-index))
			}
		}
		oldlen := 1
		if isXZero {
			oldlen = 2
		}
		if delta := len(seq) - oldlen; delta > 0 && len(v)+delta > maxBytes {
			return promote(v, index, count)
		}
		nv := make([]byte, 0, len(v)+len(seq)-oldlen)
		nv = append(append(append(nv, v[:p]...), seq...), v[p+oldlen:]...)
		v = nv
		end = len(v)
	}
	// Merge adjacent VAL opcodes of the same value, from prev, looking at
	// up to 5 opcodes.
	p = hllHdrSize
	if prev >= 0 {
		p = prev
	}
	for scan := 5; p < end && scan > 0; {
		scan--
		switch b := v[p]; {
		case spIsXZero(b):
			p += 2
			continue
		case spIsZero(b):
			p++
			continue
		}
		if p+1 < end && spIsVal(v[p+1]) {
			v1, v2 := spValValue(v[p]), spValValue(v[p+1])
			if v1 == v2 {
				if n := spValLen(v[p]) + spValLen(v[p+1]); n <= hllSparseValMaxLen {
					v[p+1] = spVal(v1, n)
					v = append(v[:p], v[p+1:]...)
					end--
					continue
				}
			}
		}
		p++
	}
	hllInvalidate(v)
	return v, 1
}

func promote(v []byte, index int, count uint8) ([]byte, int) {
	d, ok := sparseToDense(v)
	if !ok {
		return v, -1
	}
	regs := d[hllHdrSize:]
	if denseGet(regs, index) < count {
		denseSet(regs, index, count)
	}
	return d, 1
}

// hllAdd adds ele to the HyperLogLog v (modified in place or replaced):
// 1 if a register changed, 0 if not, -1 if v is corrupt.
func hllAdd(v, ele []byte, maxBytes int) ([]byte, int) {
	index, count := hllPatLen(ele)
	if v[4] == hllDense {
		regs := v[hllHdrSize:]
		if denseGet(regs, index) >= count {
			return v, 0
		}
		denseSet(regs, index, count)
		return v, 1
	}
	return sparseSet(v, index, count, maxBytes)
}

// hllMerge raises max[i] to each register of v; false if v is corrupt.
func hllMerge(max []uint8, v []byte) bool {
	if v[4] == hllDense {
		regs := v[hllHdrSize:]
		for i := range max {
			if r := denseGet(regs, i); r > max[i] {
				max[i] = r
			}
		}
		return true
	}
	i := 0
	for p := hllHdrSize; p < len(v); {
		switch b := v[p]; {
		case spIsZero(b):
			i += spZeroLen(b)
			p++
		case spIsXZero(b):
			if p+1 >= len(v) {
				return false
			}
			i += spXZeroLen(b, v[p+1])
			p += 2
		default:
			n, val := spValLen(b), uint8(spValValue(b))
			if n+i > hllRegisters {
				return false
			}
			for ; n > 0; n-- {
				if val > max[i] {
					max[i] = val
				}
				i++
			}
			p++
		}
	}
	return i == hllRegisters
}

// hllHisto returns the histogram of v's register values; ok is false for
// a sparse value that does not cover exactly its registers.
func hllHisto(v []byte) (h [64]int, ok bool) {
	if v[4] == hllDense {
		regs := v[hllHdrSize:]
		for i := 0; i < hllRegisters; i++ {
			h[denseGet(regs, i)]++
		}
		return h, true
	}
	idx := 0
	for p := hllHdrSize; p < len(v); {
		switch b := v[p]; {
		case spIsZero(b):
			n := spZeroLen(b)
			idx += n
			h[0] += n
			p++
		case spIsXZero(b):
			if p+1 >= len(v) {
				return h, false
			}
			n := spXZeroLen(b, v[p+1])
			idx += n
			h[0] += n
			p += 2
		default:
			n := spValLen(b)
			idx += n
			h[spValValue(b)] += n
			p++
		}
	}
	return h, idx == hllRegisters
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y := 1.0
	z := x
	for {
		x = float64(x * x)
		zp := z
		z = z + float64(x*y)
		y += y
		if zp == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y := 1.0
	z := 1 - x
	for {
		x = math.Sqrt(x)
		zp := z
		y *= 0.5
		d := 1 - x
		z = z - float64(math.Pow(d, 2)*y)
		if zp == z {
			return z / 3
		}
	}
}

// hllEstimate is Redis's hllCount from a register histogram (Ertl's
// improved estimator).
func hllEstimate(h *[64]int) uint64 {
	const alphaInf = 0.721347520444481703680
	m := float64(hllRegisters)
	z := float64(m * hllTau((m-float64(h[hllQ+1]))/m))
	for j := hllQ; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(h[0])/m))
	e := float64(float64(float64(alphaInf*m)*m) / z)
	return uint64(math.Round(e))
}

// hllMaxBytes is the hll-sparse-max-bytes in force (core.hllSparseMax
// holds it plus one, so that its zero value means the default).
func (c *core) hllMaxBytes() int {
	if n := c.hllSparseMax.Load(); n > 0 {
		return int(n - 1)
	}
	return DefaultHLLSparseMaxBytes
}

// SetHLLSparseMaxBytes sets Redis's hll-sparse-max-bytes for the whole
// store (every branch): the size past which a sparse HyperLogLog turns
// dense (default 3000). A negative n restores the default.
func (d *DB) SetHLLSparseMaxBytes(n int64) {
	if n < 0 {
		n = DefaultHLLSparseMaxBytes
	}
	d.c.hllSparseMax.Store(n + 1)
}

// HLLSparseMaxBytes returns the hll-sparse-max-bytes in force.
func (d *DB) HLLSparseMaxBytes() int64 { return int64(d.c.hllMaxBytes()) }

// hllLookup returns key's HyperLogLog value (nil if the key is absent),
// or ErrWrongType / ErrNotHLL.
func (tx *Tx) hllLookup(key string, write bool) (*keyspace.Entry, error) {
	e, err := tx.lookupKind(key, keyspace.KindString, write)
	if err != nil || e == nil {
		return nil, err
	}
	if !isHLL(e.Str) {
		return nil, ErrNotHLL
	}
	return e, nil
}

// putHLL stores v as key's value keeping the deadline of cur.
func (tx *Tx) putHLL(key, op string, cur *keyspace.Entry, v []byte) {
	ne := strEntry(v)
	if cur != nil {
		ne.ExpireAt = cur.ExpireAt
	}
	tx.put(key, op, ne)
}

// PFAdd adds elements to the HyperLogLog at key, creating it (PFADD), and
// reports whether its estimate may have changed: true when a register
// changed or the key was created. The value is Redis's, byte for byte.
func (tx *Tx) PFAdd(key string, elements ...[]byte) (bool, error) {
	tx.mustWrite()
	cur, err := tx.hllLookup(key, true)
	if err != nil {
		return false, err
	}
	var v []byte
	updated := cur == nil
	if cur == nil {
		v = newHLL()
	} else {
		v = append([]byte(nil), cur.Str...)
	}
	maxBytes := tx.c.hllMaxBytes()
	for _, el := range elements {
		var r int
		v, r = hllAdd(v, el, maxBytes)
		switch r {
		case 1:
			updated = true
		case -1:
			return false, ErrHLLCorrupt
		}
	}
	if !updated {
		return false, nil
	}
	hllInvalidate(v)
	tx.putHLL(key, "pfadd", cur, v)
	return true, nil
}

// PFAdd adds elements to a HyperLogLog (PFADD); see Tx.PFAdd.
func (d *DB) PFAdd(key string, elements ...[]byte) (changed bool, err error) {
	err = d.do(true, func(tx *Tx) error { changed, err = tx.PFAdd(key, elements...); return err }, key)
	return
}

// PFCount returns the estimated number of distinct elements added to the
// HyperLogLog at key, or to the union of those at several keys (PFCOUNT);
// missing keys count as empty. For one key the estimate is cached in the
// value as Redis does: in a write transaction a stale cache is refreshed
// (a write with no keyspace event, which a WATCH sees, as in Redis); in a
// read transaction it is computed and not stored.
func (tx *Tx) PFCount(keys ...string) (int64, error) {
	if len(keys) == 1 {
		e, err := tx.hllLookup(keys[0], false)
		if err != nil || e == nil {
			return 0, err
		}
		v := e.Str
		if v[15]&0x80 == 0 {
			var card uint64
			for i := 7; i >= 0; i-- {
				card = card<<8 | uint64(v[8+i])
			}
			return int64(card), nil
		}
		h, ok := hllHisto(v)
		if !ok {
			return 0, ErrHLLCorrupt
		}
		card := hllEstimate(&h)
		if tx.write {
			cur := tx.lookupW(keys[0])
			nv := append([]byte(nil), cur.Str...)
			for i := 0; i < 8; i++ {
				nv[8+i] = byte(card >> (8 * uint(i)))
			}
			tx.putHLL(keys[0], "", cur, nv)
		}
		return int64(card), nil
	}
	max := make([]uint8, hllRegisters)
	for _, k := range keys {
		e, err := tx.hllLookup(k, false)
		if err != nil {
			return 0, err
		}
		if e != nil && !hllMerge(max, e.Str) {
			return 0, ErrHLLCorrupt
		}
	}
	var h [64]int
	for _, r := range max {
		h[r]++
	}
	return int64(hllEstimate(&h)), nil
}

// PFCount estimates the distinct elements of HyperLogLogs (PFCOUNT); see
// Tx.PFCount. It refreshes a stale cached estimate.
func (d *DB) PFCount(keys ...string) (n int64, err error) {
	err = d.do(true, func(tx *Tx) error { n, err = tx.PFCount(keys...); return err }, keys...)
	return
}

// PFMerge stores in dest the union of the HyperLogLogs at dest and
// sources (PFMERGE), creating dest if needed. dest turns dense when any
// of them is dense; the event is "pfadd", as in Redis.
func (tx *Tx) PFMerge(dest string, sources ...string) error {
	tx.mustWrite()
	max := make([]uint8, hllRegisters)
	dense := false
	for _, k := range append([]string{dest}, sources...) {
		e, err := tx.hllLookup(k, false)
		if err != nil {
			return err
		}
		if e == nil {
			continue
		}
		if e.Str[4] == hllDense {
			dense = true
		}
		if !hllMerge(max, e.Str) {
			return ErrHLLCorrupt
		}
	}
	cur := tx.lookupW(dest)
	var v []byte
	if cur == nil {
		v = newHLL()
	} else {
		v = append([]byte(nil), cur.Str...)
	}
	if dense {
		var ok bool
		if v, ok = sparseToDense(v); !ok {
			return ErrHLLCorrupt
		}
	}
	maxBytes := tx.c.hllMaxBytes()
	for j, r := range max {
		if r == 0 {
			continue
		}
		if v[4] == hllDense {
			if denseGet(v[hllHdrSize:], j) < r {
				denseSet(v[hllHdrSize:], j, r)
			}
		} else {
			v, _ = sparseSet(v, j, r, maxBytes)
		}
	}
	hllInvalidate(v)
	tx.putHLL(dest, "pfadd", cur, v)
	return nil
}

// PFMerge merges HyperLogLogs into dest (PFMERGE); see Tx.PFMerge.
func (d *DB) PFMerge(dest string, sources ...string) error {
	return d.do(true, func(tx *Tx) error { return tx.PFMerge(dest, sources...) }, append([]string{dest}, sources...)...)
}

// HLLDebug is what PFDEBUG reports about a HyperLogLog.
type HLLDebug struct {
	Registers []uint8 // GETREG: the 16384 registers
	Encoding  string  // ENCODING: "dense" or "sparse"
	Decoded   string  // DECODE: the sparse opcodes, as Redis prints them
	Converted bool    // TODENSE: the value turned dense
}

var errHLLNoKey = fmt.Errorf("%w: ERR The specified key does not exist", ErrInvalidArgument)

// ErrHLLNotSparse is PFDEBUG DECODE's reply for a dense HyperLogLog.
var ErrHLLNotSparse = fmt.Errorf("%w: ERR HLL encoding is not sparse", ErrInvalidArgument)

// PFDebug runs PFDEBUG sub ("getreg", "decode", "encoding" or "todense",
// in any case) on key. GETREG and TODENSE turn a sparse value dense, as in
// Redis (a write without keyspace event).
func (tx *Tx) PFDebug(sub, key string) (HLLDebug, error) {
	tx.mustWrite()
	var out HLLDebug
	cur, err := tx.hllLookup(key, true)
	if err != nil {
		return out, err
	}
	if cur == nil {
		return out, errHLLNoKey
	}
	v := cur.Str
	toDense := func() error {
		if v[4] != hllSparse {
			return nil
		}
		d, ok := sparseToDense(v)
		if !ok {
			return ErrHLLCorrupt
		}
		v = d
		out.Converted = true
		tx.putHLL(key, "", cur, d)
		return nil
	}
	switch {
	case eqFoldASCII(sub, "getreg"):
		if err := toDense(); err != nil {
			return out, err
		}
		out.Registers = make([]uint8, hllRegisters)
		for i := range out.Registers {
			out.Registers[i] = denseGet(v[hllHdrSize:], i)
		}
	case eqFoldASCII(sub, "decode"):
		if v[4] != hllSparse {
			return out, ErrHLLNotSparse
		}
		var b []byte
		for p := hllHdrSize; p < len(v); {
			switch c := v[p]; {
			case spIsZero(c):
				b = fmt.Appendf(b, "z:%d ", spZeroLen(c))
				p++
			case spIsXZero(c):
				var n int
				if p+1 < len(v) {
					n = spXZeroLen(c, v[p+1])
				}
				b = fmt.Appendf(b, "Z:%d ", n)
				p += 2
			default:
				b = fmt.Appendf(b, "v:%d,%d ", spValValue(c), spValLen(c))
				p++
			}
		}
		for len(b) > 0 && b[len(b)-1] == ' ' {
			b = b[:len(b)-1]
		}
		out.Decoded = string(b)
	case eqFoldASCII(sub, "encoding"):
		out.Encoding = "sparse"
		if v[4] == hllDense {
			out.Encoding = "dense"
		}
	case eqFoldASCII(sub, "todense"):
		if err := toDense(); err != nil {
			return out, err
		}
	default:
		return out, fmt.Errorf("%w: ERR Unknown PFDEBUG subcommand '%s'", ErrInvalidArgument, sub)
	}
	return out, nil
}

package rdb

// crcTable is the table of Redis's CRC64: the Jones polynomial
// 0xad93d23594c935a9, reflected input and output, initial value 0.
var crcTable = func() (t [256]uint64) {
	// The reflected form of the polynomial.
	const poly = 0x95ac9329ac4bc9b5
	for i := range t {
		c := uint64(i)
		for k := 0; k < 8; k++ {
			if c&1 != 0 {
				c = c>>1 ^ poly
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return
}()

// CRC64 continues Redis's crc64 (crc64.c) of crc over b.
func CRC64(crc uint64, b []byte) uint64 {
	for _, c := range b {
		crc = crcTable[byte(crc)^c] ^ crc>>8
	}
	return crc
}

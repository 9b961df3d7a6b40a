package potato

import (
	"fmt"

	"rustypotato/internal/keyspace"
)

// LCSMatch is one range common to both strings (LCS IDX): inclusive
// byte offsets in the first (A) and second (B) string, and its length.
type LCSMatch struct {
	AStart, AEnd, BStart, BEnd int64
	Len                        int64
}

// LCSResult is LCS's answer: the longest common subsequence, its length
// and, with idx, the matching ranges from the end of the strings back,
// as Redis lists them (only those of at least minMatchLen bytes).
type LCSResult struct {
	MatchString []byte
	Len         int64
	Matches     []LCSMatch
}

var (
	// ErrLCSNotString is LCS's reply when a key holds a non-string.
	ErrLCSNotString = fmt.Errorf("%w: ERR The specified keys must contain string values", ErrInvalidArgument)
	// ErrLCSMemory is LCS's reply when its table would pass the longest
	// string allowed (proto-max-bulk-len).
	ErrLCSMemory = fmt.Errorf("%w: ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len", ErrInvalidArgument)
)

// lcsStrings returns the strings at key1 and key2 ("" for a missing key).
func (tx *Tx) lcsStrings(key1, key2 string) (a, b []byte, err error) {
	e1, e2 := tx.lookup(key1), tx.lookup(key2)
	if (e1 != nil && e1.Kind != keyspace.KindString) || (e2 != nil && e2.Kind != keyspace.KindString) {
		return nil, nil, ErrLCSNotString
	}
	if e1 != nil {
		a = e1.Str
	}
	if e2 != nil {
		b = e2.Str
	}
	return a, b, nil
}

// LCS computes the longest common subsequence of the strings at key1 and
// key2 (LCS), with Redis's dynamic programming and its walk back, so that
// the string and the IDX ranges are Redis's. The table is
// (len1+1)*(len2+1) 4-byte cells and must fit in Options.MaxValueBytes.
func (tx *Tx) LCS(key1, key2 string, idx bool, minMatchLen int64) (LCSResult, error) {
	var res LCSResult
	a, b, err := tx.lcsStrings(key1, key2)
	if err != nil {
		return res, err
	}
	alen, blen := len(a), len(b)
	cells := uint64(alen+1) * uint64(blen+1)
	if cells*4 > uint64(tx.c.opts.MaxValueBytes) {
		return res, ErrLCSMemory
	}
	w := blen + 1
	lcs := make([]uint32, cells)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				lcs[i*w+j] = lcs[(i-1)*w+j-1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i-1)*w+j], lcs[i*w+j-1])
			}
		}
	}
	n := lcs[alen*w+blen]
	res.Len = int64(n)
	result := make([]byte, n)
	k := int(n)
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0
	for i, j := alen, blen; i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			result[k-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			k--
			i--
			j--
		} else {
			if lcs[(i-1)*w+j] > lcs[i*w+j-1] {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			ml := int64(aEnd - aStart + 1)
			if idx && (minMatchLen == 0 || ml >= minMatchLen) {
				res.Matches = append(res.Matches, LCSMatch{int64(aStart), int64(aEnd), int64(bStart), int64(bEnd), ml})
			}
			aStart = alen
		}
	}
	res.MatchString = result
	return res, nil
}

// LCS computes the longest common subsequence of two strings (LCS); see
// Tx.LCS.
func (d *DB) LCS(key1, key2 string, idx bool, minMatchLen int64) (res LCSResult, err error) {
	err = d.do(false, func(tx *Tx) error { res, err = tx.LCS(key1, key2, idx, minMatchLen); return err }, key1, key2)
	return
}

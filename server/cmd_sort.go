package server

import (
	"rustypotato"
)

func registerSort(t *table) {
	const syntax = "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]"
	t.add(&Command{Name: "sort", Arity: -2, Flags: flagWrite | flagDenyOOM | flagMovableKeys, FirstKey: 1, LastKey: 1,
		Categories: cats("write set sortedset list slow dangerous"), Group: "generic", Since: "1.0.0",
		Summary:    "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.",
		Complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
		Syntax:     syntax + " [STORE destination]", run: cmdSort(false), keys: sortKeys})
	t.add(&Command{Name: "sort_ro", Arity: -2, Flags: flagReadonly | flagMovableKeys, FirstKey: 1, LastKey: 1,
		Categories: cats("read set sortedset list slow dangerous"), Group: "generic", Since: "7.0.0",
		Summary:    "Returns the sorted elements of a list, a set, or a sorted set.",
		Complexity: "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).",
		Syntax:     syntax, run: cmdSort(true), keys: sortKeys})
}

// sortKeys is Redis's sortGetKeys: the sorted key and the last STORE
// destination (LIMIT skips two arguments, GET and BY one).
func sortKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	keys := [][]byte{args[1]}
	var store []byte
	for i := 2; i < len(args); i++ {
		switch a := args[i]; {
		case eqFold(a, "limit"):
			i += 2
		case eqFold(a, "get"), eqFold(a, "by"):
			i++
		case eqFold(a, "store") && i+1 < len(args):
			store = args[i+1]
		}
	}
	if store != nil && !eqFold(args[0], "sort_ro") {
		keys = append(keys, store)
	}
	return keys
}

func cmdSort(ro bool) runFunc {
	return func(c *Conn, tx *potato.Tx, a [][]byte) error {
		var o potato.SortArgs
		var store []byte
		for j := 2; j < len(a); j++ {
			left := len(a) - j - 1
			switch arg := a[j]; {
			case eqFold(arg, "asc"):
				o.Desc = false
			case eqFold(arg, "desc"):
				o.Desc = true
			case eqFold(arg, "alpha"):
				o.Alpha = true
			case eqFold(arg, "limit") && left >= 2:
				var err error
				if o.Offset, err = parseInt(a[j+1]); err != nil {
					return err
				}
				if o.Count, err = parseInt(a[j+2]); err != nil {
					return err
				}
				o.HasLimit = true
				j += 2
			case !ro && eqFold(arg, "store") && left >= 1:
				store = a[j+1]
				j++
			case eqFold(arg, "by") && left >= 1:
				o.By = string(a[j+1])
				j++
			case eqFold(arg, "get") && left >= 1:
				o.Get = append(o.Get, string(a[j+1]))
				j++
			default:
				return replyError(errSyntax)
			}
		}
		if store != nil {
			return c.replyInt(tx.SortStore(string(a[1]), string(store), o))
		}
		res, err := tx.Sort(string(a[1]), o)
		if err != nil {
			return err
		}
		c.w.AppendArrayLen(len(res))
		for _, v := range res {
			if v == nil {
				c.w.AppendNull()
			} else {
				c.w.AppendBulk(v)
			}
		}
		return nil
	}
}

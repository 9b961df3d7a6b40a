package server

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"rustypotato"
)

// registerPersistence registers SAVE, BGSAVE, LASTSAVE and the SNAPSHOT
// extension (named Pebble checkpoints, export and import files), all thin
// wrappers of the potato API (snapshot.go).
func registerPersistence(t *table) {
	srv := func(c *Command) *Command {
		c.Group = "server"
		return t.add(c)
	}
	srv(&Command{Name: "save", Arity: 1, Flags: flagAdmin | flagNoScript, Categories: cats("admin slow dangerous"), Since: "1.0.0",
		Summary: "Synchronously saves the database(s) to disk.", Complexity: "O(N) where N is the total number of keys in all databases",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			if err := c.s.DB.Save(); err != nil {
				c.replyError(err)
				return
			}
			c.w.AppendOK()
		}})
	srv(&Command{Name: "bgsave", Arity: -1, Flags: flagAdmin | flagNoScript, Categories: cats("admin slow dangerous"), Since: "1.0.0",
		Summary: "Asynchronously saves the database(s) to disk.", Complexity: "O(1)", Syntax: "[SCHEDULE]", conn: cmdBGSave})
	srv(&Command{Name: "lastsave", Arity: 1, Flags: flagLoading | flagStale | flagFast, Categories: cats("admin fast dangerous"), Since: "1.0.0",
		Summary: "Returns the Unix timestamp of the last successful save to disk.", Complexity: "O(1)",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			t, err := c.s.DB.LastSave()
			if err != nil {
				// No data directory: like a Redis that never saved, the
				// start counts as the last save.
				t = c.s.started
			}
			c.w.AppendInt(t.Unix())
		}})

	snap := srv(&Command{Name: "snapshot", Arity: -2, Categories: cats("slow"), Since: "7.0.0",
		Summary: "A container for named snapshots of the whole dataset (RustyPotato extension).", Complexity: "Depends on subcommand."})
	sub := func(c *Command) {
		c.Flags |= flagAdmin | flagNoScript
		c.Categories = cats("admin slow dangerous")
		c.Since = "7.0.0"
		t.addSub(snap, c)
	}
	sub(&Command{Name: "create", Arity: 3, Syntax: "name", Complexity: "O(1)",
		Summary: "Records the current data as a named snapshot (a Pebble checkpoint).",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			if err := c.s.DB.SnapshotCreate(string(a[2])); err != nil {
				c.replyError(err)
				return
			}
			c.w.AppendOK()
		}})
	sub(&Command{Name: "list", Arity: 2, Complexity: "O(N) where N is the number of snapshots",
		Summary: "Lists the snapshots, oldest first, as [name, creation Unix time, bytes] triples.",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			list, err := c.s.DB.SnapshotList()
			if err != nil {
				c.replyError(err)
				return
			}
			c.w.AppendArrayLen(len(list))
			for _, s := range list {
				c.w.AppendArrayLen(3)
				c.w.AppendBulkString(s.Name)
				c.w.AppendInt(s.Created.Unix())
				c.w.AppendInt(s.Bytes)
			}
		}})
	sub(&Command{Name: "delete", Arity: 3, Syntax: "name", Complexity: "O(1)", Summary: "Deletes a snapshot.",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			if err := c.s.DB.SnapshotDelete(string(a[2])); err != nil {
				c.replyError(err)
				return
			}
			c.w.AppendOK()
		}})
	sub(&Command{Name: "restore", Arity: 3, Syntax: "name", Complexity: "O(N) where N is the number of keys in the snapshot",
		Summary: "Replaces the whole dataset by a snapshot; replies with the number of keys restored.",
		conn: func(c *Conn, a [][]byte, tx *potato.Tx) {
			if tx != nil {
				c.replyErr(errNotInTx)
				return
			}
			n, err := c.s.DB.SnapshotRestore(string(a[2]))
			if err != nil {
				c.replyError(err)
				return
			}
			c.w.AppendInt(n)
		}})
	sub(&Command{Name: "export", Arity: 3, Syntax: "path", Complexity: "O(N) where N is the number of keys",
		Summary: "Writes the dataset to one zstd-compressed file on the server; replies with the number of keys.",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			path, refused := c.snapshotFile("EXPORT", string(a[2]))
			if refused != "" {
				c.replyErr(refused)
				return
			}
			n, err := c.s.DB.SnapshotExport(path)
			if err != nil {
				c.replyError(err)
				return
			}
			c.w.AppendInt(n)
		}})
	sub(&Command{Name: "import", Arity: 3, Syntax: "path", Complexity: "O(N) where N is the number of keys in the file",
		Summary: "Replaces the whole dataset by an exported file; replies with the number of keys loaded.",
		conn: func(c *Conn, a [][]byte, tx *potato.Tx) {
			if tx != nil {
				c.replyErr(errNotInTx)
				return
			}
			path, refused := c.snapshotFile("IMPORT", string(a[2]))
			if refused != "" {
				c.replyErr(refused)
				return
			}
			n, err := c.s.DB.SnapshotImport(path)
			if err != nil {
				c.replyError(err)
				return
			}
			c.w.AppendInt(n)
		}})
	t.addSub(snap, &Command{Name: "help", Arity: 2, Flags: flagLoading | flagStale, Categories: cats("slow"), Since: "7.0.0",
		Summary: "Returns helpful text about the different subcommands.", Complexity: "O(1)",
		conn: helpReply("SNAPSHOT", []string{
			"CREATE <name>", "    Record the current data as snapshot <name> (instant, consistent).",
			"LIST", "    List snapshots as [name, created unix time, bytes], oldest first.",
			"RESTORE <name>", "    Replace the whole dataset by snapshot <name>.",
			"DELETE <name>", "    Delete snapshot <name>.",
			"EXPORT <path>", "    Write the dataset to a zstd-compressed file <path> in the data directory.",
			"IMPORT <path>", "    Replace the whole dataset by the file <path> (in the data directory) written by EXPORT.",
		})})
}

// errNotInTx is Redis's reply to a command flagged no-multi inside EXEC.
const errNotInTx = "ERR Command not allowed inside a transaction"

func cmdBGSave(c *Conn, a [][]byte, _ *potato.Tx) {
	schedule := false
	switch {
	case len(a) == 2 && eqFold(a[1], "schedule"):
		schedule = true
	case len(a) > 1:
		c.replyErr(errSyntax)
		return
	}
	err := c.s.DB.BGSave()
	switch {
	case err == nil:
		c.w.AppendSimple("Background saving started")
	case schedule && errors.Is(err, potato.ErrInvalidArgument) && c.s.DB.Persistence().BGSaveInProgress:
		// Like Redis: run another one once the current one is done, so
		// that writes acknowledged after it started are covered too.
		db := c.s.DB
		go func() {
			for db.Persistence().BGSaveInProgress {
				time.Sleep(10 * time.Millisecond)
			}
			_ = db.BGSave()
		}()
		c.w.AppendSimple("Background saving scheduled")
	default:
		c.replyError(err)
	}
}

// addPersistConfig registers the persistence parameters: dir (registered
// with the program-owned ones), appendonly, save, appendfsync (live:
// CONFIG SET changes the store's policy) and compression.
func addPersistConfig(cfg *config) {
	record := func(name, typ, def, doc string, live bool, check func(v string) error, apply func(s *Server, v string) error) {
		cfg.extra[name] = def
		cfg.add(&param{name: name, typ: typ, def: def, immutable: !live, doc: doc,
			get: func(s *Server) string {
				// Report what the store does, not only what was asked.
				if s.DB != nil {
					switch info := s.DB.Persistence(); {
					case name == "appendfsync" && info.Dir != "":
						return info.Fsync.String()
					case name == "appendonly":
						return yesNo(info.Dir != "")
					}
				}
				cfg.mu.Lock()
				defer cfg.mu.Unlock()
				return cfg.extra[name]
			},
			set: func(s *Server, v string) error {
				v = strings.ToLower(v)
				if check != nil {
					if err := check(v); err != nil {
						return err
					}
				}
				if apply != nil {
					if err := apply(s, v); err != nil {
						return err
					}
				}
				cfg.mu.Lock()
				cfg.extra[name] = v
				cfg.mu.Unlock()
				return nil
			}})
	}
	record("appendonly", "yes|no", "yes", "Persist every write in dir (Pebble WAL and sstables). With appendonly no and save \"\", the server keeps its data in memory only.",
		false, enumCheck("yes", "no"), nil)
	record("save", "list", "", "No snapshot schedule: the data in dir is always current (SAVE and BGSAVE write the snapshot named dump). Accepted for compatibility; save \"\" with appendonly no means no persistence at all.",
		true, nil, nil)
	record("appendfsync", "enum", "everysec", "always: reply after the fsync that covers the write; everysec: fsync once a second; no: let the kernel decide. In every mode a write reaches the kernel before the reply.",
		true, enumCheck("always", "everysec", "no"), func(s *Server, v string) error {
			if s.DB == nil || s.DB.Persistence().Dir == "" {
				return nil // in memory, or not open yet: PersistOptions reads it
			}
			f, err := potato.ParseFsync(v)
			if err != nil {
				return err
			}
			return s.DB.SetFsync(f)
		})
	record("compression", "enum", "snappy", "Block compression of the data files: none, snappy or zstd (fixed at startup).",
		false, enumCheck("none", "snappy", "zstd"), nil)
}

// PersistOptions returns the storage options a configuration selects:
// Dir from "dir" (default ./data), Fsync from "appendfsync" and
// Compression from "compression". Dir is empty (an in-memory store) when
// the configuration turns every persistence off, as Redis users do with
// appendonly no and save "".
func PersistOptions(cf *ConfigFile) (potato.Options, error) {
	var o potato.Options
	val := func(name, def string) string {
		if v, ok := cf.Value(name); ok {
			return v
		}
		return def
	}
	o.Dir = val("dir", "./data")
	if save, set := cf.Value("save"); set && strings.TrimSpace(save) == "" && strings.EqualFold(val("appendonly", "yes"), "no") {
		o.Dir = ""
	}
	v := val("appendfsync", "everysec")
	f, err := potato.ParseFsync(v)
	if err != nil {
		return o, fmt.Errorf("appendfsync %q: must be always, everysec or no", v)
	}
	o.Fsync = f
	v = val("compression", "snappy")
	c, err := potato.ParseCompression(v)
	if err != nil {
		return o, fmt.Errorf("compression %q: must be none, snappy or zstd", v)
	}
	o.Compression = c
	return o, nil
}

// persistFields is the INFO persistence view of the store's durability.
type persistFields struct {
	enabled, bgsave       int
	lastSave              int64
	bgStatus, writeStatus string
}

// persistInfo returns the persistence fields of INFO.
func (s *Server) persistInfo() persistFields {
	pi := s.DB.Persistence()
	f := persistFields{lastSave: s.started.Unix(), bgStatus: "ok", writeStatus: "ok"}
	if pi.Dir == "" {
		return f
	}
	f.enabled = 1
	f.lastSave = pi.LastSave.Unix()
	if pi.BGSaveInProgress {
		f.bgsave = 1
	}
	if pi.LastBGSaveFailed {
		f.bgStatus = "err"
	}
	if pi.Err != nil {
		f.writeStatus = "err"
	}
	return f
}

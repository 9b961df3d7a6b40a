package server

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// SNAPSHOT EXPORT and IMPORT name a file on the server. A client must not
// be able to write or read any file the server process can reach, so a
// path is confined to the data directory unless the operator allows more
// with enable-snapshot-paths (as Redis protects CONFIG SET dir with
// enable-protected-configs): "no" (the default), "yes", or "local"
// (loopback and Unix-socket clients only).

// snapshotPaths is the enable-snapshot-paths value: pathsNo, pathsYes or
// pathsLocal.
type snapshotPaths = atomic.Int32

const (
	pathsNo int32 = iota
	pathsYes
	pathsLocal
)

var snapshotPathsNames = [...]string{pathsNo: "no", pathsYes: "yes", pathsLocal: "local"}

// storeOwned are the data directory's entries the store itself keeps:
// an export must not overwrite them nor an import read them.
var storeOwned = []string{"db", "snapshots"}

// snapshotFile resolves the path argument of SNAPSHOT EXPORT/IMPORT: a
// relative name without ".." is a file in the data directory; anything
// else needs enable-snapshot-paths. It returns the path to use, or the
// error reply.
func (c *Conn) snapshotFile(sub, name string) (string, string) {
	dir := c.s.DB.Persistence().Dir
	if dir == "" {
		return name, "" // the store answers that persistence is disabled
	}
	if filepath.IsLocal(name) {
		first, _, _ := strings.Cut(filepath.ToSlash(filepath.Clean(name)), "/")
		for _, own := range storeOwned {
			if first == own {
				return "", fmt.Sprintf("ERR SNAPSHOT %s refused: '%s' is kept by the store in the data directory", sub, own)
			}
		}
		if strings.HasPrefix(first, ".") {
			return "", fmt.Sprintf("ERR SNAPSHOT %s refused: names starting with '.' are the store's temporary files", sub)
		}
		return filepath.Join(dir, name), ""
	}
	switch c.s.cfg.snapshotPaths.Load() {
	case pathsYes:
	case pathsLocal:
		if !isLoopback(c.nc.RemoteAddr()) {
			return "", fmt.Sprintf("ERR SNAPSHOT %s refused: enable-snapshot-paths is 'local' and this connection is not local", sub)
		}
	default:
		return "", fmt.Sprintf("ERR SNAPSHOT %s refused: the path must be a file name inside the data directory (absolute paths and '..' need enable-snapshot-paths)", sub)
	}
	if filepath.IsAbs(name) {
		return name, ""
	}
	return filepath.Join(dir, name), ""
}

// addSnapshotPathsConfig registers enable-snapshot-paths (startup only,
// like Redis's enable-protected-configs: a client that may run CONFIG SET
// cannot open the door itself).
func addSnapshotPathsConfig(cfg *config) {
	cfg.add(&param{name: "enable-snapshot-paths", typ: "enum", def: "no", immutable: true,
		doc: "Where SNAPSHOT EXPORT/IMPORT may reach: no (only file names inside dir), yes (any path, relative ones from dir), local (any path, for loopback and Unix-socket clients only).",
		get: func(s *Server) string { return snapshotPathsNames[s.cfg.snapshotPaths.Load()] },
		set: func(s *Server, v string) error {
			v = strings.ToLower(v)
			for i, n := range snapshotPathsNames {
				if v == n {
					s.cfg.snapshotPaths.Store(int32(i))
					return nil
				}
			}
			return enumCheck(snapshotPathsNames[:]...)(v)
		}})
}

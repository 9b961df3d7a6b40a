package server

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"rustypotato"
)

func registerConnection(t *table) {
	conn := func(c *Command) *Command {
		c.Group = "connection"
		return t.add(c)
	}
	conn(&Command{Name: "ping", Arity: -1, Flags: flagFast, Categories: cats("fast connection"), Since: "1.0.0",
		Summary: "Returns the server's liveliness response.", Complexity: "O(1)", Syntax: "[message]", conn: cmdPing})
	conn(&Command{Name: "echo", Arity: 2, Flags: flagLoading | flagStale | flagFast, Categories: cats("fast connection"), Since: "1.0.0",
		Summary: "Returns the given string.", Complexity: "O(1)", Syntax: "message",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) { c.w.AppendBulk(a[1]) }})
	conn(&Command{Name: "quit", Arity: -1, Flags: flagNoQueue | flagNoAuth | flagLoading | flagStale | flagFast | flagNoScript,
		Categories: cats("fast connection"), Since: "1.0.0", Summary: "Closes the connection.", Complexity: "O(1)",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			c.w.AppendOK()
			c.closeAfter = true
		}})
	conn(&Command{Name: "reset", Arity: 1, Flags: flagNoQueue | flagNoAuth | flagLoading | flagStale | flagFast | flagNoScript,
		Categories: cats("fast connection"), Since: "6.2.0", Summary: "Resets the connection.", Complexity: "O(1)",
		conn: func(c *Conn, a [][]byte, _ *potato.Tx) {
			c.multi = nil
			c.unwatch()
			c.resetSubs()
			c.db = c.s.DB
			c.name = ""
			c.w.SetProto(2)
			c.noEvict, c.noTouch = false, false
			// RESET logs the client out, back to the default user (acl.go).
			c.user.Store("")
			c.authed = !c.s.authRequired(&Conn{s: c.s})
			c.r.SetAuthRequired(!c.authed)
			c.w.AppendSimple("RESET")
		}})
	conn(&Command{Name: "select", Arity: 2, Flags: flagLoading | flagStale | flagFast, Categories: cats("fast connection"), Since: "1.0.0",
		Summary: "Changes the selected database.", Complexity: "O(1)", Syntax: "index", conn: cmdSelect})
	conn(&Command{Name: "hello", Arity: -1, Flags: flagNoAuth | flagLoading | flagStale | flagFast | flagNoScript,
		Categories: cats("fast connection"), Since: "6.0.0", Summary: "Handshakes with the Redis server.", Complexity: "O(1)",
		Syntax: "[protover [AUTH username password] [SETNAME clientname]]", conn: cmdHello})
	conn(&Command{Name: "auth", Arity: -2, Flags: flagNoAuth | flagLoading | flagStale | flagFast | flagNoScript,
		Categories: cats("fast connection"), Since: "1.0.0", Summary: "Authenticates the connection.",
		Complexity: "O(N) where N is the number of passwords defined for the user", Syntax: "[username] password", conn: cmdAuth})
	client := conn(&Command{Name: "client", Arity: -2, Categories: cats("slow"), Since: "2.4.0",
		Summary: "A container for client connection commands.", Complexity: "Depends on subcommand."})
	sub := func(name string, arity int, flags flag, summary, syntax string, fn connFunc) {
		t.addSub(client, &Command{Name: name, Arity: arity, Flags: flags | flagNoScript | flagLoading | flagStale,
			Categories: cats("slow connection"), Since: "2.4.0", Summary: summary, Complexity: "O(1)", Syntax: syntax, conn: fn})
	}
	sub("id", 2, 0, "Returns the unique client ID of the connection.", "", func(c *Conn, a [][]byte, _ *potato.Tx) { c.w.AppendInt(c.id) })
	sub("getname", 2, 0, "Returns the name of the connection.", "", func(c *Conn, a [][]byte, _ *potato.Tx) {
		if c.name == "" {
			c.w.AppendNull()
		} else {
			c.w.AppendBulkString(c.name)
		}
	})
	sub("setname", 3, 0, "Sets the connection name.", "connection-name", func(c *Conn, a [][]byte, _ *potato.Tx) {
		if !validClientName(a[2]) {
			c.replyErr("ERR Client names cannot contain spaces, newlines or special characters.")
			return
		}
		c.name = string(a[2])
		c.w.AppendOK()
	})
	sub("setinfo", 4, 0, "Sets information specific to the client or connection.", "<LIB-NAME libname | LIB-VER libver>",
		func(c *Conn, a [][]byte, _ *potato.Tx) {
			if !eqFold(a[2], "lib-name") && !eqFold(a[2], "lib-ver") {
				c.replyErr(sanitize(fmt.Sprintf("ERR Unrecognized option '%s'", cText(a[2], 0))))
				return
			}
			c.w.AppendOK()
		})
	sub("list", -2, flagAdmin, "Lists open connections.", "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]", cmdClientList)
	sub("info", 2, 0, "Returns information about the connection.", "", func(c *Conn, a [][]byte, _ *potato.Tx) {
		c.w.AppendVerbatim("txt", []byte(c.infoLine(true)+"\n"))
	})
	sub("kill", -3, flagAdmin, "Terminates open connections.", "<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>]> [[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] ...]>", cmdClientKill)
	onOff := func(name, summary string, set func(c *Conn, on bool)) {
		sub(name, 3, 0, summary, "<ON | OFF>", func(c *Conn, a [][]byte, _ *potato.Tx) {
			switch {
			case eqFold(a[2], "on"):
				set(c, true)
			case eqFold(a[2], "off"):
				set(c, false)
			default:
				c.replyErr(errSyntax)
				return
			}
			c.w.AppendOK()
		})
	}
	sub("reply", 3, 0, "Instructs the server whether to reply to commands.", "<ON | OFF | SKIP>", func(c *Conn, a [][]byte, _ *potato.Tx) {
		// OFF and SKIP reply nothing; the serve loop drops the replies
		// (conn.go, replyOff / replySkip).
		switch {
		case eqFold(a[2], "on"):
			c.replyOff, c.replySkip, c.replySkipNext = false, false, false
			c.w.AppendOK()
		case eqFold(a[2], "off"):
			c.replyOff = true
		case eqFold(a[2], "skip"):
			if !c.replyOff {
				c.replySkipNext = true
			}
		default:
			c.replyErr(errSyntax)
		}
	})
	// Client-side caching (CLIENT TRACKING) is not implemented, so tracking
	// is always off: Redis 7.0's replies for a client not tracking.
	sub("getredir", 2, 0, "Returns the client ID to which the connection's tracking notifications are redirected.", "",
		func(c *Conn, a [][]byte, _ *potato.Tx) { c.w.AppendInt(-1) })
	sub("trackinginfo", 2, 0, "Returns information about server-assisted client-side caching for the connection.", "",
		func(c *Conn, a [][]byte, _ *potato.Tx) {
			c.w.AppendMapLen(3)
			c.w.AppendBulkString("flags")
			c.w.AppendSetLen(1)
			c.w.AppendBulkString("off")
			c.w.AppendBulkString("redirect")
			c.w.AppendInt(-1)
			c.w.AppendBulkString("prefixes")
			c.w.AppendArrayLen(0)
		})
	sub("unblock", -3, flagAdmin, "Unblocks a client blocked by a blocking command from a different connection.", "client-id [TIMEOUT | ERROR]", cmdClientUnblock) // cmd_unblock.go
	sub("pause", -3, flagAdmin, "Suspends commands processing.", "timeout [WRITE | ALL]", cmdClientPause)                                                          // cmd_pause.go
	sub("unpause", 2, flagAdmin, "Resumes processing commands from paused clients.", "", func(c *Conn, a [][]byte, _ *potato.Tx) {
		c.s.pause.lift()
		c.w.AppendOK()
	})
	onOff("no-evict", "Sets the client eviction mode of the connection.", func(c *Conn, on bool) { c.noEvict = on })
	onOff("no-touch", "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", func(c *Conn, on bool) { c.noTouch = on })
	sub("help", 2, 0, "Returns helpful text about the different subcommands.", "", helpReply("CLIENT", []string{
		"GETNAME", "    Return the name of the current connection.",
		"GETREDIR", "    Return the client ID we are redirecting to when tracking is enabled.",
		"ID", "    Return the ID of the current connection.",
		"INFO", "    Return information about the current client connection.",
		"KILL <ip:port>", "    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)", "      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
		"    * USER <username>", "      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
		"    * ID <client-id>", "      Kill connections by client id.",
		"LIST [options ...]", "    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
		"NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
		"SETNAME <name>", "    Assign the name <name> to the current connection.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
		"TRACKINGINFO", "    Report tracking status for the current connection.",
	}))
}

func validClientName(b []byte) bool {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

func cmdPing(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) > 2 {
		c.replyErr("ERR wrong number of arguments for 'ping' command")
		return
	}
	if c.subscribedRESP2() {
		// Redis's reply in RESP2 subscribed mode: ["pong", message].
		c.w.AppendArrayLen(2)
		c.w.AppendBulkString("pong")
		if len(a) == 2 {
			c.w.AppendBulk(a[1])
		} else {
			c.w.AppendBulkString("")
		}
		return
	}
	if len(a) == 2 {
		c.w.AppendBulk(a[1])
		return
	}
	c.w.AppendSimple("PONG")
}

func cmdSelect(c *Conn, a [][]byte, tx *potato.Tx) {
	v, err := parseInt32(a[1])
	if err != nil {
		c.replyError(err)
		return
	}
	db, err := c.db.Select(v)
	if err != nil {
		c.replyError(err)
		return
	}
	if tx != nil {
		tx.Select(v)
	}
	c.db = db
	c.w.AppendOK()
}

func cmdHello(c *Conn, a [][]byte, _ *potato.Tx) {
	proto := c.w.Proto()
	j := 1
	if len(a) >= 2 {
		v, ok := parseProto(a[1])
		if !ok {
			c.replyErr("ERR Protocol version is not an integer or out of range")
			return
		}
		if v < 2 || v > 3 {
			c.replyErr("NOPROTO unsupported protocol version")
			return
		}
		proto = int(v)
		j = 2
	}
	for ; j < len(a); j++ {
		more := len(a) - j - 1
		switch {
		case eqFold(a[j], "auth") && more >= 2:
			if msg := c.s.checkAuth(string(a[j+1]), string(a[j+2])); msg != "" {
				c.replyErr(msg)
				return
			}
			c.login(string(a[j+1])) // acl.go
			j += 2
		case eqFold(a[j], "setname") && more >= 1:
			if !validClientName(a[j+1]) {
				c.replyErr("ERR Client names cannot contain spaces, newlines or special characters.")
				return
			}
			// Redis 7.0 applies AUTH and SETNAME as it parses them: a
			// later bad option does not undo an earlier name.
			c.name = string(a[j+1])
			j++
		default:
			c.replyErr(sanitize(fmt.Sprintf("ERR Syntax error in HELLO option '%s'", cText(a[j], 0))))
			return
		}
	}
	if !c.authed && c.s.authRequired(c) { // acl.go
		c.replyErr("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	c.w.SetProto(proto)
	c.w.AppendMapLen(7)
	c.w.AppendBulkString("server")
	c.w.AppendBulkString("redis")
	c.w.AppendBulkString("version")
	c.w.AppendBulkString(redisVersion)
	c.w.AppendBulkString("proto")
	c.w.AppendInt(int64(proto))
	c.w.AppendBulkString("id")
	c.w.AppendInt(c.id)
	c.w.AppendBulkString("mode")
	c.w.AppendBulkString("standalone")
	c.w.AppendBulkString("role")
	c.w.AppendBulkString("master")
	c.w.AppendBulkString("modules")
	c.appendModules() // cmd_json.go
}

func parseProto(b []byte) (int64, bool) {
	v, err := strconv.ParseInt(string(b), 10, 64)
	return v, err == nil
}

func cmdAuth(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) > 3 {
		c.replyErr(errSyntax)
		return
	}
	user, pass := "default", a[len(a)-1]
	if len(a) == 2 {
		if d := c.s.acl.user("default"); d.nopass && d.enabled {
			c.replyErr("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
			return
		}
	} else {
		user = string(a[1])
	}
	// checkAuth (acl.go) compares passwords in constant time.
	if msg := c.s.checkAuth(user, string(pass)); msg != "" {
		c.replyErr(msg)
		return
	}
	c.login(user)
	c.w.AppendOK()
}

// infoLine renders the connection as one CLIENT LIST line (Redis 7.0
// fields; memory figures are this server's).
func (c *Conn) infoLine(self bool) string {
	now := time.Now()
	// Another connection's state is read from what it published.
	var sh connShown
	var qbuf int
	if self {
		sh, qbuf = c.liveShown(), c.r.Buffered()
	} else {
		sh, qbuf = *c.shown.Load(), int(c.qbuf.Load())
	}
	sub, psub, ssub, omem := c.subCounts()
	flags := ""
	if c.s.table.obs.isMonitor(c) {
		flags = "O" // MONITOR (cmd_observe.go)
	}
	if sub+psub+ssub > 0 {
		flags += "P"
	}
	if sh.multi >= 0 {
		flags += "x"
	}
	if flags == "" {
		flags = "N"
	}
	name, _ := c.cmdName.Load().(string)
	idle := now.Sub(time.Unix(0, c.lastCmd.Load()))
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d multi=%d qbuf=%d qbuf-free=0 argv-mem=0 multi-mem=0 rbs=%d rbp=0 obl=0 oll=0 omem=%d tot-mem=0 events=r cmd=%s user=%s redir=-1 resp=%d branch=%s",
		c.id, c.nc.RemoteAddr(), c.nc.LocalAddr(), 8+c.id, sh.name, int64(now.Sub(c.created)/time.Second),
		int64(idle/time.Second), flags, sh.db, sub, psub, ssub, sh.multi, qbuf, 16384, omem, name, c.userName(), sh.proto, sh.branch)
}

func cmdClientList(c *Conn, a [][]byte, _ *potato.Tx) {
	var ids map[int64]bool
	typ := ""
	for j := 2; j < len(a); j++ {
		switch {
		case eqFold(a[j], "type") && j+1 < len(a):
			t := strings.ToLower(string(a[j+1]))
			if t != "normal" && t != "master" && t != "replica" && t != "slave" && t != "pubsub" {
				c.replyErr(sanitize(fmt.Sprintf("ERR Unknown client type '%s'", cText(a[j+1], 0))))
				return
			}
			typ = t
			j++
		case eqFold(a[j], "id") && j+1 < len(a):
			if ids == nil {
				ids = map[int64]bool{}
			}
			for j++; j < len(a); j++ {
				// Any integer is accepted (0 or negative match no client).
				v, err := parseInt(a[j])
				if err != nil {
					c.replyErr("ERR Invalid client ID")
					return
				}
				ids[v] = true
			}
		default:
			c.replyErr(errSyntax)
			return
		}
	}
	var b strings.Builder
	for _, o := range c.s.connsByID() {
		if (ids != nil && !ids[o.id]) || (typ != "" && typ != o.clientType()) {
			continue
		}
		b.WriteString(o.infoLine(o == c))
		b.WriteByte('\n')
	}
	c.w.AppendVerbatim("txt", []byte(b.String()))
}

func (s *Server) connsByID() []*Conn {
	s.mu.Lock()
	out := make([]*Conn, 0, len(s.conns))
	for o := range s.conns {
		out = append(out, o)
	}
	s.mu.Unlock()
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].id < out[j-1].id; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func cmdClientKill(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) == 3 {
		// Old form: CLIENT KILL ip:port.
		for _, o := range c.s.connsByID() {
			if o.nc.RemoteAddr().String() == string(a[2]) {
				o.kill(c)
				c.w.AppendOK()
				return
			}
		}
		c.replyErr("ERR No such client")
		return
	}
	var id int64
	var addr, laddr, user string
	skipme := true
	typ := ""
	for j := 2; j < len(a); j += 2 {
		if j+1 >= len(a) {
			c.replyErr(errSyntax)
			return
		}
		v := string(a[j+1])
		switch {
		case eqFold(a[j], "id"):
			n, err := parseInt(a[j+1])
			if err != nil || n <= 0 {
				c.replyErr("ERR client-id should be greater than 0")
				return
			}
			id = n
		case eqFold(a[j], "addr"):
			addr = v
		case eqFold(a[j], "laddr"):
			laddr = v
		case eqFold(a[j], "user"):
			user = v
		case eqFold(a[j], "type"):
			typ = strings.ToLower(v)
			if typ != "normal" && typ != "master" && typ != "replica" && typ != "slave" && typ != "pubsub" {
				c.replyErr(sanitize(fmt.Sprintf("ERR Unknown client type '%s'", cText(a[j+1], 0))))
				return
			}
		case eqFold(a[j], "skipme"):
			switch {
			case eqFold(a[j+1], "yes"):
				skipme = true
			case eqFold(a[j+1], "no"):
				skipme = false
			default:
				c.replyErr(errSyntax)
				return
			}
		default:
			c.replyErr(errSyntax)
			return
		}
	}
	if user != "" && c.s.acl.user(user) == nil { // acl.go
		c.replyErr(sanitize(fmt.Sprintf("ERR No such user '%s'", user)))
		return
	}
	n := int64(0)
	for _, o := range c.s.connsByID() {
		if (id != 0 && o.id != id) || (addr != "" && o.nc.RemoteAddr().String() != addr) ||
			(laddr != "" && o.nc.LocalAddr().String() != laddr) || (user != "" && user != o.userName()) ||
			(typ != "" && typ != o.clientType()) || (skipme && o == c) {
			continue
		}
		o.kill(c)
		n++
	}
	c.w.AppendInt(n)
}

// kill closes o; if o is the caller, after its reply is written.
func (o *Conn) kill(caller *Conn) {
	if o == caller {
		o.closeAfter = true
		return
	}
	o.close()
}

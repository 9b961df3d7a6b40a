package server

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"rustypotato"
	"rustypotato/internal/keyspace"
)

// ACL users, Redis 7 style. Command permissions are derived from the
// command table: a category rule (+@hash) covers every command and
// subcommand whose Categories list it.
//
// Differences from Redis 7.0, on purpose or for now: selectors
// "(...)" are refused; ACL LIST describes command rules in the order they
// were given (Redis 7.2's form) rather than 7.0's recomputed one; key
// permissions are read for read-only commands and write for writing ones
// (Redis refines this per key spec).

// aclUser is one user. It is immutable once published: SETUSER builds a
// new one and swaps it in, so a connection holding a user never sees a
// half-applied change (it re-reads the current one by name).
type aclUser struct {
	name      string
	enabled   bool
	nopass    bool
	passwords []string // sha256 hex, in the order added
	sanitize  string   // "", "sanitize-payload" or "skip-sanitize-payload" (shown only)

	allCommands bool      // +@all: future commands too
	cmdRules    []aclRule // after the +@all/-@all base, deduplicated
	allowed     map[*Command]bool

	allKeys bool
	keys    []keyPattern
	allChan bool
	chans   []string
}

type aclRule struct {
	allow bool
	name  string // "get", "config|get", "@hash"
}

type keyPattern struct {
	pat         string
	read, write bool
}

// acl is the server's user table. Readers (every command) load the
// current map without locking; writers, holding mu, publish a new copy.
type acl struct {
	mu    sync.RWMutex // serializes changes; guards log
	table atomic.Pointer[map[string]*aclUser]
	log   []*aclLogEntry // newest first
}

// all returns the current users; the map must not be modified.
func (a *acl) all() map[string]*aclUser { return *a.table.Load() }

// set publishes a copy of the users with name set to u (deleted if nil).
// The caller holds mu.
func (a *acl) set(name string, u *aclUser) {
	m := make(map[string]*aclUser, len(a.all())+1)
	for k, v := range a.all() {
		m[k] = v
	}
	if u == nil {
		delete(m, name)
	} else {
		m[name] = u
	}
	a.table.Store(&m)
}

type aclLogEntry struct {
	count                         int64
	reason, context, object, user string
	created, updated              time.Time
	clientInfo                    string
}

func newACL(t *table) *acl {
	a := &acl{}
	a.table.Store(&map[string]*aclUser{"default": defaultUser(t)})
	return a
}

func defaultUser(t *table) *aclUser {
	u := &aclUser{name: "default", enabled: true, nopass: true, allCommands: true, allKeys: true, allChan: true}
	u.compile(t)
	return u
}

func (u *aclUser) clone() *aclUser {
	n := *u
	n.passwords = append([]string(nil), u.passwords...)
	n.cmdRules = append([]aclRule(nil), u.cmdRules...)
	n.keys = append([]keyPattern(nil), u.keys...)
	n.chans = append([]string(nil), u.chans...)
	return &n
}

// compile computes the set of allowed commands from the rules.
func (u *aclUser) compile(t *table) {
	u.allowed = map[*Command]bool{}
	each := func(fn func(c *Command)) {
		for _, c := range t.cmds {
			fn(c)
			for _, sc := range c.sub {
				fn(sc)
			}
		}
	}
	if u.allCommands {
		each(func(c *Command) { u.allowed[c] = true })
	}
	for _, r := range u.cmdRules {
		if cat, ok := strings.CutPrefix(r.name, "@"); ok {
			each(func(c *Command) {
				if cat == "all" || hasCategory(c, cat) {
					u.allowed[c] = r.allow
				}
			})
			continue
		}
		c := lookupACLCommand(t, r.name)
		u.allowed[c] = r.allow
		if c.parent == nil {
			for _, sc := range c.sub {
				u.allowed[sc] = r.allow
			}
		}
	}
}

func hasCategory(c *Command, cat string) bool {
	for _, x := range c.Categories {
		if x == cat {
			return true
		}
	}
	return false
}

// lookupACLCommand finds "get" or "config|get"; nil if there is none.
func lookupACLCommand(t *table, name string) *Command {
	name = strings.ToLower(name)
	parent, sub, hasSub := strings.Cut(name, "|")
	c := t.cmds[parent]
	if c == nil || !hasSub {
		return c
	}
	return c.sub[sub]
}

// aclCategories lists every category of the command table, in Redis's
// ACL CAT order where Redis has it.
var redisCategories = []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
	"transaction", "scripting"}

func isCategory(name string) bool {
	if name == "all" || name == "json" { // json: the JSON family (cmd_json.go)
		return true
	}
	for _, c := range redisCategories {
		if c == name {
			return true
		}
	}
	return false
}

func hashPassword(p string) string {
	h := sha256.Sum256([]byte(p))
	return hex.EncodeToString(h[:])
}

// setOp applies one ACL SETUSER modifier; the error is Redis's reason.
func (u *aclUser) setOp(t *table, op string) error {
	lop := strings.ToLower(op)
	switch {
	case lop == "on":
		u.enabled = true
	case lop == "off":
		u.enabled = false
	case lop == "nopass":
		u.nopass = true
		u.passwords = nil
	case lop == "resetpass":
		u.nopass = false
		u.passwords = nil
	case lop == "allkeys" || op == "~*":
		u.allKeys = true
		u.keys = nil
	case lop == "resetkeys":
		u.allKeys = false
		u.keys = nil
	case lop == "allchannels" || op == "&*":
		u.allChan = true
		u.chans = nil
	case lop == "resetchannels":
		u.allChan = false
		u.chans = nil
	case lop == "allcommands" || lop == "+@all":
		u.allCommands = true
		u.cmdRules = nil
	case lop == "nocommands" || lop == "-@all":
		u.allCommands = false
		u.cmdRules = nil
	case lop == "reset":
		*u = aclUser{name: u.name, sanitize: "sanitize-payload"}
	case lop == "sanitize-payload" || lop == "skip-sanitize-payload":
		u.sanitize = lop // shown; there is no RESTORE to sanitize
	case strings.HasPrefix(op, ">"):
		h := hashPassword(op[1:])
		u.removePassword(h)
		u.passwords = append(u.passwords, h)
		u.nopass = false
	case strings.HasPrefix(op, "#"):
		h := op[1:]
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			return fmt.Errorf("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters")
		}
		u.removePassword(h)
		u.passwords = append(u.passwords, h)
		u.nopass = false
	case strings.HasPrefix(op, "<") || strings.HasPrefix(op, "!"):
		h := op[1:]
		if op[0] == '<' {
			h = hashPassword(h)
		} else if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			return fmt.Errorf("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters")
		}
		if !u.removePassword(h) {
			return fmt.Errorf("The password you are trying to remove from the user does not exist")
		}
	case strings.HasPrefix(op, "~") || strings.HasPrefix(op, "%"):
		kp := keyPattern{read: true, write: true}
		pat := op[1:]
		if op[0] == '%' {
			perm, rest, ok := strings.Cut(op[1:], "~")
			if !ok || perm == "" {
				return fmt.Errorf("Syntax error")
			}
			kp.read, kp.write = false, false
			for _, ch := range strings.ToUpper(perm) {
				switch ch {
				case 'R':
					kp.read = true
				case 'W':
					kp.write = true
				default:
					return fmt.Errorf("Syntax error")
				}
			}
			pat = rest
		}
		if u.allKeys {
			return fmt.Errorf("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns")
		}
		if kp.read && kp.write && pat == "*" {
			u.allKeys, u.keys = true, nil
			return nil
		}
		kp.pat = pat
		for i, k := range u.keys {
			if k.pat == pat {
				u.keys[i].read = k.read || kp.read
				u.keys[i].write = k.write || kp.write
				return nil
			}
		}
		u.keys = append(u.keys, kp)
	case strings.HasPrefix(op, "&"):
		if u.allChan {
			return fmt.Errorf("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels")
		}
		for _, c := range u.chans {
			if c == op[1:] {
				return nil
			}
		}
		u.chans = append(u.chans, op[1:])
	case strings.HasPrefix(op, "+") || strings.HasPrefix(op, "-"):
		allow := op[0] == '+'
		name := strings.ToLower(op[1:])
		if cat, ok := strings.CutPrefix(name, "@"); ok {
			if !isCategory(cat) {
				return fmt.Errorf("Unknown command or category name in ACL")
			}
		} else {
			c := lookupACLCommand(t, name)
			if c == nil {
				if p, _, ok := strings.Cut(name, "|"); ok && t.cmds[p] != nil && t.cmds[p].sub == nil {
					return fmt.Errorf("Allowing first-arg of a subcommand is not supported")
				}
				return fmt.Errorf("Unknown command or category name in ACL")
			}
			name = c.FullName()
		}
		u.updateRule(aclRule{allow: allow, name: name})
	case strings.HasPrefix(op, "("):
		return fmt.Errorf("Syntax error") // selectors: not supported
	default:
		return fmt.Errorf("Syntax error")
	}
	return nil
}

// updateRule drops an earlier rule on the same name (for a command, also
// rules on its subcommands) and appends r, as Redis's
// ACLUpdateCommandRules does.
func (u *aclUser) updateRule(r aclRule) {
	out := u.cmdRules[:0]
	for _, x := range u.cmdRules {
		if x.name == r.name || (!strings.HasPrefix(r.name, "@") && !strings.Contains(r.name, "|") && strings.HasPrefix(x.name, r.name+"|")) {
			continue
		}
		out = append(out, x)
	}
	u.cmdRules = append(out, r)
}

func (u *aclUser) removePassword(h string) bool {
	for i, p := range u.passwords {
		if p == h {
			u.passwords = append(u.passwords[:i], u.passwords[i+1:]...)
			return true
		}
	}
	return false
}

// describe is the user's ACL LIST line after "user <name> ".
func (u *aclUser) describe() string {
	var b []string
	b = append(b, map[bool]string{true: "on", false: "off"}[u.enabled])
	if u.nopass {
		b = append(b, "nopass")
	}
	if u.sanitize != "" {
		b = append(b, u.sanitize)
	}
	for _, p := range u.passwords {
		b = append(b, "#"+p)
	}
	if k := u.keysText(); k != "" {
		b = append(b, k)
	}
	b = append(b, u.chansText(true))
	b = append(b, u.commandsText())
	return strings.Join(b, " ")
}

func (u *aclUser) keysText() string {
	if u.allKeys {
		return "~*"
	}
	var b []string
	for _, k := range u.keys {
		switch {
		case k.read && k.write:
			b = append(b, "~"+k.pat)
		case k.read:
			b = append(b, "%R~"+k.pat)
		default:
			b = append(b, "%W~"+k.pat)
		}
	}
	return strings.Join(b, " ")
}

func (u *aclUser) chansText(withReset bool) string {
	if u.allChan {
		return "&*"
	}
	var b []string
	if withReset {
		b = append(b, "resetchannels")
	}
	for _, c := range u.chans {
		b = append(b, "&"+c)
	}
	return strings.Join(b, " ")
}

func (u *aclUser) commandsText() string {
	b := []string{"-@all"}
	if u.allCommands {
		b[0] = "+@all"
	}
	for _, r := range u.cmdRules {
		b = append(b, map[bool]string{true: "+", false: "-"}[r.allow]+r.name)
	}
	return strings.Join(b, " ")
}

func (u *aclUser) checkPassword(pass string) bool {
	if !u.enabled {
		return false
	}
	if u.nopass {
		return true
	}
	h := hashPassword(pass)
	ok := 0
	for _, p := range u.passwords {
		ok |= subtle.ConstantTimeCompare([]byte(p), []byte(h))
	}
	return ok == 1
}

// user returns the current definition of the named user, or nil.
func (a *acl) user(name string) *aclUser {
	return a.all()[name]
}

// authRequired reports whether c must authenticate before running
// commands: the default user has a password or is off, and c has not
// authenticated.
func (s *Server) authRequired(c *Conn) bool {
	if c.authed {
		return false
	}
	d := s.acl.user("default")
	return !d.nopass || !d.enabled
}

// checkAuth validates credentials and returns the error reply, or "" on
// success. The password comparison is constant-time.
func (s *Server) checkAuth(user, pass string) string {
	u := s.acl.user(user)
	if u == nil || !u.checkPassword(pass) {
		s.acl.addLog("auth", "toplevel", "AUTH", user, "")
		return "WRONGPASS invalid username-password pair or user is disabled."
	}
	return ""
}

// login authenticates c as user after a successful checkAuth.
func (c *Conn) login(user string) {
	c.user.Store(user)
	c.authed = true
	c.r.SetAuthRequired(false)
}

// userName is the name of the user c runs as.
func (c *Conn) userName() string {
	if u, _ := c.user.Load().(string); u != "" {
		return u
	}
	return "default"
}

// connUser returns the user c runs as.
func (c *Conn) connUser() *aclUser {
	if u := c.s.acl.user(c.userName()); u != nil {
		return u
	}
	return c.s.acl.user("default")
}

// aclCheck returns the NOPERM reply for c running cmd with args, or "".
// The reason for ACL LOG goes in reason/object.
func (s *Server) aclCheck(u *aclUser, cmd *Command, args [][]byte, keys []string) (reason, object string) {
	// Commands flagged no-auth (AUTH, HELLO, QUIT, RESET) skip the
	// command check, as in Redis's ACLSelectorCheckCmd: a user may
	// always log in as someone else, reset or leave.
	if !u.allowed[cmd] && cmd.Flags&flagNoAuth == 0 {
		return "command", cmd.FullName()
	}
	// Shard channels sit in the key spec for cluster slots but are not
	// keys (Redis marks them NOT_KEY): channels rules cover them.
	if !u.allKeys && len(keys) > 0 && cmd.Flags&flagPubSub == 0 {
		write := cmd.Flags&flagWrite != 0
		for _, k := range keys {
			if !u.keyAllowed(k, write) {
				return "key", k
			}
		}
	}
	if !u.allChan && cmd.Flags&flagPubSub != 0 {
		var chans [][]byte
		pattern := false
		switch cmd.Name {
		case "publish", "spublish":
			chans = args[1:2]
		case "subscribe", "ssubscribe":
			chans = args[1:]
		case "psubscribe":
			chans, pattern = args[1:], true
		}
		for _, ch := range chans {
			if !u.chanAllowed(string(ch), pattern) {
				return "channel", string(ch)
			}
		}
	}
	return "", ""
}

func (u *aclUser) keyAllowed(k string, write bool) bool {
	for _, p := range u.keys {
		if (write && !p.write) || (!write && !p.read) {
			continue
		}
		if keyspace.Match(p.pat, k, false) {
			return true
		}
	}
	return false
}

func (u *aclUser) chanAllowed(ch string, pattern bool) bool {
	for _, p := range u.chans {
		if pattern {
			if p == ch {
				return true
			}
		} else if keyspace.Match(p, ch, false) {
			return true
		}
	}
	return false
}

func nopermText(reason, object string) string {
	switch reason {
	case "command":
		return "NOPERM this user has no permissions to run the '" + object + "' command"
	case "key":
		return "NOPERM this user has no permissions to access one of the keys used as arguments"
	default:
		return "NOPERM this user has no permissions to access one of the channels used as arguments"
	}
}

// aclDeny checks cmd against c's user before it runs or is queued; on a
// denial it replies, logs the entry for ACL LOG and returns true.
func (c *Conn) aclDeny(cmd *Command, args [][]byte) bool {
	u := c.connUser()
	if u.allCommands && len(u.cmdRules) == 0 && u.allKeys && u.allChan {
		return false // the common case: the unrestricted default user
	}
	var keys []string
	if !u.allKeys {
		keys = append(keys, c.keysOf(cmd, args)...)
	}
	reason, object := c.s.aclCheck(u, cmd, args, keys)
	if reason == "" {
		return false
	}
	ctx := "toplevel"
	if c.multi != nil {
		ctx = "multi"
	}
	c.s.acl.addLog(reason, ctx, object, u.name, c.infoLine(true))
	c.rejectQueued()
	c.replyErr(nopermText(reason, object))
	return true
}

// aclExecDeny re-checks a queued command at EXEC, as Redis does, and
// returns the error reply if the user's rules no longer allow it.
func (c *Conn) aclExecDeny(cmd *Command, args [][]byte) string {
	u := c.connUser()
	if u.allCommands && len(u.cmdRules) == 0 && u.allKeys && u.allChan {
		return ""
	}
	var keys []string
	if !u.allKeys {
		keys = append(keys, c.keysOf(cmd, args)...)
	}
	reason, object := c.s.aclCheck(u, cmd, args, keys)
	if reason == "" {
		return ""
	}
	c.s.acl.addLog(reason, "multi", object, u.name, c.infoLine(true))
	why := "no permission to execute the command or subcommand"
	switch reason {
	case "key":
		why = "no permission to touch the specified keys"
	case "channel":
		why = "no permission to access one of the channels used as arguments"
	}
	return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + why
}

func (a *acl) addLog(reason, ctx, object, user, client string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for _, e := range a.log {
		if e.reason == reason && e.context == ctx && e.object == object && e.user == user && now.Sub(e.updated) < time.Minute {
			e.count++
			e.updated = now
			e.clientInfo = client
			return
		}
	}
	a.log = append([]*aclLogEntry{{count: 1, reason: reason, context: ctx, object: object, user: user,
		created: now, updated: now, clientInfo: client}}, a.log...)
	if len(a.log) > 128 {
		a.log = a.log[:128]
	}
}

// addAuthConfig registers requirepass (the default user's password).
func addAuthConfig(cfg *config) {
	cfg.add(&param{name: "requirepass", typ: "string", def: "",
		doc: "Password of the default user (AUTH <password>); empty means none (nopass).",
		get: func(s *Server) string {
			s.acl.mu.RLock()
			defer s.acl.mu.RUnlock()
			return s.requirepass
		},
		set: func(s *Server, v string) error {
			s.acl.mu.Lock()
			defer s.acl.mu.Unlock()
			u := s.acl.all()["default"].clone()
			u.passwords = nil
			if v == "" {
				u.nopass = true
			} else {
				u.nopass = false
				u.passwords = []string{hashPassword(v)}
			}
			u.compile(s.table)
			s.acl.set("default", u)
			s.requirepass = v
			return nil
		}})
}

func registerACL(t *table) {
	acl := t.add(&Command{Name: "acl", Arity: -2, Categories: cats("slow"), Since: "6.0.0", Group: "server",
		Summary: "A container for Access List Control commands.", Complexity: "Depends on subcommand."})
	sub := func(name string, arity int, cat, summary, syntax string, fn connFunc) {
		f := flagNoScript | flagLoading | flagStale
		if strings.Contains(cat, "admin") {
			f |= flagAdmin
		}
		t.addSub(acl, &Command{Name: name, Arity: arity, Flags: f, Categories: cats(cat), Since: "6.0.0",
			Summary: summary, Complexity: "O(1)", Syntax: syntax, conn: fn})
	}
	sub("setuser", -3, "admin slow dangerous", "Creates and modifies an ACL user and its rules.", "username [rule [rule ...]]", cmdACLSetUser)
	sub("deluser", -3, "admin slow dangerous", "Deletes ACL users, and terminates their connections.", "username [username ...]", cmdACLDelUser)
	sub("getuser", 3, "admin slow dangerous", "Lists the ACL rules of a user.", "username", cmdACLGetUser)
	sub("list", 2, "admin slow dangerous", "Dumps the effective rules in ACL file format.", "", func(c *Conn, a [][]byte, _ *potato.Tx) {
		lines := c.s.aclLines()
		c.w.AppendArrayLen(len(lines))
		for _, l := range lines {
			c.w.AppendBulkString(l)
		}
	})
	sub("users", 2, "admin slow dangerous", "Lists all ACL users.", "", func(c *Conn, a [][]byte, _ *potato.Tx) {
		names := make([]string, 0, len(c.s.acl.all()))
		for n := range c.s.acl.all() {
			names = append(names, n)
		}
		sort.Strings(names)
		c.w.AppendArrayLen(len(names))
		for _, n := range names {
			c.w.AppendBulkString(n)
		}
	})
	sub("whoami", 2, "slow", "Returns the authenticated username of the current connection.", "", func(c *Conn, a [][]byte, _ *potato.Tx) {
		c.w.AppendBulkString(c.connUser().name)
	})
	sub("cat", -2, "slow", "Lists the ACL categories, or the commands inside a category.", "[category]", cmdACLCat)
	sub("log", -2, "admin slow dangerous", "Lists recent security events generated due to ACL rules.", "[count | RESET]", cmdACLLog)
	sub("dryrun", -4, "admin slow dangerous", "Simulates the execution of a command by a user, without executing the command.", "username command [arg [arg ...]]", cmdACLDryRun)
	sub("genpass", -2, "slow", "Generates a pseudorandom, secure password that can be used to identify ACL users.", "[bits]", cmdACLGenPass)
	sub("save", 2, "admin slow dangerous", "Saves the effective ACL rules in the configured ACL file.", "", cmdACLSave)
	sub("load", 2, "admin slow dangerous", "Reloads the rules from the configured ACL file.", "", cmdACLLoad)
	sub("help", 2, "slow", "Returns helpful text about the different subcommands.", "", helpReply("ACL", []string{
		"CAT [<category>]", "    List all commands that belong to <category>, or all command categories",
		"    when no category is specified.",
		"DELUSER <username> [<username> ...]", "    Delete a list of users.",
		"DRYRUN <username> <command> [<arg> ...]", "    Returns whether the user can execute the given command without executing the command.",
		"GETUSER <username>", "    Get the user's details.",
		"GENPASS [<bits>]", "    Generate a secure 256-bit user password. The optional `bits` argument can",
		"    be used to specify a different size.",
		"LIST", "    Show users details in config file format.",
		"LOAD", "    Reload users from the ACL file.",
		"LOG [<count> | RESET]", "    Show the ACL log entries.",
		"SAVE", "    Save the current config to the ACL file.",
		"SETUSER <username> <attribute> [<attribute> ...]", "    Create or modify a user with the specified attributes.",
		"USERS", "    List all the registered usernames.",
		"WHOAMI", "    Return the current connection username.",
	}))
}

func (s *Server) aclLines() []string {
	users := s.acl.all()
	names := make([]string, 0, len(users))
	for n := range users {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		out = append(out, "user "+n+" "+users[n].describe())
	}
	return out
}

func cmdACLSetUser(c *Conn, a [][]byte, _ *potato.Tx) {
	name := string(a[2])
	s := c.s
	s.acl.mu.Lock()
	defer s.acl.mu.Unlock()
	u := s.acl.all()[name]
	if u == nil {
		u = &aclUser{name: name}
	} else {
		u = u.clone()
	}
	for _, op := range a[3:] {
		if err := u.setOp(s.table, string(op)); err != nil {
			c.replyErr(sanitize(fmt.Sprintf("ERR Error in ACL SETUSER modifier '%s': %v", cText(op, 0), err)))
			return
		}
	}
	u.name = name
	u.compile(s.table)
	s.acl.set(name, u)
	c.w.AppendOK()
}

func cmdACLDelUser(c *Conn, a [][]byte, _ *potato.Tx) {
	s := c.s
	var deleted []string
	s.acl.mu.Lock()
	for _, n := range a[2:] {
		if string(n) == "default" {
			s.acl.mu.Unlock()
			c.replyErr("ERR The 'default' user cannot be removed")
			return
		}
	}
	for _, n := range a[2:] {
		if _, ok := s.acl.all()[string(n)]; ok {
			s.acl.set(string(n), nil)
			deleted = append(deleted, string(n))
		}
	}
	s.acl.mu.Unlock()
	// Connections authenticated as a deleted user are closed.
	s.mu.Lock()
	for o := range s.conns {
		for _, n := range deleted {
			if o.userName() == n {
				if o == c {
					c.closeAfter = true
				} else {
					o.close()
				}
			}
		}
	}
	s.mu.Unlock()
	c.w.AppendInt(int64(len(deleted)))
}

func cmdACLGetUser(c *Conn, a [][]byte, _ *potato.Tx) {
	u := c.s.acl.user(string(a[2]))
	if u == nil {
		c.w.AppendNull()
		return
	}
	c.w.AppendMapLen(6)
	c.w.AppendBulkString("flags")
	flags := []string{map[bool]string{true: "on", false: "off"}[u.enabled]}
	if u.nopass {
		flags = append(flags, "nopass")
	}
	if u.sanitize != "" {
		flags = append(flags, u.sanitize)
	}
	c.w.AppendArrayLen(len(flags))
	for _, f := range flags {
		c.w.AppendBulkString(f)
	}
	c.w.AppendBulkString("passwords")
	c.w.AppendArrayLen(len(u.passwords))
	for _, p := range u.passwords {
		c.w.AppendBulkString(p)
	}
	c.w.AppendBulkString("commands")
	c.w.AppendBulkString(u.commandsText())
	c.w.AppendBulkString("keys")
	c.w.AppendBulkString(u.keysText())
	c.w.AppendBulkString("channels")
	c.w.AppendBulkString(u.chansText(false))
	c.w.AppendBulkString("selectors")
	c.w.AppendArrayLen(0)
}

func cmdACLCat(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) > 3 {
		c.replyErr("ERR Unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.")
		return
	}
	if len(a) == 2 {
		c.w.AppendArrayLen(len(redisCategories))
		for _, cat := range redisCategories {
			c.w.AppendBulkString(cat)
		}
		return
	}
	cat := strings.ToLower(string(a[2]))
	if !isCategory(cat) || cat == "all" {
		c.replyErr(sanitize(fmt.Sprintf("ERR Unknown category '%s'", cText(a[2], 0))))
		return
	}
	var names []string
	for _, cmd := range c.s.table.sorted() {
		if hasCategory(cmd, cat) {
			names = append(names, cmd.Name)
		}
		for _, sc := range cmd.sub {
			if hasCategory(sc, cat) {
				names = append(names, sc.FullName())
			}
		}
	}
	c.w.AppendArrayLen(len(names))
	for _, n := range names {
		c.w.AppendBulkString(n)
	}
}

func cmdACLLog(c *Conn, a [][]byte, _ *potato.Tx) {
	if len(a) > 3 {
		c.replyErr("ERR Unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP.")
		return
	}
	n := int64(10)
	if len(a) == 3 {
		if eqFold(a[2], "reset") {
			c.s.acl.mu.Lock()
			c.s.acl.log = nil
			c.s.acl.mu.Unlock()
			c.w.AppendOK()
			return
		}
		v, err := strconv.ParseInt(string(a[2]), 10, 64)
		if err != nil {
			c.replyErr("ERR value is not an integer or out of range")
			return
		}
		n = max(v, 0)
	}
	c.s.acl.mu.RLock()
	entries := c.s.acl.log
	if int64(len(entries)) > n {
		entries = entries[:n]
	}
	entries = append([]*aclLogEntry(nil), entries...)
	c.s.acl.mu.RUnlock()
	now := time.Now()
	c.w.AppendArrayLen(len(entries))
	for _, e := range entries {
		c.w.AppendMapLen(7)
		c.w.AppendBulkString("count")
		c.w.AppendInt(e.count)
		for _, kv := range [][2]string{{"reason", e.reason}, {"context", e.context}, {"object", e.object}, {"username", e.user}} {
			c.w.AppendBulkString(kv[0])
			c.w.AppendBulkString(kv[1])
		}
		c.w.AppendBulkString("age-seconds")
		c.w.AppendDouble(now.Sub(e.created).Seconds())
		c.w.AppendBulkString("client-info")
		c.w.AppendBulkString(e.clientInfo)
	}
}

func cmdACLDryRun(c *Conn, a [][]byte, _ *potato.Tx) {
	u := c.s.acl.user(string(a[2]))
	if u == nil {
		c.replyErr(sanitize(fmt.Sprintf("ERR User '%s' not found", cText(a[2], 0))))
		return
	}
	args := a[3:]
	cmd := c.s.table.cmds[strings.ToLower(string(args[0]))]
	if cmd == nil {
		c.replyErr(sanitize(fmt.Sprintf("ERR Command '%s' not found", cText(args[0], 0))))
		return
	}
	if cmd.sub != nil && len(args) >= 2 {
		if sc := cmd.sub[strings.ToLower(string(args[1]))]; sc != nil {
			cmd = sc
		}
	}
	if !cmd.arityOK(len(args)) {
		c.replyErr("ERR wrong number of arguments for '" + cmd.FullName() + "' command")
		return
	}
	keys := append([]string(nil), c.keysOf(cmd, args)...)
	reason, object := c.s.aclCheck(u, cmd, args, keys)
	switch reason {
	case "":
		c.w.AppendOK()
	case "command":
		c.w.AppendBulkString("This user has no permissions to run the '" + object + "' command")
	case "key":
		c.w.AppendBulkString("This user has no permissions to access the '" + object + "' key")
	default:
		c.w.AppendBulkString("This user has no permissions to access the '" + object + "' channel")
	}
}

func cmdACLGenPass(c *Conn, a [][]byte, _ *potato.Tx) {
	bits := int64(256)
	if len(a) > 3 {
		c.replyErr("ERR Unknown subcommand or wrong number of arguments for 'GENPASS'. Try ACL HELP.")
		return
	}
	if len(a) == 3 {
		v, err := strconv.ParseInt(string(a[2]), 10, 64)
		if err != nil || v <= 0 || v > 4096 {
			c.replyErr("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
			return
		}
		bits = v
	}
	b := make([]byte, (bits+7)/8)
	rand.Read(b)
	c.w.AppendBulkString(hex.EncodeToString(b)[:(bits+3)/4])
}

const errNoACLFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

func (s *Server) aclFile() string {
	v, _ := s.ConfigValue("aclfile")
	return v
}

func cmdACLSave(c *Conn, a [][]byte, _ *potato.Tx) {
	path := c.s.aclFile()
	if path == "" {
		c.replyErr(errNoACLFile)
		return
	}
	data := strings.Join(c.s.aclLines(), "\n") + "\n"
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		c.replyErr("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		c.s.log.Warn("ACL SAVE failed", "err", err)
		return
	}
	if err := os.Rename(tmp, path); err != nil {
		c.replyErr("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		c.s.log.Warn("ACL SAVE failed", "err", err)
		return
	}
	c.w.AppendOK()
}

func cmdACLLoad(c *Conn, a [][]byte, _ *potato.Tx) {
	path := c.s.aclFile()
	if path == "" {
		c.replyErr(errNoACLFile)
		return
	}
	if err := c.s.loadACLFile(path); err != nil {
		c.replyErr(sanitize("ERR " + err.Error()))
		return
	}
	c.w.AppendOK()
}

// loadACLFile replaces the users with those of an ACL file ("user <name>
// <rules...>" lines); a bad file changes nothing.
func (s *Server) loadACLFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	users := map[string]*aclUser{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		w, err := splitConfigLine(line)
		if err != nil || len(w) < 2 || w[0] != "user" {
			return fmt.Errorf("%s:%d: should start with user keyword", path, n)
		}
		u := &aclUser{name: w[1]}
		for _, op := range w[2:] {
			if err := u.setOp(s.table, op); err != nil {
				return fmt.Errorf("%s:%d: Error in user declaration '%s': %v", path, n, op, err)
			}
		}
		u.compile(s.table)
		users[u.name] = u
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if users["default"] == nil {
		users["default"] = defaultUser(s.table)
	}
	s.acl.mu.Lock()
	s.acl.table.Store(&users)
	s.acl.mu.Unlock()
	return nil
}

// loadACLFileAtStart loads the configured aclfile, if any (it must exist).
func (s *Server) loadACLFileAtStart() error {
	if p := s.aclFile(); p != "" {
		if err := s.loadACLFile(p); err != nil {
			return fmt.Errorf("aclfile: %v", err)
		}
	}
	return nil
}

// isLoopback reports whether addr is a loopback or Unix-socket peer.
func isLoopback(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

const errProtected = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

// protectedDeny reports whether protected mode refuses a client from
// addr: protected-mode is on, the default user has no password, and the
// client is not on the loopback interface.
func (s *Server) protectedDeny(addr net.Addr) bool {
	if !s.cfg.protected.Load() {
		return false
	}
	d := s.acl.user("default")
	return d.nopass && !isLoopback(addr)
}

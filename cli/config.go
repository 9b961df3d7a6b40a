package cli

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Version is rustypotato-cli's version, printed by --version and help.
const Version = "0.1.0"

// Config is what the command line asks for. Its zero value is not ready:
// start from DefaultConfig (ParseArgs does).
type Config struct {
	Host     string // -h
	Port     int    // -p
	Socket   string // -s: a Unix socket instead of Host and Port
	Password string // -a, --pass, -u, or $REDISCLI_AUTH
	User     string // --user, or the user part of -u
	DB       int    // -n, or the path of -u
	Branch   string // --branch: BRANCH SWITCH to it on connecting

	Timeline bool // --timeline: print the branch's timeline (CHANGES), like git log
	Follow   bool // --follow: with --timeline, keep printing new changes

	Raw   bool // --raw: print replies raw even on a terminal
	NoRaw bool // --no-raw: print replies formatted even into a pipe

	Repeat   int64         // -r: run the command this many times (-1: forever)
	Interval time.Duration // -i: pause between repeats
	RESP3    bool          // -3: switch to RESP3 with HELLO 3 on connect
	StdinArg bool          // -x: read the last argument from standard input
	ExitCode bool          // -e: exit 1 when the command replies with an error

	BulkDelim  string // -d: between the elements of a raw aggregate ("\n")
	ReplyDelim string // -D: after each raw reply ("\n")

	NoAuthWarning bool // --no-auth-warning

	// HistoryFile is where the REPL keeps its history; "" keeps none.
	// DefaultConfig sets $RUSTYPOTATOCLI_HISTFILE if that is set, else
	// ~/.rustypotatocli_history.
	HistoryFile string

	Help    bool // --help
	Version bool // --version

	// Args is the command to run once; empty starts the REPL (or reads
	// commands line by line when standard input is not a terminal).
	Args []string

	passwordFromFlag bool // -a or -u gave the password: warn like redis-cli
}

// DefaultConfig is redis-cli's defaults: 127.0.0.1:6379, database 0, "\n"
// delimiters, one repetition.
func DefaultConfig() Config {
	c := Config{
		Host:       "127.0.0.1",
		Port:       6379,
		Repeat:     1,
		BulkDelim:  "\n",
		ReplyDelim: "\n",
	}
	if p, ok := os.LookupEnv("RUSTYPOTATOCLI_HISTFILE"); ok {
		c.HistoryFile = p
	} else if home, err := os.UserHomeDir(); err == nil {
		c.HistoryFile = home + "/.rustypotatocli_history"
	}
	if p := os.Getenv("REDISCLI_AUTH"); p != "" {
		c.Password = p
	}
	return c
}

// ParseArgs reads redis-cli style options up to the first argument that is
// not an option; that argument and the rest are the command (Config.Args).
// Errors carry the text redis-cli prints for them.
func ParseArgs(args []string) (Config, error) {
	c := DefaultConfig()
	i := 0
	// value returns the option's argument, or an error if there is none.
	value := func() (string, error) {
		if i+1 >= len(args) {
			return "", fmt.Errorf("Unrecognized option or bad number of args for: '%s'", args[i])
		}
		i++
		return args[i], nil
	}
	for ; i < len(args); i++ {
		a := args[i]
		var err error
		var v string
		switch a {
		case "-h":
			c.Host, err = value()
		case "-p":
			if v, err = value(); err == nil {
				c.Port, err = atoiOpt(a, v)
			}
		case "-s":
			c.Socket, err = value()
		case "-a", "--pass":
			c.Password, err = value()
			c.passwordFromFlag = true
		case "--user":
			c.User, err = value()
		case "-u":
			if v, err = value(); err == nil {
				err = c.parseURI(v)
			}
		case "--branch":
			c.Branch, err = value()
		case "--timeline":
			c.Timeline = true
		case "--follow":
			c.Follow = true
		case "-n":
			if v, err = value(); err == nil {
				c.DB, err = atoiOpt(a, v)
			}
		case "-r":
			if v, err = value(); err == nil {
				c.Repeat, err = strconv.ParseInt(v, 10, 64)
				if err != nil {
					err = fmt.Errorf("Invalid value for -r: '%s'", v)
				}
			}
		case "-i":
			if v, err = value(); err == nil {
				var f float64
				f, err = strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > 1e9 {
					err = fmt.Errorf("Invalid value for -i: '%s'", v)
				}
				c.Interval = time.Duration(f * float64(time.Second))
			}
		case "-d":
			c.BulkDelim, err = value()
		case "-D":
			c.ReplyDelim, err = value()
		case "-2":
			c.RESP3 = false
		case "-3":
			c.RESP3 = true
		case "-x":
			c.StdinArg = true
		case "-e":
			c.ExitCode = true
		case "--raw":
			c.Raw = true
		case "--no-raw":
			c.NoRaw = true
		case "--no-auth-warning":
			c.NoAuthWarning = true
		case "--help":
			c.Help = true
		case "-v", "--version":
			c.Version = true
		default:
			if strings.HasPrefix(a, "-") && len(a) > 1 {
				return c, fmt.Errorf("Unrecognized option or bad number of args for: '%s'", a)
			}
			c.Args = append([]string(nil), args[i:]...)
			return c, nil
		}
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

func atoiOpt(opt, v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("Invalid value for %s: '%s'", opt, v)
	}
	return n, nil
}

// parseURI reads redis://[[user:]password@]host[:port][/db] like redis-cli.
func (c *Config) parseURI(uri string) error {
	lower := strings.ToLower(uri)
	switch {
	case strings.HasPrefix(lower, "rediss://"):
		return errors.New("rediss:// URIs need TLS, which rustypotato-cli does not support yet")
	case !strings.HasPrefix(lower, "redis://"):
		return errors.New("Invalid URI scheme")
	}
	rest := uri[len("redis://"):]
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		userinfo := rest[:at]
		rest = rest[at+1:]
		if colon := strings.IndexByte(userinfo, ':'); colon >= 0 {
			c.User = percentDecode(userinfo[:colon])
			userinfo = userinfo[colon+1:]
		}
		c.Password = percentDecode(userinfo)
		c.passwordFromFlag = true
	}
	hostport, path, _ := strings.Cut(rest, "/")
	if hostport != "" {
		host := hostport
		if colon := strings.LastIndexByte(hostport, ':'); colon >= 0 && !strings.HasSuffix(hostport, "]") {
			host = hostport[:colon]
			c.Port, _ = strconv.Atoi(hostport[colon+1:])
		}
		c.Host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	if path != "" {
		c.DB, _ = strconv.Atoi(path)
	}
	return nil
}

func percentDecode(s string) string {
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}

// usage is the --help text: redis-cli's, cut to the options we have.
const usage = `rustypotato-cli ` + Version + `

Usage: rustypotato-cli [OPTIONS] [cmd [arg [arg ...]]]
  -h <hostname>      Server hostname (default: 127.0.0.1).
  -p <port>          Server port (default: 6379).
  -s <socket>        Server socket (overrides hostname and port).
  -a <password>      Password to use when connecting to the server.
                     You can also use the REDISCLI_AUTH environment
                     variable to pass this password more safely
                     (if both are used, this argument takes precedence).
  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.
  --pass <password>  Alias of -a for consistency with the new --user option.
  -u <uri>           Server URI: redis://[[user:]password@]host[:port][/db].
  -r <repeat>        Execute specified command N times (-1: forever).
  -i <interval>      When -r is used, waits <interval> seconds per command.
                     It is possible to specify sub-second times like -i 0.1.
  -n <db>            Database number.
  --branch <name>    Work on branch <name> (BRANCH SWITCH on connecting).
  --timeline         Print the branch's timeline (time, seq, client, command,
                     key, old -> new value), oldest first, and exit.
  --follow           With --timeline, keep printing changes as they happen.
  -2                 Start session in RESP2 protocol mode.
  -3                 Start session in RESP3 protocol mode.
  -x                 Read last argument from STDIN.
  -d <delimiter>     Delimiter between response bulks for raw formatting (default: \n).
  -D <delimiter>     Delimiter between responses for raw formatting (default: \n).
  -e                 Return exit error code when command execution fails.
  --raw              Use raw formatting for replies (default when STDOUT is
                     not a tty).
  --no-raw           Force formatted output even when STDOUT is not a tty.
  --no-auth-warning  Don't show warning message when using password on command
                     line interface.
  --help             Output this help and exit.
  --version          Output version and exit.

Examples:
  rustypotato-cli SET a b
  cat /etc/passwd | rustypotato-cli -x set mypasswd
  rustypotato-cli -r 100 lpush mylist x
  rustypotato-cli -r 100 -i 1 info | grep used_memory_human:
  rustypotato-cli -u redis://user:pass@127.0.0.1:6379/2 get key

When no command is given, rustypotato-cli starts in interactive mode.
Type "help" in interactive mode for information on available commands
and settings. History is kept in ~/.rustypotatocli_history (or in
$RUSTYPOTATOCLI_HISTFILE; set it to "" to keep none).
`

// Command kiln-drift-feed tells the kiln agent which paths under the drift roots changed, so a
// drift check re-reads those instead of walking every root (docs/facts-drift-registry.md, "The change feed").
// It marks every filesystem holding a root or mounted under one with fanotify
// (FAN_MARK_FILESYSTEM, FAN_REPORT_DFID_NAME: needs CAP_SYS_ADMIN, and CAP_DAC_READ_SEARCH for
// open_by_handle_at) and writes one line per change:
//
//	ready              every mark is in place: changes from now on are reported
//	~ PATH             the entry's content or attributes changed
//	* PATH             the entry was created, deleted or renamed (its subtree may differ too)
//	! overflow         the kernel's queue overflowed: changes were lost
//	! mounts           a mount under a root came or went (new ones are marked from now on)
//	.                  nothing to report (written when 2 s passed without a line)
//	# {...}            counters, last, when stopped by SIGTERM or SIGINT
//
// A path is escaped as in a baseline line (backslash, tab, newline, carriage return). Each path
// is written once per read of the queue. `kiln-drift-feed ROOT…` writes to stdout until stdin
// closes. `kiln-drift-feed --listen SOCKET` gives each connection a feed of its own, for the
// roots its first line names ("watch", then each root after a tab), so the agent itself need
// not hold CAP_SYS_ADMIN (bake/image-files.ts runs it as its own unit, Type=notify).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const mask = unix.FAN_MODIFY | unix.FAN_ATTRIB | unix.FAN_CREATE | unix.FAN_DELETE |
	unix.FAN_MOVED_FROM | unix.FAN_MOVED_TO | unix.FAN_DELETE_SELF | unix.FAN_MOVE_SELF | unix.FAN_ONDIR

// Events that can change what is below an entry, not only the entry.
const treeEvents = unix.FAN_CREATE | unix.FAN_DELETE | unix.FAN_MOVED_FROM | unix.FAN_MOVED_TO |
	unix.FAN_DELETE_SELF | unix.FAN_MOVE_SELF

// Directory handles resolved to paths, at most this many before the cache starts over.
const maxCachedDirs = 65536

// Sessions served at once in --listen mode.
const maxSessions = 4

// The longest a session goes without writing a line: "." when there is nothing else.
const keepAlive = 2 * time.Second

type counters struct {
	Events     int     `json:"events"`
	Reported   int     `json:"reported"`
	Overflows  int     `json:"overflows"`
	Unresolved int     `json:"unresolved"`
	CPUSeconds float64 `json:"cpuSeconds"`
	MaxRSSKiB  int64   `json:"maxRssKiB"`
}

func main() {
	args := os.Args[1:]
	listen := ""
	if len(args) >= 2 && args[0] == "--listen" {
		listen, args = args[1], args[2:]
	}
	if listen != "" && len(args) == 0 {
		if err := serve(listen); err != nil {
			fmt.Fprintf(os.Stderr, "kiln-drift-feed: %v\n", err)
			os.Exit(1)
		}
		return
	}
	roots, err := parseRoots(args)
	if err != nil || listen != "" {
		fmt.Fprintf(os.Stderr, "kiln-drift-feed: %v\nusage: kiln-drift-feed ROOT…  or  kiln-drift-feed --listen SOCKET\n", err)
		os.Exit(2)
	}
	var stopped atomic.Bool
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-signals; stopped.Store(true) }()
	// The agent holds stdin open: when it exits, however it exits, the feed ends.
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); stopped.Store(true) }()
	c, err := session(os.Stdout, roots, &stopped)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kiln-drift-feed: %v\n", err)
		os.Exit(1)
	}
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	c.CPUSeconds = float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	c.MaxRSSKiB = ru.Maxrss
	line, _ := json.Marshal(c)
	fmt.Printf("# %s\n", line)
}

// parseRoots checks that each root is an absolute path.
func parseRoots(args []string) ([]string, error) {
	if len(args) == 0 {
		return nil, errors.New("no root given")
	}
	roots := make([]string, 0, len(args))
	for _, r := range args {
		if !strings.HasPrefix(r, "/") {
			return nil, fmt.Errorf("%q is not an absolute path", r)
		}
		if r != "/" {
			r = strings.TrimSuffix(r, "/")
		}
		roots = append(roots, r)
	}
	return roots, nil
}

// serve gives each connection on a Unix socket (mode 0600) a session of its own, for the roots
// its first line names: "watch", then each root after a tab, escaped as in a baseline line.
func serve(socket string) error {
	_ = os.Remove(socket)
	listener, err := net.Listen("unix", socket)
	if err != nil {
		return err
	}
	if err := os.Chmod(socket, 0o600); err != nil {
		return err
	}
	notifyReady()
	slots := make(chan struct{}, maxSessions)
	for {
		conn, err := listener.Accept()
		if err != nil {
			return err
		}
		select {
		case slots <- struct{}{}:
		default:
			fmt.Fprintf(conn, "! busy: %d feeds are served already\n", maxSessions)
			conn.Close()
			continue
		}
		go func() {
			defer func() { <-slots }()
			defer conn.Close()
			in := bufio.NewReader(io.LimitReader(conn, 1<<20))
			first, err := in.ReadString('\n')
			fields := strings.Split(strings.TrimSuffix(first, "\n"), "\t")
			if err != nil || fields[0] != "watch" {
				fmt.Fprintln(conn, "! failed: the first line must be: watch<TAB>ROOT…")
				return
			}
			for i := range fields[1:] {
				fields[i+1] = unescape(fields[i+1])
			}
			roots, err := parseRoots(fields[1:])
			if err != nil {
				fmt.Fprintf(conn, "! failed: %v\n", err)
				return
			}
			var stopped atomic.Bool
			go func() { _, _ = io.Copy(io.Discard, conn); stopped.Store(true) }()
			if _, err := session(conn, roots, &stopped); err != nil {
				fmt.Fprintf(conn, "! failed: %v\n", err)
			}
		}()
	}
}

// notifyReady tells systemd (Type=notify) that the socket is there, when it runs under systemd.
func notifyReady() {
	socket := os.Getenv("NOTIFY_SOCKET")
	if socket == "" {
		return
	}
	conn, err := net.Dial("unixgram", socket)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kiln-drift-feed: cannot notify systemd: %v\n", err)
		return
	}
	defer conn.Close()
	_, _ = conn.Write([]byte("READY=1"))
}

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
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"unsafe"

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

// feed is one fanotify group and what it needs to name the paths of its events.
type feed struct {
	fd        int
	roots     []string
	mounted   map[string]bool // mount points marked (the roots' own filesystems included)
	mountFds  map[[2]int32]int
	dirs      map[string]string
	out       *bufio.Writer
	c         counters
	batch     map[string]byte
	batchKeys []string
}

// session reports changes to w until stopped is set or w fails.
func session(w io.Writer, roots []string, stopped *atomic.Bool) (counters, error) {
	fd, err := unix.FanotifyInit(unix.FAN_CLASS_NOTIF|unix.FAN_CLOEXEC|unix.FAN_NONBLOCK|unix.FAN_REPORT_DFID_NAME,
		unix.O_RDONLY|unix.O_LARGEFILE)
	if err != nil {
		return counters{}, fmt.Errorf("fanotify_init: %w (it needs CAP_SYS_ADMIN and Linux 5.9 or later)", err)
	}
	f := &feed{fd: fd, roots: roots, mounted: map[string]bool{}, mountFds: map[[2]int32]int{},
		dirs: map[string]string{}, out: bufio.NewWriter(w), batch: map[string]byte{}}
	defer f.close()
	mountinfo, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return f.c, err
	}
	defer mountinfo.Close()
	if _, err := f.markMounts(); err != nil {
		return f.c, err
	}
	fmt.Fprintln(f.out, "ready")
	if err := f.out.Flush(); err != nil {
		return f.c, err
	}
	buf := make([]byte, 64*1024)
	polls := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(mountinfo.Fd()), Events: unix.POLLPRI}}
	for !stopped.Load() {
		if _, err := unix.Poll(polls, 500); err != nil && !errors.Is(err, unix.EINTR) {
			return f.c, fmt.Errorf("poll: %w", err)
		}
		if polls[1].Revents&(unix.POLLPRI|unix.POLLERR) != 0 {
			changed, err := f.markMounts()
			if err != nil {
				return f.c, err
			}
			if changed {
				fmt.Fprintln(f.out, "! mounts")
			}
		}
		if err := f.drain(buf); err != nil {
			return f.c, err
		}
		if err := f.out.Flush(); err != nil {
			return f.c, err
		}
	}
	return f.c, f.out.Flush()
}

func (f *feed) close() {
	unix.Close(f.fd)
	for _, fd := range f.mountFds {
		unix.Close(fd)
	}
}

// markMounts marks the filesystems of the roots and of every mount point under one that is not
// marked yet; says whether the set of mount points under the roots changed.
func (f *feed) markMounts() (bool, error) {
	points, err := mountPoints()
	if err != nil {
		return false, err
	}
	want := map[string]bool{}
	for _, r := range f.roots {
		want[r] = true
		for _, p := range points {
			if under(p, []string{r}) {
				want[p] = true
			}
		}
	}
	changed := len(want) != len(f.mounted)
	for p := range want {
		if f.mounted[p] {
			continue
		}
		changed = true
		if err := unix.FanotifyMark(f.fd, unix.FAN_MARK_ADD|unix.FAN_MARK_FILESYSTEM, mask, unix.AT_FDCWD, p); err != nil {
			return false, fmt.Errorf("cannot watch %s (fanotify_mark: %w)", p, err)
		}
		var st unix.Statfs_t
		if err := unix.Statfs(p, &st); err != nil {
			return false, fmt.Errorf("statfs %s: %w", p, err)
		}
		if _, ok := f.mountFds[st.Fsid.Val]; !ok {
			mfd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return false, fmt.Errorf("open %s: %w", p, err)
			}
			f.mountFds[st.Fsid.Val] = mfd
		}
	}
	f.mounted = want
	return changed, nil
}

// mountPoints lists the mount points of /proc/self/mountinfo (field 5, octal escapes undone).
func mountPoints() ([]string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 4 {
			out = append(out, unescapeOctal(fields[4]))
		}
	}
	sort.Strings(out)
	return out, nil
}

func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			ok := true
			for _, c := range []byte(s[i+1 : i+4]) {
				if c < '0' || c > '7' {
					ok = false
					break
				}
				v = v*8 + (c - '0')
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// drain reads every queued event and writes the paths under a root, each once.
func (f *feed) drain(buf []byte) error {
	for {
		n, err := unix.Read(f.fd, buf)
		if errors.Is(err, unix.EAGAIN) {
			break
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		f.decode(buf[:n])
	}
	for _, p := range f.batchKeys {
		fmt.Fprintf(f.out, "%c %s\n", f.batch[p], escape(p))
		f.c.Reported++
	}
	clear(f.batch)
	f.batchKeys = f.batchKeys[:0]
	return nil
}

func (f *feed) decode(buf []byte) {
	metaLen := int(unsafe.Sizeof(unix.FanotifyEventMetadata{}))
	for off := 0; off+metaLen <= len(buf); {
		meta := (*unix.FanotifyEventMetadata)(unsafe.Pointer(&buf[off]))
		if meta.Event_len < uint32(metaLen) || off+int(meta.Event_len) > len(buf) {
			return
		}
		event := buf[off : off+int(meta.Event_len)]
		off += int(meta.Event_len)
		f.c.Events++
		if meta.Mask&unix.FAN_Q_OVERFLOW != 0 {
			f.c.Overflows++
			fmt.Fprintln(f.out, "! overflow")
			continue
		}
		path, ok := f.pathOf(event[meta.Metadata_len:])
		if meta.Mask&unix.FAN_ONDIR != 0 && meta.Mask&treeEvents != 0 {
			// A directory moved or went: cached paths under it are stale.
			clear(f.dirs)
		}
		if !ok {
			// Only when the directory is gone already; its own deletion is an event that names it.
			f.c.Unresolved++
			continue
		}
		if !under(path, f.roots) {
			continue
		}
		kind := byte('~')
		if meta.Mask&treeEvents != 0 {
			kind = '*'
		}
		if had, seen := f.batch[path]; !seen {
			f.batchKeys = append(f.batchKeys, path)
			f.batch[path] = kind
		} else if had == '~' {
			f.batch[path] = kind
		}
	}
}

// pathOf decodes a DFID_NAME info record: header (type, pad, len), fsid (8 bytes), a struct
// file_handle of the directory (bytes, type, handle), then the entry's name ("." for the
// directory itself).
func (f *feed) pathOf(info []byte) (string, bool) {
	if len(info) < 4+8+8 || info[0] != unix.FAN_EVENT_INFO_TYPE_DFID_NAME {
		return "", false
	}
	size := int(binary.LittleEndian.Uint16(info[2:4]))
	if size > len(info) || size < 20 {
		return "", false
	}
	var fsid [2]int32
	fsid[0] = int32(binary.LittleEndian.Uint32(info[4:8]))
	fsid[1] = int32(binary.LittleEndian.Uint32(info[8:12]))
	record := info[12:size]
	handleBytes := int(binary.LittleEndian.Uint32(record[0:4]))
	handleType := int32(binary.LittleEndian.Uint32(record[4:8]))
	if 8+handleBytes > len(record) {
		return "", false
	}
	handle := record[8 : 8+handleBytes]
	name := record[8+handleBytes:]
	if i := strings.IndexByte(string(name), 0); i >= 0 {
		name = name[:i]
	}
	key := string(info[4:12]) + string(handle)
	dir, ok := f.dirs[key]
	if !ok {
		mountFd, known := f.mountFds[fsid]
		if !known {
			return "", false
		}
		dirFd, err := unix.OpenByHandleAt(mountFd, unix.NewFileHandle(handleType, handle), unix.O_PATH|unix.O_CLOEXEC)
		if err != nil {
			return "", false
		}
		dir, err = os.Readlink(fmt.Sprintf("/proc/self/fd/%d", dirFd))
		unix.Close(dirFd)
		if err != nil || strings.HasSuffix(dir, " (deleted)") {
			return "", false
		}
		if len(f.dirs) >= maxCachedDirs {
			clear(f.dirs)
		}
		f.dirs[key] = dir
	}
	if len(name) == 0 || string(name) == "." {
		return dir, true
	}
	return strings.TrimSuffix(dir, "/") + "/" + string(name), true
}

func under(path string, roots []string) bool {
	for _, root := range roots {
		if root == "/" || path == root || strings.HasPrefix(path, root+"/") {
			return true
		}
	}
	return false
}

// escape writes a path as a baseline line does (agent/baseline/entry-line.ts).
func escape(p string) string {
	if !strings.ContainsAny(p, "\\\t\n\r") {
		return p
	}
	r := strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
	return r.Replace(p)
}

// unescape reverses escape.
func unescape(p string) string {
	if !strings.Contains(p, `\`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
			switch p[i] {
			case 't':
				b.WriteByte('\t')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(p[i])
			}
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

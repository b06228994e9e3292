// Command change-feed watches the filesystems holding the given roots with fanotify and prints,
// once each, every path under a root that was created, written, had its attributes changed,
// was renamed or deleted. It is a feasibility probe for issue 13 (a drift check that re-reads only
// what changed since the last one, instead of walking the tree), not part of the agent.
//
// Output, one line each: "ready" once the marks are in place; a changed path; "!overflow" when
// the kernel's queue overflowed (a real feed would then walk everything); on SIGTERM or SIGINT a
// last JSON line with the counters and the process's own CPU and peak RSS.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

const mask = unix.FAN_MODIFY | unix.FAN_ATTRIB | unix.FAN_CREATE | unix.FAN_DELETE |
	unix.FAN_MOVED_FROM | unix.FAN_MOVED_TO | unix.FAN_DELETE_SELF | unix.FAN_MOVE_SELF | unix.FAN_ONDIR

type counters struct {
	Events     int     `json:"events"`
	Relevant   int     `json:"relevant"`
	Paths      int     `json:"paths"`
	Overflows  int     `json:"overflows"`
	Unresolved int     `json:"unresolved"`
	CPUSeconds float64 `json:"cpuSeconds"`
	MaxRSSKiB  int64   `json:"maxRssKiB"`
}

func main() {
	roots := os.Args[1:]
	if len(roots) == 0 {
		fmt.Fprintln(os.Stderr, "usage: change-feed ROOT…")
		os.Exit(2)
	}
	fd, err := unix.FanotifyInit(unix.FAN_CLASS_NOTIF|unix.FAN_CLOEXEC|unix.FAN_REPORT_DFID_NAME, unix.O_RDONLY|unix.O_LARGEFILE)
	if err != nil {
		fail("fanotify_init (needs CAP_SYS_ADMIN)", err)
	}
	mountFd, err := unix.Open(roots[0], unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		fail("open "+roots[0], err)
	}
	for _, root := range roots {
		if err := unix.FanotifyMark(fd, unix.FAN_MARK_ADD|unix.FAN_MARK_FILESYSTEM, mask, unix.AT_FDCWD, root); err != nil {
			fail("fanotify_mark "+root, err)
		}
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "ready")
	out.Flush()

	var c counters
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		var ru unix.Rusage
		_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
		c.CPUSeconds = float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
		c.MaxRSSKiB = ru.Maxrss
		line, _ := json.Marshal(c)
		out.Flush()
		fmt.Println(string(line))
		os.Exit(0)
	}()

	dirs := map[string]string{} // directory handle → path
	seen := map[string]bool{}
	buf := make([]byte, 64*1024)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			fail("read", err)
		}
		for off := 0; off+int(unsafe.Sizeof(unix.FanotifyEventMetadata{})) <= n; {
			meta := (*unix.FanotifyEventMetadata)(unsafe.Pointer(&buf[off]))
			event := buf[off : off+int(meta.Event_len)]
			off += int(meta.Event_len)
			c.Events++
			if meta.Mask&unix.FAN_Q_OVERFLOW != 0 {
				c.Overflows++
				fmt.Fprintln(out, "!overflow")
				continue
			}
			path, ok := pathOf(event[meta.Metadata_len:], mountFd, dirs)
			if !ok {
				c.Unresolved++
				continue
			}
			if !under(path, roots) {
				continue
			}
			c.Relevant++
			if !seen[path] {
				seen[path] = true
				c.Paths++
				fmt.Fprintln(out, path)
			}
		}
		out.Flush()
	}
}

// pathOf decodes a DFID_NAME info record: header (type, pad, len), fsid (8 bytes), a
// struct file_handle of the directory (bytes, type, handle), then the entry's name.
func pathOf(info []byte, mountFd int, dirs map[string]string) (string, bool) {
	if len(info) < 4+8+8 || info[0] != unix.FAN_EVENT_INFO_TYPE_DFID_NAME {
		return "", false
	}
	size := int(binary.LittleEndian.Uint16(info[2:4]))
	if size > len(info) {
		return "", false
	}
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
	key := string(handle)
	dir, ok := dirs[key]
	if !ok {
		dirFd, err := unix.OpenByHandleAt(mountFd, unix.NewFileHandle(handleType, handle), unix.O_PATH)
		if err != nil {
			return "", false // the directory is gone already
		}
		dir, err = os.Readlink(fmt.Sprintf("/proc/self/fd/%d", dirFd))
		unix.Close(dirFd)
		if err != nil {
			return "", false
		}
		dirs[key] = dir
	}
	if len(name) == 0 || string(name) == "." {
		return dir, true
	}
	return strings.TrimSuffix(dir, "/") + "/" + string(name), true
}

func under(path string, roots []string) bool {
	for _, root := range roots {
		if path == root || strings.HasPrefix(path, strings.TrimSuffix(root, "/")+"/") {
			return true
		}
	}
	return false
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "change-feed: %s: %v\n", what, err)
	os.Exit(1)
}

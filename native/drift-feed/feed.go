package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

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
	wrote := time.Now()
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
		// A line at least every keepAlive, so the agent can tell a feed that stopped reading
		// (stopped, hung) from one with nothing to report.
		if f.out.Buffered() > 0 {
			wrote = time.Now()
		} else if time.Since(wrote) >= keepAlive {
			fmt.Fprintln(f.out, ".")
			wrote = time.Now()
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

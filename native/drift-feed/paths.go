package main

import (
	"os"
	"sort"
	"strings"
)

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

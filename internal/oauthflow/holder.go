package oauthflow

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// holderOf names the local user whose socket listens on ip:port, from
// Linux's /proc/net/tcp and tcp6; "" where that cannot be known.
func holderOf(ip net.IP, port int) string {
	table := "/proc/net/tcp6"
	if ip.To4() != nil {
		table = "/proc/net/tcp"
	}
	f, err := os.Open(table)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		const listening = "0A"
		if len(fields) < 8 || fields[3] != listening {
			continue
		}
		lip, lport, ok := parseProcAddr(fields[1])
		if !ok || lport != port || !(lip.Equal(ip) || lip.IsUnspecified()) {
			continue
		}
		uid := fields[7]
		if u, err := user.LookupId(uid); err == nil {
			return fmt.Sprintf("uid %s (%s)", uid, u.Username)
		}
		return "uid " + uid
	}
	return ""
}

// parseProcAddr reads "0100007F:1F90": the address as 32-bit words in the
// kernel's byte order, then the port in hex.
func parseProcAddr(s string) (net.IP, int, bool) {
	hexIP, hexPort, ok := strings.Cut(s, ":")
	raw, err := hex.DecodeString(hexIP)
	if !ok || err != nil || (len(raw) != 4 && len(raw) != 16) {
		return nil, 0, false
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return nil, 0, false
	}
	ip := make(net.IP, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(ip[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	return ip, int(port), true
}

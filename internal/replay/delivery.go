package replay

import "net/http"

// Delivery is one webhook delivery: headers and the exact body bytes.
type Delivery struct {
	Header http.Header
	Body   []byte
}

// hopHeaders belong to one connection, not to the delivery; the transport
// sets them again for the next hop.
var hopHeaders = []string{"Host", "Content-Length", "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Te", "Trailer", "Upgrade", "Accept-Encoding"}

// Template returns the headers to send with every copy of d: captured headers
// without the connection's own ones and without those named in drop.
func (d Delivery) Template(drop []string) http.Header {
	h := d.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
	for _, k := range drop {
		h.Del(k)
	}
	return h
}

/*
 * protocol: the control socket between mashctl and mashd. JSON lines over a
 * Unix stream socket: one request object per line, one response object per
 * line. Every request carries "v"; a response is {"ok":true,...} or
 * {"ok":false,"error":"..."}. The caller's identity comes from SO_PEERCRED,
 * never from the request. One request is answered by many lines: queue
 * with "stream":true, pages until the one whose "next" is null, or an
 * error line that says where the stream was cut; a page is a head line
 * {"ok":true,"items":N}, N lines of one item each (so that mashctl copies
 * an item without reading it), and a tail line {"now","zone","sent",
 * "next"}. (A stream read across this framing and the one before, a page
 * a line, is an unreadable answer either way: mashctl exits 3.) A page's
 * referrals are chosen at once, but a stream without filters reads each
 * a moment later: one decided, claimed or re-rated in between is sent as
 * it is then (its new status), in the place it had when its page was
 * chosen; the cursor is the choice's, so each referral open throughout
 * is still sent exactly once.
 */
#ifndef MASH_PROTOCOL_H
#define MASH_PROTOCOL_H

#define MASH_PROTOCOL_VERSION 1
#define MASH_CONTROL_SOCKET "/run/mashd/mashd.sock"
#define MASH_CONFIG_FILE "/etc/mashd/mashd.conf"
/* The shipped copy of gov.uk's bank-holidays.json. */
#ifndef MASH_HOLIDAYS_FILE
#define MASH_HOLIDAYS_FILE "/usr/share/mashd/bank-holidays.json"
#endif
/* The longest request line mashd reads; a longer one is refused. */
#define MASH_CONTROL_MAX_LINE (256 * 1024)

#endif

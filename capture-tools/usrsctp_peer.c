/*
 * usrsctp_peer: usrsctp as a live peer, in either role, over UDP
 * encapsulation (RFC 6951) or raw IP. One program for three users: the
 * endpoint's interop tests (endpoint/tests/usrsctp_udp.rs, raw_netns.rs),
 * sctp-replay live's tests (replay/tests/live_usrsctp.rs), and
 * scripts/record-captures.sh, which records two of them into captures/
 * (option echo=1, commands sleep, wait and end, and a relay mode that makes
 * two INITs cross deterministically).
 *
 * usage:
 *   usrsctp_peer server ENCAPS LOCAL_ADDR SCTP_PORT [OPTION...]
 *   usrsctp_peer client ENCAPS LOCAL_ADDR SCTP_PORT REMOTE_ADDR REMOTE_ENCAPS REMOTE_PORT [OPTION...]
 *     ENCAPS         local UDP encapsulation port; 0 = raw IP (needs root)
 *     REMOTE_ENCAPS  the server's UDP encapsulation port (client, UDP only)
 *   options: hb=MS      heartbeat interval (SCTP_PEER_ADDR_PARAMS)
 *            rtomin=MS  RTO.Min and RTO.Initial (SCTP_RTOINFO)
 *            streams=N  outbound streams asked for (SCTP_INITMSG; default 16)
 *            echo=1     send every received message back (same stream, PPID,
 *                       U bit)
 *            auth=T,T.. SCTP-AUTH (RFC 4895): require these chunk types (decimal)
 *                       to be authenticated (SCTP_AUTH_CHUNK); auth= alone
 *                       requires none but still offers AUTH
 *            key=ID:TEXT  shared key TEXT with identifier ID, made the active
 *                       key (SCTP_AUTH_KEY, SCTP_AUTH_ACTIVE_KEY)
 *            hmac=I,I.. HMAC identifiers in order of preference (SCTP_HMAC_IDENT;
 *                       1 SHA-1, 3 SHA-256)
 *            nrsack=1   offer NR-SACK (sysctl sctp_nrsack_enable)
 *            reconfig=1 accept stream resets and added streams (RFC 6525:
 *                       SCTP_ENABLE_STREAM_RESET with RESET_STREAM_REQ and
 *                       CHANGE_ASSOC_REQ); prints stream_reset / stream_change
 *                       notifications
 *            ecn=0|1    ECN (sysctl sctp_ecn_enable; usrsctp's default is on)
 *            bindx=A,A..  also bind these addresses (usrsctp_bindx, same
 *                       port): a multihomed peer listing them in INIT / INIT ACK
 *            idata=1    I-DATA and user message interleaving (RFC 8260: sysctl
 *                       sctp_default_frag_interleave 2 and the socket option
 *                       SCTP_INTERLEAVING_SUPPORTED, 0x1206, missing from
 *                       0.9.5's header)
 *            reconfig=1 also allows SSN/TSN reset requests (RESET_ASSOC_REQ)
 *            pktdrop=1  PKTDROP (sysctl sctp_pktdrop_enable): offered, and
 *                       packets dropped for a bad checksum reported
 *
 *   usrsctp_peer relay PORT_A PORT_B TO_A TO_B
 *     UDP relay on 127.0.0.1: what arrives on PORT_A goes out of PORT_B to
 *     TO_B, what arrives on PORT_B goes out of PORT_A to TO_A. The first
 *     datagram of each side is held until the other side's first one has
 *     come, then both are forwarded: two INITs sent at once always cross.
 *     Exits after 3 idle seconds once something was relayed.
 *
 * Commands, one a line on stdin, run in order:
 *   send COUNT STREAMS SIZE UNORDERED   COUNT messages of SIZE bytes, message i
 *                                       on stream i % STREAMS with PPID
 *                                       1000 + stream, U bit if UNORDERED is 1;
 *                                       then prints "sent n=COUNT"
 *   shutdown                            usrsctp_shutdown(SHUT_WR): "shutdown_called"
 *   abort                               ABORT (SCTP_ABORT send flag): "abort_called"
 *   sleep MS                            pause
 *   wait N                              until N messages have been received
 *                                       (at most 10 s): "waited n=N"
 *   reset out|in|both [STREAM...]      SCTP_RESET_STREAMS (no stream: all):
 *                                       "reset_called"
 *   addstreams OUT IN                   SCTP_ADD_STREAMS: "addstreams_called"
 *   resetassoc                          SCTP_RESET_ASSOC (SSN/TSN Reset
 *                                       Request): "resetassoc_called"
 *   sendx STREAM COUNT SIZE FIRST POLICY VALUE UNORDERED
 *                                       COUNT messages on STREAM numbered from
 *                                       FIRST, PPID 1000 + STREAM, with the
 *                                       PR-SCTP policy (0 none, 1 lifetime in
 *                                       ms, 3 retransmissions) and VALUE
 *                                       (SCTP_SENDV_PRINFO): "sent n=COUNT"
 *   bindx add|rem ADDR                  usrsctp_bindx on the association's
 *                                       socket (ASCONF Add / Delete IP):
 *                                       "bindx_called"
 *   primary ADDR                        SCTP_PRIMARY_ADDR (our primary
 *                                       destination): "primary_called"
 *   peerprimary ADDR                    SCTP_SET_PEER_PRIMARY_ADDR (ASCONF Set
 *                                       Primary of our ADDR): "peerprimary_called"
 *   end                                 until the association is over (its
 *                                       receiver stopped; at most 10 s): "ended"
 *   quit                                close, usrsctp_finish, exit
 *
 * A message body says what it is: stream (2 bytes, big endian), index (4
 * bytes), then byte k = (k ^ index) & 0xff; the peer regenerates the body of
 * what it receives and prints ok=1 when every byte matches.
 *
 * stdout, one line per event, flushed at once:
 *   listening ... | connected
 *   notification assoc_change state=COMM_UP ...
 *   data len=N sid=S ssn=N ppid=P tsn=T u=0|1 idx=I ok=0|1
 *   notification shutdown_event | notification assoc_change state=...
 *   eof | closed state=N | error ...
 *   done
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/select.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <usrsctp.h>

static struct socket *sock;
static int echo_mode;
static pthread_mutex_t rx_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rx_cond = PTHREAD_COND_INITIALIZER;
static unsigned rx_count;
static int rx_over;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;
	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static const char *assoc_state(uint16_t s)
{
	switch (s) {
	case SCTP_COMM_UP: return "COMM_UP";
	case SCTP_COMM_LOST: return "COMM_LOST";
	case SCTP_RESTART: return "RESTART";
	case SCTP_SHUTDOWN_COMP: return "SHUTDOWN_COMP";
	case SCTP_CANT_STR_ASSOC: return "CANT_STR_ASSOC";
	default: return "UNKNOWN";
	}
}

/* Returns 1 when the association is over. */
static int notification(const union sctp_notification *n, size_t len)
{
	if (len < sizeof(n->sn_header)) {
		say("notification short len=%zu", len);
		return 0;
	}
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE: {
		const struct sctp_assoc_change *a = &n->sn_assoc_change;
		say("notification assoc_change state=%s error=%u outbound=%u inbound=%u",
		    assoc_state(a->sac_state), a->sac_error,
		    a->sac_outbound_streams, a->sac_inbound_streams);
		return a->sac_state == SCTP_COMM_LOST || a->sac_state == SCTP_SHUTDOWN_COMP ||
		       a->sac_state == SCTP_CANT_STR_ASSOC;
	}
	case SCTP_SHUTDOWN_EVENT:
		say("notification shutdown_event");
		return 0;
	case SCTP_PEER_ADDR_CHANGE: {
		char a[64] = "?";
		const struct sockaddr_storage *ss = &n->sn_paddr_change.spc_aaddr;
		if (ss->ss_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
		else if (ss->ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
		say("notification peer_addr_change state=%d addr=%s", n->sn_paddr_change.spc_state, a);
		return 0;
	}
	case SCTP_ASSOC_RESET_EVENT: {
		const struct sctp_assoc_reset_event *r = &n->sn_assocreset_event;
		say("notification assoc_reset local_tsn=%u remote_tsn=%u denied=%d failed=%d",
		    r->assocreset_local_tsn, r->assocreset_remote_tsn,
		    !!(r->assocreset_flags & SCTP_ASSOC_RESET_DENIED),
		    !!(r->assocreset_flags & SCTP_ASSOC_RESET_FAILED));
		return 0;
	}
	case SCTP_REMOTE_ERROR:
		say("notification remote_error error=%u", ntohs(n->sn_remote_error.sre_error));
		return 0;
	case SCTP_SEND_FAILED_EVENT:
		say("notification send_failed");
		return 0;
	case SCTP_STREAM_RESET_EVENT: {
		const struct sctp_stream_reset_event *r = &n->sn_strreset_event;
		size_t k, count = (r->strreset_length - sizeof(*r)) / sizeof(uint16_t);
		char list[256] = "";
		for (k = 0; k < count && strlen(list) < sizeof(list) - 8; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u",
				 k ? "," : "", r->strreset_stream_list[k]);
		say("notification stream_reset incoming=%d outgoing=%d denied=%d failed=%d streams=%s",
		    !!(r->strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN),
		    !!(r->strreset_flags & SCTP_STREAM_RESET_OUTGOING_SSN),
		    !!(r->strreset_flags & SCTP_STREAM_RESET_DENIED),
		    !!(r->strreset_flags & SCTP_STREAM_RESET_FAILED), count ? list : "all");
		return 0;
	}
	case SCTP_STREAM_CHANGE_EVENT: {
		const struct sctp_stream_change_event *c = &n->sn_strchange_event;
		say("notification stream_change in=%u out=%u denied=%d", c->strchange_instrms,
		    c->strchange_outstrms, !!(c->strchange_flags & SCTP_STREAM_CHANGE_DENIED));
		return 0;
	}
	default:
		say("notification type=%u", n->sn_header.sn_type);
		return 0;
	}
}

static void fill(unsigned char *b, size_t len, uint16_t sid, uint32_t idx)
{
	size_t k;
	for (k = 0; k < len; k++)
		b[k] = (unsigned char)((k ^ idx) & 0xff);
	if (len >= 2) {
		b[0] = (unsigned char)(sid >> 8);
		b[1] = (unsigned char)sid;
	}
	if (len >= 6) {
		b[2] = (unsigned char)(idx >> 24);
		b[3] = (unsigned char)(idx >> 16);
		b[4] = (unsigned char)(idx >> 8);
		b[5] = (unsigned char)idx;
	}
}

static void data(const unsigned char *b, size_t n, const struct sctp_rcvinfo *ri)
{
	uint32_t idx = 0;
	int ok = 0;
	size_t k;
	if (n >= 6) {
		uint16_t sid = (uint16_t)(b[0] << 8 | b[1]);
		idx = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5];
		ok = sid == ri->rcv_sid;
		for (k = 6; ok && k < n; k++)
			ok = b[k] == (unsigned char)((k ^ idx) & 0xff);
	}
	say("data len=%zu sid=%u ssn=%u ppid=%u tsn=%u u=%d idx=%u ok=%d", n, ri->rcv_sid,
	    ri->rcv_ssn, ntohl(ri->rcv_ppid), ri->rcv_tsn,
	    (ri->rcv_flags & SCTP_UNORDERED) ? 1 : 0, idx, ok);
}

#define MAX_MSG (1 << 20)

static void *receiver(void *arg)
{
	unsigned char *buf = malloc(MAX_MSG);
	size_t have = 0;
	(void)arg;
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		struct sctp_rcvinfo ri;
		socklen_t infolen = sizeof(ri);
		unsigned int infotype = 0;
		int flags = 0;
		ssize_t n;

		memset(&ri, 0, sizeof(ri));
		n = usrsctp_recvv(sock, buf + have, MAX_MSG - have, (struct sockaddr *)&from,
				  &fromlen, &ri, &infolen, &infotype, &flags);
		if (n < 0) {
			say("error recv errno=%d %s", errno, strerror(errno));
			break;
		}
		if (n == 0) {
			/* The peer shut down: no more data or notifications on
			 * this socket; watch the association's state instead. */
			struct sctp_status st;
			socklen_t l;
			int last = -1, i;
			say("eof");
			for (i = 0; i < 3000; i++) {
				memset(&st, 0, sizeof(st));
				l = sizeof(st);
				if (usrsctp_getsockopt(sock, IPPROTO_SCTP, SCTP_STATUS, &st, &l) < 0) {
					say("closed errno=%d", errno);
					break;
				}
				if (st.sstat_state != last) {
					last = st.sstat_state;
					say("status state=%d", last);
				}
				if (st.sstat_state == SCTP_CLOSED) {
					say("closed state=0");
					break;
				}
				usleep(10000);
			}
			break;
		}
		if (flags & MSG_NOTIFICATION) {
			if (notification((const union sctp_notification *)(buf + have), (size_t)n))
				break;
			continue;
		}
		have += (size_t)n;
		if (!(flags & MSG_EOR) && have < MAX_MSG)
			continue;
		data(buf, have, &ri);
		if (echo_mode) {
			struct sctp_sndinfo si;
			memset(&si, 0, sizeof(si));
			si.snd_sid = ri.rcv_sid;
			si.snd_ppid = ri.rcv_ppid;
			si.snd_flags = (ri.rcv_flags & SCTP_UNORDERED) ? SCTP_UNORDERED : 0;
			if (usrsctp_sendv(sock, buf, have, NULL, 0, &si, sizeof(si),
					  SCTP_SENDV_SNDINFO, 0) < 0)
				say("error echo errno=%d %s", errno, strerror(errno));
		}
		pthread_mutex_lock(&rx_lock);
		rx_count++;
		pthread_cond_broadcast(&rx_cond);
		pthread_mutex_unlock(&rx_lock);
		have = 0;
	}
	free(buf);
	pthread_mutex_lock(&rx_lock);
	rx_over = 1;
	pthread_cond_broadcast(&rx_cond);
	pthread_mutex_unlock(&rx_lock);
	return NULL;
}

static void wait_rx(unsigned n)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&rx_lock);
	while (rx_count < n && !rx_over)
		if (pthread_cond_timedwait(&rx_cond, &rx_lock, &until) != 0)
			break;
	n = rx_count;
	pthread_mutex_unlock(&rx_lock);
	say("waited n=%u", n);
}

static void wait_end(void)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&rx_lock);
	while (!rx_over)
		if (pthread_cond_timedwait(&rx_cond, &rx_lock, &until) != 0)
			break;
	pthread_mutex_unlock(&rx_lock);
	say("ended");
}

/* The relay mode (see the top of the file). */
static int relay(int argc, char **argv)
{
	int s[2], k, started = 0;
	uint16_t to[2];
	unsigned char held[2][65536];
	ssize_t held_len[2] = { -1, -1 };
	int seen[2] = { 0, 0 };
	if (argc < 6) {
		fprintf(stderr, "usage: %s relay PORT_A PORT_B TO_A TO_B\n", argv[0]);
		return 2;
	}
	to[0] = (uint16_t)atoi(argv[4]);
	to[1] = (uint16_t)atoi(argv[5]);
	for (k = 0; k < 2; k++) {
		struct sockaddr_in a;
		s[k] = socket(AF_INET, SOCK_DGRAM, 0);
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((uint16_t)atoi(argv[2 + k]));
		if (s[k] < 0 || bind(s[k], (struct sockaddr *)&a, sizeof(a)) < 0) {
			say("error relay bind errno=%d %s", errno, strerror(errno));
			return 1;
		}
	}
	say("relaying");
	for (;;) {
		fd_set rd;
		struct timeval tv = { 3, 0 };
		int n;
		FD_ZERO(&rd);
		FD_SET(s[0], &rd);
		FD_SET(s[1], &rd);
		n = select((s[0] > s[1] ? s[0] : s[1]) + 1, &rd, NULL, NULL, started ? &tv : NULL);
		if (n <= 0)
			break;
		for (k = 0; k < 2; k++) {
			unsigned char b[65536];
			struct sockaddr_in d;
			ssize_t len;
			if (!FD_ISSET(s[k], &rd))
				continue;
			len = recv(s[k], b, sizeof(b), 0);
			if (len < 0)
				continue;
			memset(&d, 0, sizeof(d));
			d.sin_family = AF_INET;
			d.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			d.sin_port = htons(to[1 - k]);
			if (!seen[k]) {
				/* Hold the side's first datagram. */
				seen[k] = 1;
				memcpy(held[k], b, (size_t)len);
				held_len[k] = len;
				if (seen[1 - k]) {
					int j;
					for (j = 0; j < 2; j++) {
						struct sockaddr_in dj = d;
						dj.sin_port = htons(to[1 - j]);
						sendto(s[1 - j], held[j], (size_t)held_len[j], 0,
						       (struct sockaddr *)&dj, sizeof(dj));
					}
					say("released both first datagrams");
					started = 1;
				}
				continue;
			}
			sendto(s[1 - k], b, (size_t)len, 0, (struct sockaddr *)&d, sizeof(d));
		}
	}
	say("done");
	return 0;
}

static int parse_addr(const char *a, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(a, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, a, &s6->sin6_addr) == 1 ? AF_INET6 : -1;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return inet_pton(AF_INET, a, &s4->sin_addr) == 1 ? AF_INET : -1;
	}
}

static void send_messages(unsigned count, unsigned streams, size_t size, int unordered)
{
	unsigned char *b = malloc(size ? size : 1);
	unsigned i;
	for (i = 0; i < count; i++) {
		struct sctp_sndinfo si;
		uint16_t sid = (uint16_t)(i % streams);
		fill(b, size, sid, i);
		memset(&si, 0, sizeof(si));
		si.snd_sid = sid;
		si.snd_ppid = htonl(1000 + sid);
		si.snd_flags = unordered ? SCTP_UNORDERED : 0;
		if (usrsctp_sendv(sock, b, size, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0) {
			say("error send i=%u errno=%d %s", i, errno, strerror(errno));
			break;
		}
	}
	free(b);
	say("sent n=%u", i);
}

/* sendx: COUNT messages on one stream numbered from FIRST, with a PR-SCTP
 * policy. */
static void send_pr(unsigned stream, unsigned count, size_t size, unsigned first, unsigned policy,
		    unsigned value, int unordered)
{
	unsigned char *b = malloc(size ? size : 1);
	unsigned i;
	for (i = 0; i < count; i++) {
		struct sctp_sendv_spa spa;
		fill(b, size, (uint16_t)stream, first + i);
		memset(&spa, 0, sizeof(spa));
		spa.sendv_flags = SCTP_SEND_SNDINFO_VALID | SCTP_SEND_PRINFO_VALID;
		spa.sendv_sndinfo.snd_sid = (uint16_t)stream;
		spa.sendv_sndinfo.snd_ppid = htonl(1000 + stream);
		spa.sendv_sndinfo.snd_flags = unordered ? SCTP_UNORDERED : 0;
		spa.sendv_prinfo.pr_policy = (uint16_t)policy;
		spa.sendv_prinfo.pr_value = value;
		if (usrsctp_sendv(sock, b, size, NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0) < 0) {
			say("error send i=%u errno=%d %s", first + i, errno, strerror(errno));
			break;
		}
	}
	free(b);
	say("sent n=%u", i);
}

/* primary / peerprimary: SCTP_PRIMARY_ADDR or SCTP_SET_PEER_PRIMARY_ADDR. */
static void set_primary(const char *addr, int peer, uint16_t port)
{
	struct sockaddr_storage a;
	socklen_t alen;
	if (parse_addr(addr, port, &a, &alen) < 0) {
		say("error primary address %s", addr);
		return;
	}
	if (peer) {
		struct sctp_setpeerprim sp;
		memset(&sp, 0, sizeof(sp));
		memcpy(&sp.sspp_addr, &a, alen);
		if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_SET_PEER_PRIMARY_ADDR, &sp,
				       sizeof(sp)) < 0)
			say("error peerprimary errno=%d %s", errno, strerror(errno));
		else
			say("peerprimary_called");
	} else {
		struct sctp_setprim sp;
		memset(&sp, 0, sizeof(sp));
		memcpy(&sp.ssp_addr, &a, alen);
		if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &sp, sizeof(sp)) < 0)
			say("error primary errno=%d %s", errno, strerror(errno));
		else
			say("primary_called");
	}
}

/* RTO.Min/Initial and the heartbeat interval, on a socket's future
 * associations or its association. */
static void timers(struct socket *so, int af, int rtomin, int hb)
{
	if (rtomin > 0) {
		struct sctp_rtoinfo ri;
		memset(&ri, 0, sizeof(ri));
		ri.srto_initial = (uint32_t)rtomin * 3;
		ri.srto_min = (uint32_t)rtomin;
		ri.srto_max = 60000;
		if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_RTOINFO, &ri, sizeof(ri)) < 0)
			say("error rtoinfo errno=%d", errno);
	}
	if (hb > 0) {
		struct sctp_paddrparams pp;
		memset(&pp, 0, sizeof(pp));
		/* The wildcard address: every path. */
		pp.spp_address.ss_family = (sa_family_t)af;
		pp.spp_assoc_id = SCTP_FUTURE_ASSOC;
		pp.spp_flags = SPP_HB_ENABLE;
		pp.spp_hbinterval = (uint32_t)hb;
		if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)) < 0)
			say("error paddrparams errno=%d", errno);
	}
}

/* SCTP-AUTH on the socket's future associations: chunk types to require,
 * a shared key made active, the HMAC list. */
static int auth_setup(struct socket *so, const char *chunks, const char *key, const char *hmacs)
{
	const char *p;
	if (chunks) {
		for (p = chunks; *p; ) {
			struct sctp_authchunk ac;
			char *end;
			long t = strtol(p, &end, 10);
			if (end == p)
				break;
			ac.sauth_chunk = (uint8_t)t;
			if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_AUTH_CHUNK, &ac, sizeof(ac)) < 0) {
				say("error auth_chunk %ld errno=%d %s", t, errno, strerror(errno));
				return -1;
			}
			p = *end == ',' ? end + 1 : end;
		}
	}
	if (hmacs) {
		uint8_t buf[sizeof(struct sctp_hmacalgo) + 8 * sizeof(uint16_t)];
		struct sctp_hmacalgo *ha = (struct sctp_hmacalgo *)buf;
		uint32_t n = 0;
		for (p = hmacs; *p && n < 8; ) {
			char *end;
			long id = strtol(p, &end, 10);
			if (end == p)
				break;
			ha->shmac_idents[n++] = (uint16_t)id;
			p = *end == ',' ? end + 1 : end;
		}
		ha->shmac_number_of_idents = n;
		if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_HMAC_IDENT, ha,
				       (socklen_t)(sizeof(*ha) + n * sizeof(uint16_t))) < 0) {
			say("error hmac_ident errno=%d %s", errno, strerror(errno));
			return -1;
		}
	}
	if (key) {
		const char *colon = strchr(key, ':');
		size_t len = colon ? strlen(colon + 1) : 0;
		uint8_t buf[sizeof(struct sctp_authkey) + 256];
		struct sctp_authkey *ak = (struct sctp_authkey *)buf;
		struct sctp_authkeyid kid;
		if (!colon || len > 256) {
			say("error key option: key=ID:TEXT");
			return -1;
		}
		memset(buf, 0, sizeof(buf));
		ak->sca_assoc_id = SCTP_FUTURE_ASSOC;
		ak->sca_keynumber = (uint16_t)atoi(key);
		ak->sca_keylength = (uint16_t)len;
		memcpy(ak->sca_key, colon + 1, len);
		if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_AUTH_KEY, ak,
				       (socklen_t)(sizeof(*ak) + len)) < 0) {
			say("error auth_key errno=%d %s", errno, strerror(errno));
			return -1;
		}
		memset(&kid, 0, sizeof(kid));
		kid.scact_assoc_id = SCTP_FUTURE_ASSOC;
		kid.scact_keynumber = ak->sca_keynumber;
		if (usrsctp_setsockopt(so, IPPROTO_SCTP, SCTP_AUTH_ACTIVE_KEY, &kid, sizeof(kid)) < 0) {
			say("error active_key errno=%d %s", errno, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* bindx=A,A...: the socket's further addresses (usrsctp_bindx). */
static int bind_more(struct socket *so, const char *list, uint16_t port)
{
	char copy[512], *tok, *save = NULL;
	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct sockaddr_storage a;
		socklen_t alen;
		if (parse_addr(tok, port, &a, &alen) < 0) {
			say("error bindx address %s", tok);
			return -1;
		}
		if (usrsctp_bindx(so, (struct sockaddr *)&a, 1, SCTP_BINDX_ADD_ADDR) < 0) {
			say("error bindx %s errno=%d %s", tok, errno, strerror(errno));
			return -1;
		}
		say("bound %s", tok);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct socket *lsock = NULL;
	struct sctp_event ev;
	struct sctp_initmsg im;
	uint16_t events[] = { SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT, SCTP_PEER_ADDR_CHANGE,
			      SCTP_REMOTE_ERROR, SCTP_SEND_FAILED_EVENT, SCTP_STREAM_RESET_EVENT,
			      SCTP_STREAM_CHANGE_EVENT, SCTP_ASSOC_RESET_EVENT };
	const int on = 1;
	unsigned k;
	int af, client, tries, first_opt;
	int hb = -1, rtomin = -1, streams = 16;
	const char *auth_chunks = NULL, *auth_key = NULL, *hmacs = NULL;
	int reconfig = 0, nrsack = 0, ecn = -1, idata = 0;
	int pktdrop = 0;
	uint16_t sctp_port;
	const char *bindx = NULL;
	pthread_t rx;
	char line[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "relay"))
		return relay(argc, argv);
	if (argc < 5 || (strcmp(argv[1], "server") && strcmp(argv[1], "client")) ||
	    (!strcmp(argv[1], "client") && argc < 8)) {
		fprintf(stderr,
			"usage: %s server ENCAPS LOCAL_ADDR SCTP_PORT [OPTION...]\n"
			"       %s client ENCAPS LOCAL_ADDR SCTP_PORT REMOTE_ADDR REMOTE_ENCAPS REMOTE_PORT [OPTION...]\n",
			argv[0], argv[0]);
		return 2;
	}
	client = !strcmp(argv[1], "client");
	first_opt = client ? 8 : 5;
	for (k = (unsigned)first_opt; k < (unsigned)argc; k++) {
		if (!strncmp(argv[k], "hb=", 3))
			hb = atoi(argv[k] + 3);
		else if (!strncmp(argv[k], "rtomin=", 7))
			rtomin = atoi(argv[k] + 7);
		else if (!strncmp(argv[k], "streams=", 8))
			streams = atoi(argv[k] + 8);
		else if (!strncmp(argv[k], "echo=", 5))
			echo_mode = atoi(argv[k] + 5);
		else if (!strncmp(argv[k], "auth=", 5))
			auth_chunks = argv[k] + 5;
		else if (!strncmp(argv[k], "key=", 4))
			auth_key = argv[k] + 4;
		else if (!strncmp(argv[k], "hmac=", 5))
			hmacs = argv[k] + 5;
		else if (!strncmp(argv[k], "reconfig=", 9))
			reconfig = atoi(argv[k] + 9);
		else if (!strncmp(argv[k], "nrsack=", 7))
			nrsack = atoi(argv[k] + 7);
		else if (!strncmp(argv[k], "ecn=", 4))
			ecn = atoi(argv[k] + 4);
		else if (!strncmp(argv[k], "bindx=", 6))
			bindx = argv[k] + 6;
		else if (!strncmp(argv[k], "idata=", 6))
			idata = atoi(argv[k] + 6);
		else if (!strncmp(argv[k], "pktdrop=", 8))
			pktdrop = atoi(argv[k] + 8);
		else {
			fprintf(stderr, "unknown option %s\n", argv[k]);
			return 2;
		}
	}
	af = parse_addr(argv[3], (uint16_t)atoi(argv[4]), &ss, &sslen);
	if (af < 0) {
		fprintf(stderr, "bad address %s\n", argv[3]);
		return 2;
	}

	/* No debug printf: usrsctp stays quiet. */
	usrsctp_init((uint16_t)atoi(argv[2]), NULL, NULL);
	/* Several stacks share the host: never answer out-of-the-blue packets. */
	usrsctp_sysctl_set_sctp_blackhole(2);
	usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);
	if (auth_chunks || auth_key || hmacs)
		usrsctp_sysctl_set_sctp_auth_enable(1);
	if (nrsack)
		usrsctp_sysctl_set_sctp_nrsack_enable(1);
	if (ecn >= 0)
		usrsctp_sysctl_set_sctp_ecn_enable((uint32_t)ecn);
	if (idata)
		usrsctp_sysctl_set_sctp_default_frag_interleave(2);
	/* PKTDROP (draft-stewart-sctp-pktdrprep): offered and reported. */
	if (pktdrop)
		usrsctp_sysctl_set_sctp_pktdrop_enable(1);
	sctp_port = (uint16_t)atoi(argv[4]);

	lsock = usrsctp_socket(af, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!lsock) {
		say("error usrsctp_socket errno=%d %s", errno, strerror(errno));
		return 1;
	}
	usrsctp_setsockopt(lsock, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
	usrsctp_setsockopt(lsock, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
	memset(&im, 0, sizeof(im));
	im.sinit_num_ostreams = (uint16_t)streams;
	im.sinit_max_instreams = 2048;
	usrsctp_setsockopt(lsock, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im));
	timers(lsock, af, rtomin, hb);
	if (auth_setup(lsock, auth_chunks, auth_key, hmacs) < 0)
		return 1;
	if (reconfig) {
		struct sctp_assoc_value av;
		memset(&av, 0, sizeof(av));
		av.assoc_id = SCTP_FUTURE_ASSOC;
		av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ | SCTP_ENABLE_RESET_ASSOC_REQ |
				 SCTP_ENABLE_CHANGE_ASSOC_REQ;
		if (usrsctp_setsockopt(lsock, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av,
				       sizeof(av)) < 0) {
			say("error enable_stream_reset errno=%d %s", errno, strerror(errno));
			return 1;
		}
	}
	if (idata) {
		/* SCTP_INTERLEAVING_SUPPORTED, absent from 0.9.5's header. */
		struct sctp_assoc_value av;
		memset(&av, 0, sizeof(av));
		av.assoc_id = SCTP_FUTURE_ASSOC;
		av.assoc_value = 1;
		if (usrsctp_setsockopt(lsock, IPPROTO_SCTP, 0x1206, &av, sizeof(av)) < 0) {
			say("error interleaving_supported errno=%d %s", errno, strerror(errno));
			return 1;
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.se_assoc_id = SCTP_FUTURE_ASSOC;
	ev.se_on = 1;
	for (k = 0; k < sizeof(events) / sizeof(events[0]); k++) {
		ev.se_type = events[k];
		usrsctp_setsockopt(lsock, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
	}
	if (usrsctp_bind(lsock, (struct sockaddr *)&ss, sslen) < 0) {
		say("error bind errno=%d %s", errno, strerror(errno));
		return 1;
	}
	if (bindx && bind_more(lsock, bindx, (uint16_t)atoi(argv[4])) < 0)
		return 1;
	if (client) {
		struct sockaddr_storage rs;
		socklen_t rslen;
		uint16_t encaps = (uint16_t)atoi(argv[6]);
		if (parse_addr(argv[5], (uint16_t)atoi(argv[7]), &rs, &rslen) != af) {
			fprintf(stderr, "bad remote address %s\n", argv[5]);
			return 2;
		}
		if (encaps) {
			struct sctp_udpencaps ue;
			memset(&ue, 0, sizeof(ue));
			memcpy(&ue.sue_address, &rs, rslen);
			ue.sue_port = htons(encaps);
			if (usrsctp_setsockopt(lsock, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue,
					       sizeof(ue)) < 0) {
				say("error encaps errno=%d %s", errno, strerror(errno));
				return 1;
			}
		}
		say("connecting addr=%s port=%s encaps=%s", argv[5], argv[7], argv[6]);
		if (usrsctp_connect(lsock, (struct sockaddr *)&rs, rslen) < 0) {
			say("error connect errno=%d %s", errno, strerror(errno));
			return 1;
		}
		sock = lsock;
		lsock = NULL;
		/* Again on the association itself. */
		timers(sock, af, rtomin, hb);
		say("connected");
	} else {
		if (usrsctp_listen(lsock, 1) < 0) {
			say("error listen errno=%d %s", errno, strerror(errno));
			return 1;
		}
		say("listening addr=%s port=%s encaps=%s", argv[3], argv[4], argv[2]);
		sock = usrsctp_accept(lsock, NULL, NULL);
		if (!sock) {
			say("error accept errno=%d %s", errno, strerror(errno));
			return 1;
		}
		say("accepted");
		for (k = 0; k < sizeof(events) / sizeof(events[0]); k++) {
			ev.se_type = events[k];
			usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
		}
	}
	pthread_create(&rx, NULL, receiver, NULL);

	while (fgets(line, sizeof(line), stdin)) {
		unsigned count, nstreams, unordered, ms;
		size_t size;
		if (sscanf(line, "sleep %u", &ms) == 1) {
			usleep(ms * 1000u);
		} else if (sscanf(line, "wait %u", &count) == 1) {
			wait_rx(count);
		} else if (!strncmp(line, "end", 3)) {
			wait_end();
		} else if (sscanf(line, "send %u %u %zu %u", &count, &nstreams, &size, &unordered) == 4) {
			send_messages(count, nstreams ? nstreams : 1, size, (int)unordered);
		} else if (!strncmp(line, "shutdown", 8)) {
			if (usrsctp_shutdown(sock, SHUT_WR) < 0)
				say("error shutdown errno=%d %s", errno, strerror(errno));
			else
				say("shutdown_called");
		} else if (!strncmp(line, "abort", 5)) {
			/* The data becomes the User-Initiated Abort cause's reason. */
			static const char reason[] = "usrsctp_peer abort";
			struct sctp_sndinfo si;
			memset(&si, 0, sizeof(si));
			si.snd_flags = SCTP_ABORT;
			if (usrsctp_sendv(sock, reason, sizeof(reason) - 1, NULL, 0, &si, sizeof(si),
					  SCTP_SENDV_SNDINFO, 0) < 0)
				say("error abort errno=%d %s", errno, strerror(errno));
			else
				say("abort_called");
		} else if (!strncmp(line, "reset", 5) && strncmp(line, "resetassoc", 10)) {
			uint8_t buf[sizeof(struct sctp_reset_streams) + 64 * sizeof(uint16_t)];
			struct sctp_reset_streams *rs = (struct sctp_reset_streams *)buf;
			char dir[8] = "";
			const char *p = line + 5;
			int used = 0;
			uint16_t n = 0;
			memset(buf, 0, sizeof(buf));
			if (sscanf(p, " %7s%n", dir, &used) < 1) {
				say("error reset: reset out|in|both [STREAM...]");
				continue;
			}
			p += used;
			rs->srs_assoc_id = 0;
			rs->srs_flags = (uint16_t)((!strcmp(dir, "in") ? SCTP_STREAM_RESET_INCOMING : 0) |
						   (!strcmp(dir, "out") ? SCTP_STREAM_RESET_OUTGOING : 0) |
						   (!strcmp(dir, "both") ? SCTP_STREAM_RESET_INCOMING |
									   SCTP_STREAM_RESET_OUTGOING : 0));
			while (n < 64) {
				unsigned v;
				if (sscanf(p, " %u%n", &v, &used) < 1)
					break;
				rs->srs_stream_list[n++] = (uint16_t)v;
				p += used;
			}
			rs->srs_number_streams = n;
			if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, rs,
					       (socklen_t)(sizeof(*rs) + n * sizeof(uint16_t))) < 0)
				say("error reset errno=%d %s", errno, strerror(errno));
			else
				say("reset_called");
		} else if (!strncmp(line, "addstreams", 10)) {
			struct sctp_add_streams as;
			unsigned out = 0, in = 0;
			memset(&as, 0, sizeof(as));
			sscanf(line + 10, " %u %u", &out, &in);
			as.sas_outstrms = (uint16_t)out;
			as.sas_instrms = (uint16_t)in;
			if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_ADD_STREAMS, &as, sizeof(as)) < 0)
				say("error addstreams errno=%d %s", errno, strerror(errno));
			else
				say("addstreams_called");
		} else if (!strncmp(line, "resetassoc", 10)) {
			sctp_assoc_t aid = 0;
			if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_RESET_ASSOC, &aid, sizeof(aid)) < 0)
				say("error resetassoc errno=%d %s", errno, strerror(errno));
			else
				say("resetassoc_called");
		} else if (!strncmp(line, "sendx", 5)) {
			unsigned stream, first, policy, value;
			if (sscanf(line + 5, " %u %u %zu %u %u %u %u", &stream, &count, &size, &first,
				   &policy, &value, &unordered) != 7)
				say("error sendx: sendx STREAM COUNT SIZE FIRST POLICY VALUE UNORDERED");
			else
				send_pr(stream, count, size, first, policy, value, (int)unordered);
		} else if (!strncmp(line, "bindx", 5)) {
			char op[8] = "", addr[64] = "";
			struct sockaddr_storage a;
			socklen_t alen;
			if (sscanf(line + 5, " %7s %63s", op, addr) != 2 ||
			    parse_addr(addr, sctp_port, &a, &alen) < 0) {
				say("error bindx: bindx add|rem ADDR");
				continue;
			}
			if (usrsctp_bindx(sock, (struct sockaddr *)&a, 1,
					  !strcmp(op, "rem") ? SCTP_BINDX_REM_ADDR : SCTP_BINDX_ADD_ADDR) < 0)
				say("error bindx errno=%d %s", errno, strerror(errno));
			else
				say("bindx_called");
		} else if (!strncmp(line, "peerprimary", 11)) {
			char addr[64] = "";
			if (sscanf(line + 11, " %63s", addr) == 1)
				set_primary(addr, 1, sctp_port);
		} else if (!strncmp(line, "primary", 7)) {
			char addr[64] = "";
			if (sscanf(line + 7, " %63s", addr) == 1)
				set_primary(addr, 0, 0);
		} else if (!strncmp(line, "quit", 4)) {
			break;
		} else {
			say("error unknown command %s", line);
		}
	}
	usrsctp_close(sock);
	if (lsock)
		usrsctp_close(lsock);
	for (tries = 0; tries < 30 && usrsctp_finish() != 0; tries++)
		usleep(100000);
	say("done");
	return 0;
}

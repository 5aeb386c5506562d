/*
 * usrsctp_peer: a one-association SCTP server on usrsctp, the live peer of
 * sctp-craft's tests (craft/tests/live_*.rs).
 *
 * usage: usrsctp_peer ENCAPS_UDP_PORT LOCAL_ADDR SCTP_PORT [echo]
 *   ENCAPS_UDP_PORT  local UDP encapsulation port (RFC 6951); 0 = raw IP
 *   LOCAL_ADDR       IPv4 or IPv6 address to bind
 *   SCTP_PORT        SCTP port to listen on
 *   echo             send every received message back on its stream
 *
 * stdout, one line per event, flushed at once:
 *   listening addr=... port=... encaps=...
 *   accepted
 *   notification assoc_change state=COMM_UP error=0 ...
 *   data len=N sid=S ssn=N ppid=P tsn=T hex=... text=...
 *   notification assoc_change state=COMM_LOST ...
 *   notification shutdown_event
 *   eof | error errno=N ...
 *   done
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <usrsctp.h>

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

static void notification(const union sctp_notification *n, size_t len)
{
	if (len < sizeof(n->sn_header)) {
		printf("notification short len=%zu\n", len);
		return;
	}
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE: {
		const struct sctp_assoc_change *a = &n->sn_assoc_change;
		printf("notification assoc_change state=%s error=%u outbound=%u inbound=%u\n",
		       assoc_state(a->sac_state), a->sac_error,
		       a->sac_outbound_streams, a->sac_inbound_streams);
		break;
	}
	case SCTP_SHUTDOWN_EVENT:
		printf("notification shutdown_event\n");
		break;
	case SCTP_PEER_ADDR_CHANGE:
		printf("notification peer_addr_change state=%d\n",
		       n->sn_paddr_change.spc_state);
		break;
	case SCTP_REMOTE_ERROR:
		printf("notification remote_error error=%u\n",
		       ntohs(n->sn_remote_error.sre_error));
		break;
	default:
		printf("notification type=%u\n", n->sn_header.sn_type);
	}
}

static void data(const char *buf, size_t n, const struct sctp_rcvinfo *ri, int have_ri)
{
	size_t i, show = n < 32 ? n : 32;
	printf("data len=%zu", n);
	if (have_ri)
		printf(" sid=%u ssn=%u ppid=%u tsn=%u", ri->rcv_sid, ri->rcv_ssn,
		       ntohl(ri->rcv_ppid), ri->rcv_tsn);
	printf(" hex=");
	for (i = 0; i < show; i++)
		printf("%02x", (unsigned char)buf[i]);
	printf(" text=");
	for (i = 0; i < show; i++)
		putchar(buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '.');
	putchar('\n');
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct socket *lsock, *sock;
	struct sctp_event ev;
	uint16_t events[] = { SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT, SCTP_PEER_ADDR_CHANGE, SCTP_REMOTE_ERROR };
	const int on = 1;
	unsigned k;
	int af, echo, tries;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: %s ENCAPS_UDP_PORT LOCAL_ADDR SCTP_PORT [echo]\n", argv[0]);
		return 2;
	}
	echo = argc > 4 && strcmp(argv[4], "echo") == 0;
	memset(&ss, 0, sizeof(ss));
	if (strchr(argv[2], ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		af = AF_INET6;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(argv[3]));
		if (inet_pton(AF_INET6, argv[2], &s6->sin6_addr) != 1) {
			fprintf(stderr, "bad address %s\n", argv[2]);
			return 2;
		}
		sslen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		af = AF_INET;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(argv[3]));
		if (inet_pton(AF_INET, argv[2], &s4->sin_addr) != 1) {
			fprintf(stderr, "bad address %s\n", argv[2]);
			return 2;
		}
		sslen = sizeof(*s4);
	}

	/* No debug printf: usrsctp stays quiet. */
	usrsctp_init((uint16_t)atoi(argv[1]), NULL, NULL);
	usrsctp_sysctl_set_sctp_blackhole(2);
	usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);

	lsock = usrsctp_socket(af, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (!lsock) {
		printf("error usrsctp_socket errno=%d %s\n", errno, strerror(errno));
		return 1;
	}
	usrsctp_setsockopt(lsock, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
	memset(&ev, 0, sizeof(ev));
	ev.se_assoc_id = SCTP_FUTURE_ASSOC;
	ev.se_on = 1;
	for (k = 0; k < sizeof(events) / sizeof(events[0]); k++) {
		ev.se_type = events[k];
		usrsctp_setsockopt(lsock, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
	}
	if (usrsctp_bind(lsock, (struct sockaddr *)&ss, sslen) < 0) {
		printf("error bind errno=%d %s\n", errno, strerror(errno));
		return 1;
	}
	if (usrsctp_listen(lsock, 1) < 0) {
		printf("error listen errno=%d %s\n", errno, strerror(errno));
		return 1;
	}
	printf("listening addr=%s port=%s encaps=%s echo=%d\n", argv[2], argv[3], argv[1], echo);

	sock = usrsctp_accept(lsock, NULL, NULL);
	if (!sock) {
		printf("error accept errno=%d %s\n", errno, strerror(errno));
		return 1;
	}
	printf("accepted\n");
	for (k = 0; k < sizeof(events) / sizeof(events[0]); k++) {
		ev.se_type = events[k];
		usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
	}

	for (;;) {
		char buf[65536];
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		struct sctp_rcvinfo ri;
		socklen_t infolen = sizeof(ri);
		unsigned int infotype = 0;
		int flags = 0;
		ssize_t n;

		memset(&ri, 0, sizeof(ri));
		n = usrsctp_recvv(sock, buf, sizeof(buf), (struct sockaddr *)&from, &fromlen,
				  &ri, &infolen, &infotype, &flags);
		if (n < 0) {
			printf("error recv errno=%d %s\n", errno, strerror(errno));
			break;
		}
		if (n == 0) {
			printf("eof\n");
			break;
		}
		if (flags & MSG_NOTIFICATION) {
			const union sctp_notification *no = (const union sctp_notification *)buf;
			notification(no, (size_t)n);
			if (no->sn_header.sn_type == SCTP_ASSOC_CHANGE &&
			    (no->sn_assoc_change.sac_state == SCTP_COMM_LOST ||
			     no->sn_assoc_change.sac_state == SCTP_SHUTDOWN_COMP))
				break;
			continue;
		}
		data(buf, (size_t)n, &ri, infotype == SCTP_RECVV_RCVINFO);
		if (echo) {
			struct sctp_sndinfo si;
			memset(&si, 0, sizeof(si));
			si.snd_sid = ri.rcv_sid;
			si.snd_ppid = ri.rcv_ppid;
			if (usrsctp_sendv(sock, buf, (size_t)n, NULL, 0, &si, sizeof(si),
					  SCTP_SENDV_SNDINFO, 0) < 0)
				printf("error send errno=%d %s\n", errno, strerror(errno));
		}
	}
	usrsctp_close(sock);
	usrsctp_close(lsock);
	for (tries = 0; tries < 50 && usrsctp_finish() != 0; tries++)
		usleep(100000);
	printf("done\n");
	return 0;
}

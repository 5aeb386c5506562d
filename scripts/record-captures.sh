#!/usr/bin/env bash
# Re-records captures/usrsctp-*.pcapng: real associations between two
# usrsctp peers (capture-tools/usrsctp_peer.c) over UDP encapsulation
# (RFC 6951) on 127.0.0.1, captured on lo with tshark.
#
#   scripts/record-captures.sh [NAME...]     (default: all of them)
#
# Needs root (tshark on lo), tshark, cc, pkg-config and libusrsctp-dev.
# UDP ports: the first peer (the server) uses $BASE, the second $BASE+1, the
# INIT-collision relay $BASE+2 and $BASE+3 (BASE defaults to 39899). SCTP
# ports: 5000 (server) and 5001 (client). Each capture is checked with
# tshark (no malformed packet, the chunks it must show) and, when built,
# with target/release/sctp-craft dissect.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=captures
BASE=${BASE:-39899}
S=$BASE                 # server (first peer) UDP port
C=$((BASE + 1))         # client (second peer) UDP port
RA=$((BASE + 2))        # relay port the first peer sends to
RB=$((BASE + 3))        # relay port the second peer sends to
WORK=$(mktemp -d "${TMPDIR:-/tmp}/record-captures.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PEER=$WORK/usrsctp_peer

# shellcheck disable=SC2046
cc -O2 -Wall -o "$PEER" capture-tools/usrsctp_peer.c $(pkg-config --cflags --libs usrsctp) -lpthread
USRSCTP_VERSION=$(pkg-config --modversion usrsctp 2>/dev/null || echo unknown)
TSHARK_DECODE=(-d "udp.port==$S,sctp" -d "udp.port==$C,sctp" -o sctp.checksum:CRC-32C)

# Starts tshark on lo for the peers' UDP ports; waits until it captures.
start_capture() {
	local file=$1 filter=$2
	rm -f "$file"
	tshark -q -i lo -f "$filter" -w "$file" 2>"$WORK/tshark.err" &
	TSHARK=$!
	for _ in $(seq 100); do
		grep -q "Capturing on" "$WORK/tshark.err" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5
}

stop_capture() {
	sleep 0.5
	kill -INT "$TSHARK"
	wait "$TSHARK" || true
}

# peer NAME ARGS... < commands: runs a peer, its log in $WORK/NAME.log.
peer() {
	local name=$1
	shift
	"$PEER" "$@" >"$WORK/$name.log" 2>&1
}

# run NAME SERVER_OPTS SERVER_CMDS CLIENT_OPTS CLIENT_CMDS: a usrsctp server
# on $S and a usrsctp client on $C; commands are `;`-separated.
run() {
	local name=$1 sopts=$2 scmds=$3 copts=$4 ccmds=$5
	local file=$OUT/usrsctp-$name.pcapng
	start_capture "$file" "udp port $S or udp port $C"
	# shellcheck disable=SC2086
	tr ';' '\n' <<<"$scmds" | peer "$name-server" server "$S" 127.0.0.1 5000 $sopts &
	local sp=$!
	sleep 0.3
	# shellcheck disable=SC2086
	tr ';' '\n' <<<"$ccmds" | peer "$name-client" client "$C" 127.0.0.1 5001 127.0.0.1 "$S" 5000 $copts &
	local cp=$!
	wait "$cp" "$sp"
	stop_capture
	finish "$name" "$file"
}

# The INIT collision: both peers connect at once (each is a client of the
# other); the relay holds each side's first datagram (its INIT) until the
# other side's has come, so the INITs always cross.
collision() {
	local name=init-collision
	local file=$OUT/usrsctp-$name.pcapng
	# What the relay delivers: every packet once.
	start_capture "$file" "udp dst port $S or udp dst port $C"
	"$PEER" relay "$RA" "$RB" "$S" "$C" >"$WORK/relay.log" 2>&1 &
	local rp=$!
	sleep 0.2
	tr ';' '\n' <<<"wait 3;shutdown;end;quit" |
		peer "$name-a" client "$S" 127.0.0.1 5000 127.0.0.1 "$RA" 5001 &
	local ap=$!
	tr ';' '\n' <<<"send 3 1 200 0;end;quit" |
		peer "$name-b" client "$C" 127.0.0.1 5001 127.0.0.1 "$RB" 5000 echo=1 &
	local bp=$!
	wait "$ap" "$bp"
	wait "$rp" || true
	stop_capture
	finish "$name" "$file"
}

# Losses: the client (UDP $C) sends to the relay ($RA), which forwards to the
# server ($S) from $RB and back; capture-tools/lossy_relay.py drops the
# datagrams listed. The capture holds what the peers send (udp dst port $RA
# or $RB), so a dropped datagram is in it but never arrived.
lossy() {
	local name=lossy
	local file=$OUT/usrsctp-$name.pcapng
	start_capture "$file" "udp dst port $RA or udp dst port $RB"
	python3 capture-tools/lossy_relay.py "$RA" "$RB" "$C" "$S" --drop-a "$1" --drop-b-ms "$2" --idle 10 >"$WORK/relay.log" 2>&1 &
	local rp=$!
	sleep 0.3
	tr ';' '\n' <<<"wait 40;end;quit" | peer "$name-server" server "$S" 127.0.0.1 5000 rtomin=200 &
	local sp=$!
	sleep 0.3
	tr ';' '\n' <<<"send 20 2 1000 0;sleep 1500;send 20 2 1000 0;sleep 3000;shutdown;end;quit" |
		peer "$name-client" client "$C" 127.0.0.1 5001 127.0.0.1 "$RA" 5000 rtomin=200 &
	local cp=$!
	wait "$cp" "$sp"
	wait "$rp" || true
	stop_capture
	finish "$name" "$file"
}

# Checks a capture and prints its chunk summary.
finish() {
	local name=$1 file=$2
	local n bad
	n=$(tshark -r "$file" "${TSHARK_DECODE[@]}" 2>/dev/null | wc -l)
	bad=$(tshark -r "$file" "${TSHARK_DECODE[@]}" -Y '_ws.malformed || _ws.expert.severity == error || sctp.checksum.status == 0' 2>/dev/null | wc -l)
	echo "== $file: $n packets, $bad malformed or bad-checksum (usrsctp $USRSCTP_VERSION)"
	tshark -r "$file" "${TSHARK_DECODE[@]}" -T fields -e sctp.chunk_type 2>/dev/null |
		tr ',' '\n' | sort -n | uniq -c |
		awk 'BEGIN { split("DATA INIT INIT_ACK SACK HEARTBEAT HEARTBEAT_ACK ABORT SHUTDOWN SHUTDOWN_ACK ERROR COOKIE_ECHO COOKIE_ACK ECNE CWR SHUTDOWN_COMPLETE", n, " ") }
		     { printf "   %s (%s): %s\n", n[$2 + 1], $2, $1 }'
	if grep -h "^error" "$WORK/$name"*.log; then echo "   (peer errors above)"; fi
	if [ -x target/release/sctp-craft ]; then
		target/release/sctp-craft dissect --udp-port "$S" --udp-port "$C" --stats -q "$file" | tail -n 12 | sed 's/^/   /'
	fi
	[ "$bad" -eq 0 ] || { echo "$file: malformed packets" >&2; exit 1; }
}

record() {
	case $1 in
	# Client sends 10 messages, the server echoes each; the client shuts down.
	echo) run echo "echo=1" "end;quit" "" "send 10 1 100 0;wait 10;shutdown;end;quit" ;;
	# Two 64 KiB messages from the client: each fragmented into DATA chunks
	# (B, middles, E); the client shuts down once they are acknowledged.
	bulk-fragmented) run bulk-fragmented "" "wait 2;end;quit" "" "send 2 1 65536 0;shutdown;end;quit" ;;
	# 64 streams asked for on each side: 64 messages from the client over 32
	# streams, 32 from the server over 16 streams.
	many-streams) run many-streams "streams=64" "send 32 16 300 0;wait 64;end;quit" "streams=64" "send 64 32 200 0;wait 32;shutdown;end;quit" ;;
	# 20 unordered messages on 2 streams, echoed unordered.
	unordered) run unordered "echo=1" "end;quit" "" "send 20 2 500 1;wait 20;shutdown;end;quit" ;;
	# The server shuts down once it has the client's 5 messages.
	shutdown-server) run shutdown-server "" "wait 5;shutdown;end;quit" "" "send 5 1 100 0;end;quit" ;;
	# The client aborts (User-Initiated Abort) after 5 messages.
	abort) run abort "" "wait 5;end;quit" "" "send 5 1 100 0;sleep 300;abort;sleep 200;quit" ;;
	# SCTP-AUTH (RFC 4895): both peers require DATA and SACK to be authenticated,
	# shared key 1 "sctpkit-auth-key" active (key 0 stays the empty key), HMAC-SHA-1
	# (Debian's libusrsctp has no SHA-256); 10 messages on 2 streams, echoed.
	auth) run auth "echo=1 auth=0,3 key=1:sctpkit-auth-key hmac=1" "end;quit" "auth=0,3 key=1:sctpkit-auth-key hmac=1" "send 10 2 300 0;wait 10;shutdown;end;quit" ;;
	init-collision) collision ;;
	# Twice 20 messages of 1000 bytes from the client, 1.5 s apart, through a
	# relay that loses the client's 8th and 9th datagrams (DATA: a gap, SACKs
	# with gap blocks, retransmissions) and whatever the server sends from
	# 1.4 to 2.2 s (the SACKs of the second burst: the client's timer
	# retransmits what the server had acknowledged; the server reports
	# duplicate TSNs).
	lossy) lossy 8,9 1400-2200 ;;
	*)
		echo "unknown capture $1" >&2
		exit 2
		;;
	esac
}

ALL=(echo bulk-fragmented many-streams unordered shutdown-server abort init-collision auth lossy)
for c in "${@:-${ALL[@]}}"; do
	record "$c"
done

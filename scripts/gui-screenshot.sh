#!/usr/bin/env bash
# The Wireshark GUI (the host's Qt program, Debian 12: 4.0.17) with the sctpkit plugin,
# under a virtual X server, driven by keystrokes, with screenshots:
#   scripts/gui-screenshot.sh [OUTDIR]          (default: docs/)
# writes
#   OUTDIR/wireshark-gui-m3ua.png    suricata-verify-sctp-keywords-m3ua.pcap, frame 8: the
#                                    sctpkit tree (SACK + DATA) and the hand-off to M3UA
#   OUTDIR/wireshark-gui-ngap.png    5greplay-ngap-ue-authentication.pcapng, frame 4: the
#                                    sctpkit tree and the hand-off to NGAP / NAS-5GS
#   OUTDIR/wireshark-gui-sctp-analyse.png, OUTDIR/wireshark-gui-sctp-analyse-ep1.png
#                                    Telephony -> SCTP -> Analyse this Association on
#                                    frame 8 of the M3UA capture, sctpkit dissecting: its
#                                    Statistics tab (data chunks and bytes per direction,
#                                    4/64 and 8/192 as with the built-in and its
#                                    association indexing on) and Endpoint 1 tab, beside
#                                    the packet list and the sctpkit tree; should
#                                    Wireshark leave that menu item disabled (no "sctp"
#                                    among the frame's layers), OUTDIR/wireshark-gui-sctp-
#                                    menu.png shows the menu instead and the script fails
# and exits 1 when a step did not happen (each step is checked by the window it opens;
# look at the PNGs too).
#
# Needs xvfb, wireshark-qt, xdotool and imagemagick (scripts/install-deps.sh). Wireshark
# runs with a private HOME whose personal plugin folder holds target/release/libsctpkit.so
# (built if missing or older than its sources; SCTPKIT_PLUGIN_SO=FILE takes FILE as it
# is); as root it runs as the user nobody, since
# Wireshark ignores personal plugin folders when run as root. Window size, pane sizes and
# the hidden bytes pane come from that HOME's "recent" files. SCTPKIT_GUI_KEEP=1 leaves
# the X server and Wireshark running (DISPLAY printed) for a look with x11vnc or xwd.
# SCTPKIT_GUI_WIRESHARK_ARGS adds options to the wireshark command line, e.g.
# "-o sctpkit.takeover:FALSE" for the same shots with the built-in SCTP dissector.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$(realpath -m "${1:-$here/docs}")"
caps="$(cd "$here/../shared/captures" && pwd)"
W=1600 H=1200

for c in Xvfb wireshark xdotool import convert; do
  command -v "$c" >/dev/null || { echo "$c is missing: scripts/install-deps.sh installs it" >&2; exit 1; }
done
ver="$(wireshark -v 2>/dev/null | sed -n '1s/^Wireshark \([0-9]*\.[0-9]*\)\..*/\1/p')"
[ -n "$ver" ] || { echo "cannot read the version of wireshark -v" >&2; exit 1; }

so="${SCTPKIT_PLUGIN_SO:-${CARGO_TARGET_DIR:-$here/target}/release/libsctpkit.so}"
if [ -z "${SCTPKIT_PLUGIN_SO:-}" ] && { [ ! -f "$so" ] || [ -n "$(find "$here/dissector-plugin/src" \
  "$here/dissector-plugin/csrc" "$here/codec/src" -newer "$so" -print -quit)" ]; }; then
  (cd "$here" && cargo build --release -p dissector-plugin)
fi
built="$(grep -ao 'SCTPKIT_BUILT_FOR_WIRESHARK=[0-9.]*' "$so" | head -1 | cut -d= -f2)"
[ "${built%.*}" = "$ver" ] || {
  echo "$so is built for Wireshark $built, the GUI is $ver: they would not go together" >&2
  exit 1
}

work="$(mktemp -d /tmp/sctpkit-gui-XXXXXX)"
xpid="" wpid="" disp=""
cleanup() {
  if [ "${SCTPKIT_GUI_KEEP:-}" = 1 ]; then
    echo "kept: DISPLAY=:$disp (Xvfb $xpid, wireshark $wpid), $work"
    return
  fi
  [ -n "$wpid" ] && kill "$wpid" 2>/dev/null || true
  [ -n "$xpid" ] && kill "$xpid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
home="$work/home"
install -D -m 0644 "$so" "$home/.local/lib/wireshark/plugins/$ver/epan/libsctpkit.so"
mkdir -p "$home/.config/wireshark" "$work/run" "$out"
cat >"$home/.config/wireshark/recent_common" <<EOF
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: $W
gui.geometry_main_height: $H
gui.geometry_main_maximized: FALSE
EOF
cat >"$home/.config/wireshark/recent" <<EOF
gui.byte_view_show: FALSE
gui.geometry_main_upper_pane: 260
EOF
cp "$caps/suricata-verify-sctp-keywords-m3ua.pcap" "$caps/5greplay-ngap-ue-authentication.pcapng" "$work/"
chmod -R a+rwX "$work"; chmod 0700 "$work/run"

runas=()
if [ "$(id -u)" = 0 ]; then
  runas=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  chown 65534:65534 "$work/run"
fi

# A display of our own: Xvfb picks a free number and writes it to fd 3.
Xvfb -displayfd 3 -screen 0 "${W}x${H}x24" -ac -nolisten tcp 3>"$work/display" \
  >"$work/xvfb.log" 2>&1 &
xpid=$!
for _ in $(seq 50); do [ -s "$work/display" ] && break; sleep 0.2; done
disp="$(head -1 "$work/display")"
[ -n "$disp" ] || { echo "Xvfb did not start:" >&2; cat "$work/xvfb.log" >&2; exit 1; }
export DISPLAY=":$disp"
echo "Xvfb on $DISPLAY (${W}x${H}); Wireshark $(wireshark -v 2>/dev/null | sed -n '1s/^Wireshark \([0-9.]*\).*/\1/p') with $so"

# The same user and HOME give the plugin to Wireshark's tshark: it must be listed.
"${runas[@]}" env -i PATH=/usr/bin:/bin HOME="$home" tshark -G plugins 2>/dev/null |
  grep '^libsctpkit' || { echo "tshark with $home does not list the plugin" >&2; exit 1; }

fails=0
fail() { echo "FAILED: $*" >&2; fails=$((fails + 1)); }

# Starts Wireshark on capture $1 at frame $2, waits for its main window; sets $win.
win=""
open_capture() {
  local cap="$1" frame="$2"
  "${runas[@]}" env -i PATH=/usr/bin:/bin HOME="$home" XDG_RUNTIME_DIR="$work/run" \
    DISPLAY="$DISPLAY" LANG=C.UTF-8 QT_QPA_PLATFORM=xcb \
    wireshark -r "$work/$cap" -g "$frame" ${SCTPKIT_GUI_WIRESHARK_ARGS:-} >"$work/wireshark-$cap.log" 2>&1 &
  wpid=$!
  win=""
  for _ in $(seq 120); do
    win="$(xdotool search --onlyvisible --name "^$cap\$" 2>/dev/null | head -1 || true)"
    [ -n "$win" ] && break
    sleep 0.5
  done
  [ -n "$win" ] || { fail "no Wireshark window for $cap"; cat "$work/wireshark-$cap.log" >&2; return 1; }
  sleep 4 # the capture loads, frame $frame is selected
  if grep -q "Couldn't load plugin" "$work/wireshark-$cap.log"; then
    fail "Wireshark did not load the plugin: $(grep "Couldn't load plugin" "$work/wireshark-$cap.log")"
  fi
}

close_wireshark() {
  kill "$wpid" 2>/dev/null || true
  wait "$wpid" 2>/dev/null || true
  wpid=""
}

# xdotool without a window manager complains about the input focus (harmless).
xdo() { xdotool "$@" 2> >(grep -v 'XGetInputFocus returned the focused window of 1' >&2); }
key() { xdo key --window "$win" --delay 150 "$@"; sleep 0.5; }

# In the packet details: collapse everything, then expand the 4th top-level row (the
# SCTP (sctpkit) protocol item under Frame, Ethernet and IPv4) with all its subtrees,
# then the last row (the upper layer) one level.
expand_sctpkit() {
  key ctrl+Left                               # View -> Collapse All
  xdo mousemove --window "$win" 800 $((H - 100)) click 1  # focus the details pane (empty part)
  sleep 0.5
  key Home Down Down Down shift+Right          # SCTP (sctpkit): Expand Subtrees
  key End Right                                # the upper layer, one level
  key Home Down Down Down                      # back on the sctpkit row: the view shows it
  xdo mousemove --window "$win" $((W - 20)) 40  # no hover highlight in the shot
  sleep 1
}

shot() { import -window root "$out/$1"; echo "wrote $out/$1"; }

# 1. M3UA: frame 8 is a SACK and a DATA chunk carrying M3UA ASPAC_ACK.
if open_capture suricata-verify-sctp-keywords-m3ua.pcap 8; then
  expand_sctpkit
  shot wireshark-gui-m3ua.png

  # 3. Telephony -> SCTP -> Analyse this Association, on the same frame.
  key alt+y                                    # Telephon_y
  key c                                        # S_CTP
  key Return                                   # Analyse this Association (first item)
  dlg=""
  for _ in $(seq 20); do
    dlg="$(xdotool search --onlyvisible --name 'SCTP Analyse' 2>/dev/null | head -1 || true)"
    [ -n "$dlg" ] && break
    sleep 0.5
  done
  if [ -n "$dlg" ]; then
    sleep 2
    echo "dialog: $(xdotool getwindowname "$dlg")"
    # To the lower right corner, over the empty right half of the packet details:
    # the packet list (Info column) and the sctpkit tree stay in view.
    eval "$(xdotool getwindowgeometry --shell "$dlg")"
    xdo windowmove "$dlg" $((W - WIDTH - 8)) $((H - HEIGHT - 40))
    sleep 1
    shot wireshark-gui-sctp-analyse.png
    rm -f "$out/wireshark-gui-sctp-menu.png"
    xdo key --window "$dlg" ctrl+Tab           # the Endpoint 1 tab
    sleep 1
    shot wireshark-gui-sctp-analyse-ep1.png
    xdo key --window "$dlg" Escape
  elif warn="$(xdotool search --onlyvisible --name '^Warning$' 2>/dev/null | head -1)" && [ -n "$warn" ]; then
    shot wireshark-gui-sctp-warning.png
    key Return
    fail "Analyse this Association: a Warning box (\"No Association found for this packet.\"?), see $out/wireshark-gui-sctp-warning.png"
  else
    # Wireshark enables Telephony -> SCTP only when "sctp" is among the frame's layers.
    key Escape Escape
    key alt+y c
    shot wireshark-gui-sctp-menu.png
    key Escape Escape
    fail "Telephony -> SCTP -> Analyse this Association opened no dialog (menu as shown in $out/wireshark-gui-sctp-menu.png)"
  fi
  close_wireshark
fi

# 2. NGAP: frame 4 is a SACK and a DATA chunk carrying NGAP DownlinkNASTransport
# with a NAS-5GS Authentication request. (The capture was taken on loopback: its
# SCTP checksums are zero, which sctpkit reports as bad by default.)
if open_capture 5greplay-ngap-ue-authentication.pcapng 4; then
  expand_sctpkit
  shot wireshark-gui-ngap.png
  close_wireshark
fi

if [ "$fails" != 0 ]; then
  echo "gui-screenshot: $fails step(s) failed" >&2
  exit 1
fi
echo "gui-screenshot: all steps done"

#!/usr/bin/env bash
# Build the sctpkit Wireshark plugin for the installed Wireshark and install it:
#   scripts/install-plugin.sh            -> ~/.local/lib/wireshark/plugins/<X.Y>/epan/libsctpkit.so
#   scripts/install-plugin.sh --global   -> Wireshark's global plugin folder (needs root;
#                                           use this if you run tshark/Wireshark as root,
#                                           which ignores the personal folder)
# The plugin is built against the headers that `pkg-config wireshark` finds (or
# WIRESHARK_PREFIX=DIR / WIRESHARK_SYSROOT=DIR, see dissector-plugin/build.rs) and
# loads only into that minor version (4.0, 4.2, 4.4, 4.6): the script refuses to
# install when those headers are not the installed Wireshark's version.
# Then check:  tshark -G plugins | grep sctpkit
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v tshark >/dev/null || { echo "tshark is needed (scripts/install-deps.sh)" >&2; exit 1; }
# The plugin ABI is per Wireshark minor version.
tv="$(tshark -v 2>/dev/null | head -1)"
ver="$(sed -n 's/^TShark (Wireshark) \([0-9]*\)\.\([0-9]*\)\..*/\1.\2/p' <<<"$tv")"
full="$(sed -n 's/^TShark (Wireshark) \([0-9.]*[0-9]\).*/\1/p' <<<"$tv")"
[ -n "$ver" ] || { echo "cannot read the Wireshark version from tshark -v" >&2; exit 1; }

cargo build --release -p dissector-plugin
so="${CARGO_TARGET_DIR:-target}/release/libsctpkit.so"
[ -f "$so" ] || { echo "build did not produce $so" >&2; exit 1; }
built="$(strings "$so" 2>/dev/null | sed -n 's/^SCTPKIT_BUILT_FOR_WIRESHARK=//p' | head -1 || true)"
if [ -z "$built" ]; then
  # strings (binutils) missing: the marker is plain bytes in the file.
  built="$(grep -ao 'SCTPKIT_BUILT_FOR_WIRESHARK=[0-9.]*' "$so" | head -1 | cut -d= -f2 || true)"
fi
[ -n "$built" ] || { echo "cannot read which Wireshark $so was built for" >&2; exit 1; }
built_minor="$(echo "$built" | cut -d. -f1,2)"
echo "built the plugin for Wireshark $built (headers); installed Wireshark is $full"
if [ "$built_minor" != "$ver" ]; then
  cat >&2 <<MSG
refusing to install: the plugin was built against the headers of Wireshark $built,
but the installed tshark is $full. Wireshark $ver would not load it (a plugin loads
only into the minor version it was built for). Install the development headers of
your Wireshark (Debian: libwireshark-dev of the same version as tshark), or point
the build at them with WIRESHARK_PREFIX=DIR or WIRESHARK_SYSROOT=DIR, and run this again.
MSG
  exit 1
fi

if [ "${1:-}" = "--global" ]; then
  global="$(tshark -G folders | awk -F'\t' '/^Global Plugins:/ {print $2}')"
  dest="${global:-/usr/lib/x86_64-linux-gnu/wireshark/plugins/$ver}/epan"
else
  dest="${HOME}/.local/lib/wireshark/plugins/${ver}/epan"
  if [ "$(id -u)" = 0 ]; then
    echo "note: tshark/Wireshark running as root ignore the personal plugin folder;" >&2
    echo "      use '$0 --global' to install for root." >&2
  fi
fi
install -D -m 0644 "$so" "$dest/libsctpkit.so"
echo "installed $dest/libsctpkit.so (for Wireshark $ver)"
echo "check with: tshark -G plugins | grep sctpkit"

#!/usr/bin/env bash
# Build the sctpkit Wireshark plugin and install it for the current user:
#   scripts/install-plugin.sh            -> ~/.local/lib/wireshark/plugins/<X.Y>/epan/libsctpkit.so
#   scripts/install-plugin.sh --global   -> Wireshark's global plugin folder (needs root;
#                                           use this if you run tshark/Wireshark as root,
#                                           which ignores the personal folder)
# Then check:  tshark -G plugins | grep sctpkit
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v tshark >/dev/null || { echo "tshark is needed (scripts/install-deps.sh)" >&2; exit 1; }
# The plugin ABI is per Wireshark minor version: 4.0 for Debian 12's 4.0.x.
ver="$(tshark -v | sed -n '1s/^TShark (Wireshark) \([0-9]*\)\.\([0-9]*\)\..*/\1.\2/p')"
[ -n "$ver" ] || { echo "cannot read the Wireshark version from tshark -v" >&2; exit 1; }

cargo build --release -p dissector-plugin
so="${CARGO_TARGET_DIR:-target}/release/libsctpkit.so"
[ -f "$so" ] || { echo "build did not produce $so" >&2; exit 1; }

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
echo "installed $dest/libsctpkit.so"
echo "check with: tshark -G plugins | grep sctpkit"

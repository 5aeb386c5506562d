#!/usr/bin/env bash
# Runs one Wireshark version's tshark with the sctpkit plugin built for that version:
#   scripts/wireshark.sh VERSION tshark ARGS...     VERSION: 4.0 (the host's), 4.4 or 4.6
# e.g. scripts/wireshark.sh 4.6 tshark -r ../shared/captures/x.pcap -Y sctpkit
#      scripts/wireshark.sh 4.4 tshark -G plugins
# (editcap, capinfos and mergecap of that version work the same way.)
#
# tshark runs as the unprivileged user nobody (Wireshark ignores personal plugin
# folders as root) with a private HOME whose plugins/<VERSION>/epan folder holds the
# plugin, and with the capabilities to read and write your files (CAP_DAC_READ_SEARCH,
# CAP_DAC_OVERRIDE), so capture paths need no chmod. For 4.4 and 4.6 it runs in that
# version's root (scripts/wireshark-versions.sh makes it and builds the plugin there
# when needed); the current folder and the folders of path arguments are mounted at
# their own paths, so paths from outside the root work unchanged. The exit status,
# stdout and stderr are tshark's own. Needs root for 4.4/4.6 (chroot, mount).
# SCTPKIT_PLUGIN_SO=FILE puts FILE in the plugin folder instead (nothing is built):
# scripts/wireshark-versions.sh uses it to show that a plugin built for another
# version is refused. SCTPKIT_LD_LIBRARY_PATH=DIR (4.4/4.6) mounts DIR at its own
# path in the root and runs the program with LD_LIBRARY_PATH=DIR: the test that puts
# the 4.0 build in 4.4's folder with 4.0's libwireshark.so.16 loadable uses it to reach
# Wireshark's own version check ("was compiled for Wireshark version 4.0").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOTS="${SCTPKIT_ROOTS:-/var/cache/sctpkit/roots}"

usage() { echo "usage: $0 4.0|4.4|4.6 tshark|editcap|capinfos|mergecap ARGS..." >&2; exit 2; }
[ $# -ge 2 ] || usage
ver="$1" prog="$2"; shift 2
case "$prog" in tshark|editcap|capinfos|mergecap) ;; *) usage ;; esac
case "$ver" in 4.0|4.4|4.6) ;; *) echo "unknown version '$ver'" >&2; usage ;; esac

newer_sources() { # prints something if a source is newer than $1
  find "$here/dissector-plugin/src" "$here/dissector-plugin/csrc" "$here/dissector-plugin/build.rs" \
    "$here/codec/src" -newer "$1" -print -quit 2>/dev/null
}

runas=(setpriv --reuid=65534 --regid=65534 --clear-groups
       --inh-caps=+dac_read_search,+dac_override --ambient-caps=+dac_read_search,+dac_override)
[ "$(id -u)" = 0 ] || runas=()

if [ "$ver" = 4.0 ]; then
  have="$(tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\)\..*/\1/p')"
  [ "$have" = 4.0 ] || { echo "the host's tshark is '${have:-missing}', not 4.0" >&2; exit 1; }
  so="${CARGO_TARGET_DIR:-$here/target}/release/libsctpkit.so"
  if [ -n "${SCTPKIT_PLUGIN_SO:-}" ]; then
    so="$SCTPKIT_PLUGIN_SO"
  elif [ ! -f "$so" ] || [ -n "$(newer_sources "$so")" ]; then
    (cd "$here" && cargo build -q --release -p dissector-plugin) >&2
  fi
  home="$(mktemp -d /tmp/sctpkit-ws-XXXXXX)"
  trap 'rm -rf "$home"' EXIT
  install -D -m 0644 "$so" "$home/.local/lib/wireshark/plugins/4.0/epan/libsctpkit.so"
  chmod -R a+rwX "$home"; chmod a+x "$home"
  rc=0
  "${runas[@]}" env HOME="$home" "$prog" "$@" || rc=$?
  exit "$rc"
fi

[ "$(id -u)" = 0 ] || { echo "$0 $ver needs root (chroot into $ROOTS/$ver)" >&2; exit 1; }
root="$ROOTS/$ver"
so="$root/build/target/release/libsctpkit.so"
if [ -n "${SCTPKIT_PLUGIN_SO:-}" ]; then
  so="$SCTPKIT_PLUGIN_SO"
  [ -f "$root/.sctpkit-root-complete" ] || "$here/scripts/wireshark-versions.sh" root "$ver" >&2
elif [ ! -f "$root/.sctpkit-root-complete" ] || [ ! -f "$so" ] || [ -n "$(newer_sources "$so")" ]; then
  "$here/scripts/wireshark-versions.sh" plugin "$ver" >&2
fi

# Folders to mount at their own paths inside the root: the current folder and
# those of arguments that name an existing file or folder (or a file to write in
# an existing folder). The root's own system folders are never covered.
declare -A mounts=()
# Both the folder's real path and its path as written (they differ across a symlink:
# ../shared -> /work/shared), so that either way of naming a file finds it.
want_mount() {
  local d
  for d in "$(realpath -m "$1")" "$(realpath -m -s "$1")"; do
    case "$d" in
      /|/usr|/usr/*|/etc|/etc/*|/lib*|/bin|/bin/*|/sbin|/sbin/*|/var/lib|/var/lib/*|/proc*|/dev*|/sys*|"$ROOTS"*)
        return 1 ;;
    esac
  done
  for d in "$(realpath -m "$1")" "$(realpath -m -s "$1")"; do mounts["$d"]=1; done
}
want_mount "$PWD" || true
for a in "$@"; do
  case "$a" in -*) continue ;; esac
  if [ -e "$a" ]; then
    p="$a"; [ -d "$a" ] || p="$(dirname -- "$a")"
  elif [[ "$a" == */* ]] && [ -d "$(dirname -- "$a")" ]; then
    p="$(dirname -- "$a")"
  else
    continue
  fi
  want_mount "$p" || echo "note: $a is not mounted into the root (its folder is / or a system folder)" >&2
done
ldpath=()
if [ -n "${SCTPKIT_LD_LIBRARY_PATH:-}" ]; then
  want_mount "$SCTPKIT_LD_LIBRARY_PATH" || { echo "cannot mount $SCTPKIT_LD_LIBRARY_PATH" >&2; exit 2; }
  ldpath=(LD_LIBRARY_PATH="$(realpath -m "$SCTPKIT_LD_LIBRARY_PATH")")
fi
# Parents before children (a later mount would hide an earlier one below it).
mapfile -t dirs < <(printf '%s\n' "${!mounts[@]}" | sort)

mkdir -p "$root/sctpkit-homes"
home="$(mktemp -d "$root/sctpkit-homes/XXXXXX")"
trap 'rm -rf "$home"' EXIT
install -D -m 0644 "$so" "$home/.local/lib/wireshark/plugins/$ver/epan/libsctpkit.so"
chmod -R a+rwX "$home"; chmod a+x "$home"
rc=0
unshare --mount --propagation private -- bash -euo pipefail -c '
  root="$1" home="$2" cwd="$3" n="$4"; shift 4
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  for ((i = 0; i < n; i++)); do
    mkdir -p "$root$1"; mount --rbind "$1" "$root$1"; shift
  done
  exec chroot "$root" "$@"
' wireshark.sh "$root" "${home#"$root"}" "$PWD" "${#dirs[@]}" "${dirs[@]}" \
  "${runas[@]}" env -i -C "$PWD" PATH=/usr/bin:/bin HOME="${home#"$root"}" LANG=C.UTF-8 "${ldpath[@]}" "$prog" "$@" \
  || rc=$?
exit "$rc"

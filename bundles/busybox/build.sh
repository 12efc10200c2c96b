#!/bin/sh
# Assemble bundles/busybox/rootfs from Debian's busybox-static: the static
# binary, one symlink per applet, and minimal /etc/passwd and /etc/group.
# Idempotent: rebuilds the rootfs from scratch each time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rootfs="$here/rootfs"
busybox=${BUSYBOX:-/bin/busybox}

if ! "$busybox" --list >/dev/null 2>&1; then
  echo "build.sh: $busybox is missing: install Debian's busybox-static" >&2
  exit 1
fi
if file_out=$(command -v file >/dev/null 2>&1 && file -L "$busybox"); then
  case "$file_out" in *dynamically*) echo "build.sh: $busybox is dynamically linked: install busybox-static" >&2; exit 1;; esac
fi

rm -rf "$rootfs"
mkdir -p "$rootfs"
cd "$rootfs"
mkdir -p bin sbin usr/bin usr/sbin etc root tmp proc sys dev home var/tmp run
chmod 1777 tmp var/tmp
chmod 0700 root
cp "$busybox" bin/busybox
chmod 0755 bin/busybox

"$busybox" --list-full | while read -r applet; do
  [ "$applet" = bin/busybox ] && continue
  case "$applet" in
    bin/*)       target=busybox ;;
    sbin/*)      target=../bin/busybox ;;
    usr/bin/*)   target=../../bin/busybox ;;
    usr/sbin/*)  target=../../bin/busybox ;;
    *) continue ;;
  esac
  [ -e "$applet" ] || ln -s "$target" "$applet"
done

cat > etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > etc/group <<'GROUP'
root:x:0:
daemon:x:1:
tty:x:5:
users:x:100:
nogroup:x:65534:
GROUP
echo "tsrun" > etc/hostname
: > etc/resolv.conf
: > etc/hosts
echo "built $rootfs ($("$busybox" --list | wc -l) applets)"

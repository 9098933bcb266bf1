#!/usr/bin/env bash
# Provides the binaries of the integration test bed: etcd + kube-apiserver, as envtest does.
#
#   scripts/envtest.sh            prints the folder holding `etcd` and `kube-apiserver`
#
# Environment: KUBEBUILDER_ASSETS (a folder with both binaries), EFFECT_KUBE_CACHE (default
# ~/.cache/effect-kube), EFFECT_KUBE_NO_BUILD=1 (fail instead of installing and building).
#
# Order: $KUBEBUILDER_ASSETS (when it holds both binaries), then the cache under
# ~/.cache/effect-kube/, then a build: etcd from Debian's `etcd-server`, kube-apiserver from Debian's
# `kubernetes` source package (v1.20.2, built offline from its vendored tree), then cached.
# Progress goes to stderr; only the folder goes to stdout.
set -euo pipefail

log() { printf '[envtest] %s\n' "$*" >&2; }

have_both() { [ -x "$1/kube-apiserver" ] && [ -x "$1/etcd" ]; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  if have_both "$KUBEBUILDER_ASSETS"; then
    echo "$KUBEBUILDER_ASSETS"
    exit 0
  fi
  log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS does not hold executable 'etcd' and 'kube-apiserver'; falling back to the cache"
fi

K8S_VERSION="1.20.2"
CACHE="${EFFECT_KUBE_CACHE:-$HOME/.cache/effect-kube}"
BIN="$CACHE/k8s-$K8S_VERSION/bin"
if have_both "$BIN"; then
  echo "$BIN"
  exit 0
fi

if [ -n "${EFFECT_KUBE_NO_BUILD:-}" ] || [ "$(id -u)" != 0 ]; then
  log "no etcd/kube-apiserver binaries found, and building them is $( [ -n "${EFFECT_KUBE_NO_BUILD:-}" ] && echo "disabled (EFFECT_KUBE_NO_BUILD)" || echo "impossible without root")."
  log "Set KUBEBUILDER_ASSETS to a folder holding 'etcd' and 'kube-apiserver', or run this script as root."
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
CODENAME="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
LIST=/etc/apt/sources.list.d/effect-kube-bookworm.sources
if [ ! -f "$LIST" ]; then
  log "adding Debian bookworm sources (deb-src for kubernetes; pinned to bookworm)"
  types="deb-src"
  [ "$CODENAME" != bookworm ] && types="deb deb-src"
  cat > "$LIST" <<SRC
Types: $types
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  if [ "$CODENAME" != bookworm ]; then
    # bookworm packages only when asked for by name (pkg/bookworm); never an upgrade of the system's own.
    cat > /etc/apt/preferences.d/effect-kube-bookworm <<PIN
Package: *
Pin: release n=bookworm
Pin-Priority: 100
PIN
  fi
fi

log "apt-get update"
apt-get update -qq >&2
# Go 1.19 is the toolchain Debian built kubernetes 1.20 with: taken from bookworm on any release
# (by name, so nothing else of the system is replaced); the rest from the machine's own release.
GO_PKGS="golang-1.19-go golang-github-modern-go-reflect2-dev"
if [ "$CODENAME" != bookworm ]; then GO_PKGS="golang-1.19-go/bookworm golang-github-modern-go-reflect2-dev"; fi
log "installing etcd-server rsync dpkg-dev $GO_PKGS"
apt-get install -y -qq etcd-server rsync dpkg-dev $GO_PKGS >&2 || {
  log "etcd-server not in this release: taking bookworm's"
  apt-get install -y -qq etcd-server/bookworm rsync dpkg-dev $GO_PKGS >&2
}

ETCD="$(command -v etcd || true)"
[ -n "$ETCD" ] || { log "etcd not found after installing etcd-server"; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/effect-kube-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
log "downloading Debian's kubernetes source package (about 34 MB)"
apt-get source --download-only -qq kubernetes/bookworm >&2 || apt-get source --download-only -qq kubernetes >&2
log "unpacking the source tree (about 2 GB)"
dsc="$(ls kubernetes_*.dsc | head -n1)"
dpkg-source --no-check -x "$dsc" src >&2 2>/dev/null || dpkg-source -x "$dsc" src >&2
TREE="$WORK/src"

log "replacing vendored modern-go/reflect2 with v1.0.2 (v1.0.1 crashes on Go >= 1.18)"
R2="$(dpkg -L golang-github-modern-go-reflect2-dev | grep -E '/github.com/modern-go/reflect2$' | head -n1)"
[ -n "$R2" ] || { log "reflect2 source not found"; exit 1; }
rm -rf "$TREE/vendor/github.com/modern-go/reflect2"
mkdir -p "$TREE/vendor/github.com/modern-go/reflect2"
cp -r "$R2"/. "$TREE/vendor/github.com/modern-go/reflect2/"
find "$TREE/vendor/github.com/modern-go/reflect2" -name '*_test.go' -delete

mkdir -p "$WORK/gopath/src/k8s.io"
ln -s "$TREE" "$WORK/gopath/src/k8s.io/kubernetes"
export PATH="/usr/lib/go-1.19/bin:$PATH"
export GOPATH="$WORK/gopath" GOCACHE="$WORK/gocache" GOFLAGS="" GO111MODULE=auto CGO_ENABLED=0
log "building kube-apiserver $K8S_VERSION with $(go version) (about 4-6 minutes on 2 cores)"
cd "$WORK/gopath/src/k8s.io/kubernetes"
start=$SECONDS
( make WHAT=cmd/kube-apiserver 2>&1 | while IFS= read -r line; do printf '[envtest] [%3ss] %s\n' "$((SECONDS - start))" "$line" >&2; done ) &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  sleep 30
  kill -0 "$pid" 2>/dev/null && log "still building... $((SECONDS - start))s"
done
wait "$pid"
[ -x _output/bin/kube-apiserver ] || { log "build failed: _output/bin/kube-apiserver missing"; exit 1; }

mkdir -p "$BIN.tmp"
cp _output/bin/kube-apiserver "$BIN.tmp/kube-apiserver"
cp "$(readlink -f "$ETCD")" "$BIN.tmp/etcd"
rm -rf "$BIN" && mv "$BIN.tmp" "$BIN"
log "cached in $BIN"
echo "$BIN"

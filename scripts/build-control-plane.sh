#!/usr/bin/env bash
# Builds kube-apiserver, etcd and kubectl from Go modules for the Kubernetes test harness (kubectl drives
# the e2e test as users do) and caches them in .k8s-build/<version>/bin (git-ignored). Each binary is built
# only when it is missing or reports another version, so adding kubectl to a cache never rebuilds the rest.
# Only the Go module proxy is used: no prebuilt downloads. See ../shared/notes/k8s-testenv.md for the why.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.37.2}"
STAGING="v0.${K8S_VERSION#1.}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${KONTROLER_K8S_BUILD_DIR:-$ROOT/.k8s-build}/$K8S_VERSION"
BIN="$OUT/bin"
export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -p=$(nproc)"

step_start=0
step() { step_start=$(date +%s); printf '[control-plane] %s…\n' "$1"; }
done_step() { printf '[control-plane]   done in %ss\n' "$(( $(date +%s) - step_start ))"; }

# With the cache outside the work tree (CI keeps it in $HOME/.cache across fresh clones), the harness still
# finds the binaries at .k8s-build/<version>/bin through a link.
link_into_tree() {
  local in_tree="$ROOT/.k8s-build/$K8S_VERSION"
  if [ "$OUT" != "$in_tree" ] && [ ! -e "$in_tree" ]; then
    mkdir -p "$ROOT/.k8s-build" && ln -sfn "$OUT" "$in_tree"
  fi
}

# Which binaries are missing (or of another version).
need=()
{ [ -x "$BIN/kube-apiserver" ] && "$BIN/kube-apiserver" --version 2>/dev/null | grep -q "v$K8S_VERSION$"; } \
  || need+=(kube-apiserver)
[ -x "$BIN/etcd" ] || need+=(etcd)
{ [ -x "$BIN/kubectl" ] && "$BIN/kubectl" version --client 2>/dev/null | grep -q "v$K8S_VERSION$"; } \
  || need+=(kubectl)
needs() { [[ " ${need[*]} " == *" $1 "* ]]; }

if [ "${#need[@]}" -eq 0 ]; then
  link_into_tree
  echo "[control-plane] kube-apiserver and kubectl v$K8S_VERSION and etcd cached in $BIN"
  exit 0
fi
echo "[control-plane] to build: ${need[*]}"

command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"; }
command -v go >/dev/null || { echo "[control-plane] Go is required to build kube-apiserver (install Go >= 1.26)" >&2; exit 1; }
total_start=$(date +%s)
mkdir -p "$OUT/mod/cmd/etcd" "$BIN"

step "resolving k8s.io/kubernetes v$K8S_VERSION"
UPSTREAM_GOMOD=$(cd "$(mktemp -d)" && go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\([^"]*\)".*/\1/p')
[ -f "$UPSTREAM_GOMOD" ] || { echo "[control-plane] could not download k8s.io/kubernetes@v$K8S_VERSION" >&2; exit 1; }
done_step

step "writing the wrapper module"
cd "$OUT/mod"
[ -f go.mod ] || go mod init kontroler.local/control-plane >/dev/null 2>&1
go mod edit -require="k8s.io/kubernetes@v$K8S_VERSION"
# k8s requires its staging modules at v0.0.0 and replaces them with local folders; point them at the published tags.
for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$UPSTREAM_GOMOD"); do
  go mod edit -replace="$m=$m@$STAGING"
done
grep -q '^godebug' go.mod || grep -m1 '^godebug' "$UPSTREAM_GOMOD" >> go.mod || true
printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' > tools.go
printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > cmd/etcd/main.go
go mod tidy >/dev/null
done_step

# The version stamp, as k8s' hack/lib/version.sh sets it: component-base for the servers, client-go for
# `kubectl version --client`.
LDF="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDF="$LDF -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
done

if needs kube-apiserver; then
  step "building kube-apiserver (the long step: several minutes on 2 cores when cold)"
  go build -trimpath -tags selinux,notest -ldflags "$LDF" -o "$BIN/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$BIN/kube-apiserver.tmp" "$BIN/kube-apiserver"
  done_step
fi

if needs etcd; then
  step "building etcd"
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" ./cmd/etcd
  mv "$BIN/etcd.tmp" "$BIN/etcd"
  done_step
fi

if needs kubectl; then
  step "building kubectl (a few minutes on 2 cores when cold; it shares most packages with kube-apiserver)"
  go build -trimpath -tags selinux,notest -ldflags "$LDF" -o "$BIN/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl
  mv "$BIN/kubectl.tmp" "$BIN/kubectl"
  done_step
fi

link_into_tree
echo "[control-plane] built ${need[*]} (v$K8S_VERSION) into $BIN in $(( $(date +%s) - total_start ))s"

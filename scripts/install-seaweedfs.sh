#!/usr/bin/env bash
# Builds the pinned SeaweedFS (`weed`, Apache-2.0), the S3-compatible object store the registry tests and
# benchmarks run against. `go install` refuses this module (its go.mod has replace directives), so the module
# is downloaded with `go mod download` and built with `go build ./weed` in a writable copy. The binary is cached
# in $(go env GOPATH)/bin/weed-<version> and reused when present. Prints the path of the binary on its last line.
set -euo pipefail
WEED_MODULE=github.com/seaweedfs/seaweedfs
WEED_VERSION=v0.0.0-20261109003541-7506e5f91cd6
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "install-seaweedfs: Go is needed (https://go.dev/dl/)" >&2; exit 1; }
bin="$(go env GOPATH)/bin/weed-${WEED_VERSION}"
if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi
echo "==> building SeaweedFS ${WEED_VERSION} (about 6 minutes the first time on 2 cores)" >&2
mkdir -p "$(dirname "$bin")"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
dir="$(cd "$work" && go mod download -json "${WEED_MODULE}@${WEED_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -n "$dir" ] && [ -d "$dir" ] || { echo "install-seaweedfs: go mod download gave no directory" >&2; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
(cd "$work/src" && CGO_ENABLED=0 go build -trimpath -o "$bin.tmp" ./weed) >&2
mv "$bin.tmp" "$bin"
"$bin" version >&2 || true
echo "$bin"

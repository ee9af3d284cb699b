#!/usr/bin/env bash
# Installs the pinned OPA (used to compile Rego to WASM and to run `opa test`) with `go install`,
# unless that exact version is already there. Go's module and build caches make a re-install cheap.
# Prints the path of the binary on its last line.
set -euo pipefail
OPA_VERSION=v1.22.3
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "install-opa: Go is needed (https://go.dev/dl/)" >&2; exit 1; }
bin="$(go env GOPATH)/bin/opa"
if [ -x "$bin" ] && "$bin" version 2>/dev/null | grep -qx "Version: ${OPA_VERSION#v}"; then
  echo "$bin"
  exit 0
fi
echo "==> go install github.com/open-policy-agent/opa@${OPA_VERSION} (several minutes the first time)" >&2
CGO_ENABLED=0 go install "github.com/open-policy-agent/opa@${OPA_VERSION}" >&2
"$bin" version | head -n 1 >&2
echo "$bin"

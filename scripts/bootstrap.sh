#!/usr/bin/env bash
# Installs what a fresh machine lacks (pinned pnpm, dependencies, system tools) and builds the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v gpg >/dev/null 2>&1 || need_apt+=(gnupg)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> apt-get install ${need_apt[*]}"
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "==> npm install -g pnpm@$pnpm_version"
  npm install -g --silent "pnpm@$pnpm_version"
fi

echo "==> pnpm install --frozen-lockfile"
pnpm install --frozen-lockfile --reporter=silent
echo "==> build (tsc -b)"
pnpm run --silent build

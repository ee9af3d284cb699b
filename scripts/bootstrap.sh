#!/usr/bin/env bash
# Installs what a fresh machine lacks (pinned pnpm, dependencies, system tools) and builds the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v gpg >/dev/null 2>&1 || need_apt+=(gnupg)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# The registry tests start a throw-away PostgreSQL 15 cluster of their own (initdb + pg_ctl as 'postgres').
[ -x /usr/lib/postgresql/15/bin/initdb ] || need_apt+=(postgresql-15)
# The shell-completion tests run the generated scripts in real bash, zsh and fish.
command -v zsh >/dev/null 2>&1 || need_apt+=(zsh)
command -v fish >/dev/null 2>&1 || need_apt+=(fish)
# The registry's malware scan talks to ClamAV's daemon; the tests start their own clamd with a generated database.
[ -x /usr/sbin/clamd ] || command -v clamd >/dev/null 2>&1 || need_apt+=(clamav-daemon)
# The registry's web pages are tested in a real browser: Debian's chromium, driven by playwright-core.
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> apt-get install ${need_apt[*]}"
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "==> npm install -g pnpm@$pnpm_version"
  npm install -g --silent "pnpm@$pnpm_version"
fi

# better-sqlite3 (the registry server's default database) compiles from source: no prebuilt binaries can be
# downloaded here, and neither can Node's headers, so point node-gyp at the installed ones (about 80 s once;
# pnpm caches the result).
if [ -z "${npm_config_nodedir:-}" ]; then
  for dir in "$(dirname "$(dirname "$(command -v node)")")" /usr /usr/local; do
    if [ -f "$dir/include/node/node.h" ]; then export npm_config_nodedir="$dir"; break; fi
  done
fi
need_build=()
command -v make >/dev/null 2>&1 || need_build+=(make)
command -v g++ >/dev/null 2>&1 || need_build+=(g++)
command -v python3 >/dev/null 2>&1 || need_build+=(python3)
if [ ${#need_build[@]} -gt 0 ]; then
  echo "==> apt-get install ${need_build[*]} (to compile better-sqlite3)"
  apt-get update -qq && apt-get install -y -qq "${need_build[@]}" >/dev/null
fi

echo "==> pnpm install --frozen-lockfile"
pnpm install --frozen-lockfile --reporter=silent
echo "==> build (tsc -b)"
pnpm run --silent build

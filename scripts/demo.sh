#!/usr/bin/env bash
# The main job end to end: pack, sign (GPG), publish to a local registry, install with checksum and
# signature verification under a strict trust policy, re-verify, and watch a tampered archive get refused.
# Everything happens in a throw-away directory (and a throw-away GnuPG home).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$repo/packages/cli/dist/commands.js" ] && [ -d "$repo/node_modules" ] || bash "$repo/scripts/bootstrap.sh"

work="$(mktemp -d -t aam-demo-XXXXXX)"
export AAM_HOME="$work/home"
# A throw-away GnuPG home with the author's signing key (your own keyring is never touched).
export GNUPGHOME="$work/gnupg"
mkdir -m 700 "$GNUPGHOME"
trap 'gpgconf --kill gpg-agent >/dev/null 2>&1; rm -rf "$work"' EXIT
gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
  --quick-gen-key 'Author Name <author@example.org>' ed25519 sign never 2>/dev/null
fpr="$(gpg --with-colons --fingerprint | awk -F: '/^fpr/ { print $10; exit }')"
aam() { node "$repo/packages/cli/bin/run.js" "$@"; }
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then b=$'\033[1m'; n=$'\033[0m'; else b=''; n=''; fi
step() { printf '\n%s$ aam %s%s\n' "$b" "$*" "$n"; aam "$@"; }

cd "$work"
step registry init "$work/registry" --default
step pkg init my-package --name @author/my-package --version 1.0.0 --description "Code review skills"
step pkg validate my-package
step pkg pack my-package
echo "(packing again gives the same bytes:)"
aam pkg pack my-package | tail -n 1
step pkg publish my-package --sign --sign-type gpg

echo; echo "A consumer requires signatures from the author's key (the seed's Strict level):"
mkdir project && cd project
step policy init --level strict
printf '  trusted_keys: ["%s"]\n' "$fpr" >>.aam/config.yaml
echo "--- .aam/config.yaml"; cat .aam/config.yaml
step install @author/my-package --verify
echo; echo "--- .aam/aam-lock.yaml"; cat .aam/aam-lock.yaml
step verify
step info @author/my-package --signatures

echo; echo "Now someone flips one byte of the archive in the registry..."
archive="$work/registry/packages/author--my-package/versions/1.0.0.aam"
node -e 'const fs=require("fs");const f=process.argv[1];const b=fs.readFileSync(f);b[b.length-9]^=0xff;fs.writeFileSync(f,b)' "$archive"
mkdir "$work/other-project" && cd "$work/other-project"
printf '\n%s$ aam install @author/my-package%s\n' "$b" "$n"
if aam install @author/my-package; then
  echo "demo FAILED: a tampered archive was installed" >&2
  exit 1
fi
[ ! -e .aam ] || { echo "demo FAILED: a refused install left files behind" >&2; exit 1; }
echo; echo "✓ Demo complete: the tampered archive was refused (exit 1) and nothing was installed."

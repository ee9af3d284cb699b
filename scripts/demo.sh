#!/usr/bin/env bash
# The main job end to end: pack, publish to a local registry, install with checksum verification,
# re-verify, and watch a tampered archive get refused. Everything happens in a throw-away directory.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$repo/packages/cli/dist/commands.js" ] && [ -d "$repo/node_modules" ] || bash "$repo/scripts/bootstrap.sh"

work="$(mktemp -d -t aam-demo-XXXXXX)"
trap 'rm -rf "$work"' EXIT
export AAM_HOME="$work/home"
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
step pkg publish my-package

mkdir project && cd project
step install @author/my-package
echo; echo "--- .aam/aam-lock.yaml"; cat .aam/aam-lock.yaml
step verify
step info @author/my-package

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

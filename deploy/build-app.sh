#!/usr/bin/env bash
# Builds the tree that the replog image runs, from a workspace at SRC into OUT (which must not
# exist): installs with the exact lockfile, compiles, reinstalls production dependencies only, and
# keeps the compiled packages, those dependencies and protos/ in the workspace layout (pnpm's
# node_modules hold relative symlinks, and packages/protocol finds the protos at <root>/protos).
#
# deploy/Dockerfile runs it; run it by hand to get the image's /app without Docker:
#   deploy/build-app.sh . /tmp/replog-app
#   COMPOSE_TEST_APP_ROOT=/tmp/replog-app pnpm vitest run --project e2e test/compose.test.ts
# It works in a copy of SRC, so the checkout's own node_modules and dist are left alone.
set -euo pipefail
src=$(cd "${1:?usage: build-app.sh SRC OUT}" && pwd)
out=$(realpath -m "${2:?usage: build-app.sh SRC OUT}")
[ -e "$out" ] && { echo "build-app: $out exists; give a new directory" >&2; exit 1; }
# pnpm through npx at a pinned version: corepack's signature check fails on this Node.
pnpm=(npx -y pnpm@10.34.8)
export CI=true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$src" --exclude=node_modules --exclude=dist --exclude='*.tsbuildinfo' --exclude=.git \
  --exclude=test-results --exclude=.replog -cf - . | tar -C "$work" -xf -
cd "$work"
"${pnpm[@]}" install --frozen-lockfile
"${pnpm[@]}" build
rm -rf node_modules packages/*/node_modules
# The store the first install filled has every production package, so this needs no network.
"${pnpm[@]}" install --frozen-lockfile --prod --offline

mkdir -p "$out"
cp -a --parents package.json pnpm-workspace.yaml node_modules protos deploy/healthcheck.mjs \
  packages/*/package.json packages/*/dist "$out"
for d in packages/*/node_modules; do cp -a --parents "$d" "$out"; done
find "$out/packages" -name '*.tsbuildinfo' -delete
echo "build-app: $(du -sh "$out" | cut -f1) in $out"

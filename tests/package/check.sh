#!/bin/sh
# tests/package/check.sh BUILD_DIR WORK_DIR: sslpp as an adopter gets it.
#
# 1. `cmake --install` the static library of BUILD_DIR (the main build) into
#    WORK_DIR/static; build tests/package/consumer against it with
#    find_package, and with pkg-config alone; run both.
# 2. Build sslpp's library alone as a shared library, install it into
#    WORK_DIR/shared, check its SONAME and that it exports nothing outside
#    namespace sslpp; build the consumer against it with find_package; run.
# 3. Build the consumer with FetchContent from this source tree: only the
#    library may be built (no tests, command, examples or benchmarks).
# 4. A consumer whose compiler lacks C++20 and one without the package get a
#    CMake error that says what to do.
#
# Prints what it does; exits non-zero at the first failure.
set -eu
if [ $# -ne 2 ]; then
  echo "usage: $0 BUILD_DIR WORK_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
consumer=$source_dir/tests/package/consumer
rm -rf "$2"
mkdir -p "$2"
work=$(cd "$2" && pwd)
jobs=2
generator=
command -v ninja >/dev/null && generator="-G Ninja"
# ccache, when there, makes a second run of the two library builds quick.
command -v ccache >/dev/null && generator="$generator -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"

step() { printf '\n== %s\n' "$*"; }
fail() { echo "package check FAILED: $*" >&2; exit 1; }
configure() { cmake $generator "$@" >"$work/last-configure.log" 2>&1 || { cat "$work/last-configure.log"; fail "configure $*"; }; }
build_dir() { cmake --build "$1" -j "$jobs" >"$work/last-build.log" 2>&1 || { cat "$work/last-build.log"; fail "build $1"; }; }
run_consumer() {
  out=$("$1") || fail "$1 exited with $?"
  echo "$out"
  case $out in "consumer ok: sslpp "*) ;; *) fail "$1 printed '$out'" ;; esac
}

step "static library: install $build into $work/static"
cmake --install "$build" --prefix "$work/static" >"$work/install-static.log" || fail "cmake --install"
for f in include/sslpp/sslpp.hpp include/sslpp/version.hpp; do
  [ -f "$work/static/$f" ] || fail "$f not installed"
done
static_lib=$(find "$work/static" -name libsslpp.a)
config=$(find "$work/static" -name sslppConfig.cmake)
pc=$(find "$work/static" -name sslpp.pc)
[ -n "$static_lib" ] && [ -n "$config" ] && [ -n "$pc" ] || fail "libsslpp.a, sslppConfig.cmake or sslpp.pc missing"
[ -f "$(dirname "$config")/sslppConfigVersion.cmake" ] || fail "sslppConfigVersion.cmake missing"
echo "installed: ${static_lib#$work/}, ${config#$work/}, ${pc#$work/}"

step "consumer with find_package (static)"
configure -S "$consumer" -B "$work/find-static" -DCMAKE_PREFIX_PATH="$work/static"
build_dir "$work/find-static"
run_consumer "$work/find-static/consumer"

step "consumer with pkg-config (static), no CMake"
pcdir=$(dirname "$pc")
flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs sslpp) || fail "pkg-config --cflags --libs sslpp"
echo "pkg-config: $flags"
# shellcheck disable=SC2086 # the flags are words
${CXX:-c++} -std=c++20 -o "$work/pkgconfig-consumer" "$consumer/main.cpp" $flags || fail "compile with pkg-config's flags"
run_consumer "$work/pkgconfig-consumer"
# The package is relocatable: moved elsewhere, sslpp.pc still points at it.
mv "$work/static" "$work/static-moved"
moved=$(PKG_CONFIG_PATH=$(echo "$pcdir" | sed "s|$work/static|$work/static-moved|") pkg-config --variable=includedir sslpp)
[ -f "$moved/sslpp/sslpp.hpp" ] || fail "sslpp.pc of a moved package points at $moved"
mv "$work/static-moved" "$work/static"

step "a consumer without C++20 gets the header's message"
printf '#include <sslpp/sslpp.hpp>\nint main() {}\n' >"$work/cxx17.cpp"
if ${CXX:-c++} -std=c++17 -fsyntax-only -I"$work/static/include" $(PKG_CONFIG_PATH=$pcdir pkg-config --cflags openssl) \
    "$work/cxx17.cpp" 2>"$work/cxx17.log"; then
  fail "a C++17 compile of sslpp.hpp succeeded"
fi
# The compiler carries on after #error, but the message is the first error.
grep -m1 'error' "$work/cxx17.log" | grep -q "sslpp needs C++20: compile with -std=c++20" ||
  { head -20 "$work/cxx17.log"; fail "the first error is not sslpp's C++20 message"; }
echo "ok: $(grep -m1 'sslpp needs C++20' "$work/cxx17.log" | sed 's/.*error: //')"

step "a consumer that cannot find the package gets CMake's error naming it"
if cmake $generator -S "$consumer" -B "$work/find-missing" -DCMAKE_PREFIX_PATH="$work/nowhere" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
    -Dsslpp_DIR="$work/nowhere" >"$work/missing.log" 2>&1; then
  fail "configure without the package succeeded"
fi
grep -q "sslppConfig.cmake" "$work/missing.log" || { cat "$work/missing.log"; fail "error does not name sslppConfig.cmake"; }
echo "ok"

step "a package whose OpenSSL is missing says what to install"
if cmake $generator -S "$consumer" -B "$work/find-no-openssl" -DCMAKE_PREFIX_PATH="$work/static" \
    -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=TRUE >"$work/no-openssl.log" 2>&1; then
  fail "configure without OpenSSL succeeded"
fi
grep -q "apt-get install libssl-dev" "$work/no-openssl.log" || { cat "$work/no-openssl.log"; fail "no advice"; }
echo "ok"

step "shared library: build, install into $work/shared"
configure -S "$source_dir" -B "$work/shared-build" -DBUILD_SHARED_LIBS=ON -DCMAKE_BUILD_TYPE=Release \
  -DSSLPP_BUILD_TESTS=OFF -DSSLPP_BUILD_BENCH=OFF -DSSLPP_BUILD_EXAMPLES=OFF -DSSLPP_BUILD_TOOLS=OFF \
  -DSSLPP_BUILD_FUZZ=OFF -DCMAKE_INSTALL_PREFIX="$work/shared"
build_dir "$work/shared-build"
cmake --install "$work/shared-build" >"$work/install-shared.log" || fail "cmake --install (shared)"
so=$(find "$work/shared" -name 'libsslpp.so.*.*.*')
[ -n "$so" ] || fail "no versioned libsslpp.so installed"
soname=$(objdump -p "$so" | sed -n 's/^ *SONAME *//p')
version=$(sed -n 's/^#define SSLPP_VERSION_STRING "\(.*\)"/\1/p' "$source_dir/include/sslpp/version.hpp")
expected=libsslpp.so.$(echo "$version" | cut -d. -f1-2)
[ "$soname" = "$expected" ] || fail "SONAME $soname, expected $expected"
echo "SONAME: $soname"
# Every dynamic symbol sslpp defines is in namespace sslpp (functions, or the
# vtables and type information of its exception classes), except the
# standard library's own template instances and their type information,
# which the compiler emits with default visibility whatever we ask.
nm -D --defined-only -C "$so" | awk '{ $1 = ""; $2 = ""; sub(/^  /, ""); print }' >"$work/exports.txt"
exported=$(wc -l <"$work/exports.txt")
prefix='(vtable|typeinfo|typeinfo name|VTT|construction vtable|guard variable) for '
foreign=$(grep -v -E "^(sslpp::|${prefix}sslpp::|std::|${prefix}std::)" "$work/exports.txt" || true)
[ -z "$foreign" ] || { echo "$foreign" | head -20; fail "the shared library exports symbols outside namespace sslpp"; }
internal=$(grep -E '^sslpp::detail::' "$work/exports.txt" | grep -c . || true)
standard=$(grep -E "^(std::|${prefix}std::)" "$work/exports.txt" | grep -c . || true)
echo "exports: $exported symbols: $standard standard-library instances, the rest in namespace sslpp" \
  "($internal in sslpp::detail, used by inline code)"

step "consumer with find_package (shared)"
configure -S "$consumer" -B "$work/find-shared" -DCMAKE_PREFIX_PATH="$work/shared"
build_dir "$work/find-shared"
ldd "$work/find-shared/consumer" | grep -q "libsslpp.so" || fail "the consumer did not link the shared library"
run_consumer "$work/find-shared/consumer"

step "consumer with FetchContent (sslpp built from source, library only)"
configure -S "$consumer" -B "$work/fetch" -DSSLPP_CONSUMER_MODE=fetchcontent -DSSLPP_SOURCE_DIR="$source_dir"
for d in tests tools examples bench fuzz; do
  [ ! -e "$work/fetch/_deps/sslpp-build/$d" ] || fail "FetchContent configured sslpp's $d: only the library should build"
done
build_dir "$work/fetch"
run_consumer "$work/fetch/consumer"

step "all package checks passed"

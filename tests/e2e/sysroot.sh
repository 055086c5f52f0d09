#!/bin/bash
# SPDX-License-Identifier: MIT
# sysroot=yes for real: build armel-bookworm with zlib1g-dev, then
# cross-compile against it with Debian's arm-linux-gnueabi-gcc (the host has
# no armel zlib, so a working link proves the sysroot's was used), once by
# hand through OUT.pkg-config and once through CMake with
# OUT.toolchain.cmake; run both programs in the rootfs under emulation.
# Also checks the manifest of that same build against dpkg's own database.
. "$(dirname "$0")/lib.sh"
need_root
need_network
command -v arm-linux-gnueabi-gcc >/dev/null ||
	skip_all "needs arm-linux-gnueabi-gcc (Debian's gcc-arm-linux-gnueabi; scripts/install-deps)"
command -v cmake >/dev/null || skip_all "needs cmake"
host_binfmt_mount
out="$T_DIR/sysroot"
triplet=arm-linux-gnueabi

binfmt_before=$(binfmt_snapshot)
tmp_before=$(ls -A /tmp)

t0=$(date +%s)
# In the background only to learn its pid: other tests may run builds at
# the same time, so the host checks below look for this build's traces.
start_bg "$T_DIR/build.out" --profile armel-bookworm --set sysroot=yes --set packages=zlib1g-dev \
	--log "$T_DIR/build.log" "$out"
build_pid=$BG_PID
wait "$build_pid"; rc=$?
ok $rc "build armel-bookworm with sysroot=yes and zlib1g-dev (exit $rc, $(($(date +%s) - t0)) s)"
tail -n 4 "$T_DIR/build.out" | diag
[ $rc -eq 0 ] || { echo "Bail out! the build failed"; exit 1; }

# --- the sysroot ------------------------------------------------------------
abs=$(find "$out" -xdev -type l -lname '/*')
[ -z "$abs" ] ; ok $? "no absolute symlink left in the sysroot"
[ -n "$abs" ] && echo "$abs" | head | diag
n_rel=$(grep -oE 'sysroot: [0-9]+ absolute symlink' "$T_DIR/build.out" | grep -oE '[0-9]+')
[ "${n_rel:-0}" -gt 0 ] ; ok $? "the build made ${n_rel:-0} absolute symlinks relative"
libz_so="$out/usr/lib/$triplet/libz.so"
real=$(realpath -e "$libz_so" 2>/dev/null)
[ -L "$libz_so" ] && case $real in "$out"/*) true ;; *) false ;; esac
ok $? "usr/lib/$triplet/libz.so resolves inside the sysroot ($(readlink "$libz_so"))"
[ -f "$out.toolchain.cmake" ] && [ -x "$out.pkg-config" ] ; ok $? "OUT.toolchain.cmake and an executable OUT.pkg-config"
grep -qxF "set(CMAKE_SYSROOT \"$out\")" "$out.toolchain.cmake" ; ok $? "the toolchain file's CMAKE_SYSROOT is OUT"
# The host's own armel files (Debian's cross packages) have no zlib: only
# the sysroot can provide it.
[ -z "$(ls /usr/$triplet/lib/libz.* /usr/lib/$triplet/libz.* 2>/dev/null)" ] ; ok $? "the host has no $triplet zlib"

src="$T_DIR/src"
mkdir -p "$src"
cat > "$src/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* A round trip through the library, then its version. */
int main(void)
{
	const char *msg = "mkforeignroot sysroot";
	unsigned char z[128], back[128];
	uLongf zl = sizeof(z), bl = sizeof(back);
	if (compress(z, &zl, (const Bytef *)msg, strlen(msg) + 1) != Z_OK ||
	    uncompress(back, &bl, z, zl) != Z_OK || strcmp((const char *)back, msg) != 0)
		return 1;
	printf("%s\n", zlibVersion());
	return 0;
}
C
cat > "$src/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(zprog C)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZPC REQUIRED zlib)
add_executable(zprog prog.c)
target_link_libraries(zprog ZLIB::ZLIB)
file(WRITE "${CMAKE_BINARY_DIR}/found.txt" "${ZLIB_LIBRARIES}\n${ZLIB_INCLUDE_DIRS}\n${ZPC_VERSION}\n")
CMAKE

cflags=$("$out.pkg-config" --cflags zlib 2>"$T_DIR/pc.err") &&
	libs=$("$out.pkg-config" --libs zlib 2>>"$T_DIR/pc.err"); rc=$?
ok $rc "OUT.pkg-config --cflags / --libs zlib: $cflags $libs"
diag < "$T_DIR/pc.err"
# The libraries after the source: Debian's gcc links with --as-needed, so
# a -lz before prog.c is dropped before anything needs it.
# shellcheck disable=SC2086
arm-linux-gnueabi-gcc --sysroot="$out" $cflags "$src/prog.c" $libs -o "$T_DIR/prog-cc" \
	-Wl,--trace > "$T_DIR/cc.out" 2>&1; rc=$?
ok $rc "arm-linux-gnueabi-gcc --sysroot=OUT links prog.c with zlib"
[ $rc -eq 0 ] || tail -n 8 "$T_DIR/cc.out" | diag
grep -q "^$out/usr/lib/$triplet/libz.so" "$T_DIR/cc.out" ; ok $? "the linker read the sysroot's libz.so"
grep "libz" "$T_DIR/cc.out" | diag
readelf -hd "$T_DIR/prog-cc" > "$T_DIR/elf" 2>&1
grep -q 'Machine: *ARM' "$T_DIR/elf" && grep -q 'soft-float ABI' "$T_DIR/elf" &&
	grep -q 'NEEDED.*libz.so.1' "$T_DIR/elf" ; ok $? "prog is an armel (soft-float) ELF that needs libz.so.1"

cmake -S "$src" -B "$T_DIR/cmake-build" -DCMAKE_TOOLCHAIN_FILE="$out.toolchain.cmake" \
	> "$T_DIR/cmake.out" 2>&1 && cmake --build "$T_DIR/cmake-build" >> "$T_DIR/cmake.out" 2>&1; rc=$?
ok $rc "cmake -DCMAKE_TOOLCHAIN_FILE=OUT.toolchain.cmake configures and builds"
[ $rc -eq 0 ] || tail -n 12 "$T_DIR/cmake.out" | diag
head -n 1 "$T_DIR/cmake-build/found.txt" 2>/dev/null | grep -q "^$out/usr/lib/$triplet/libz.so" ; ok $? "find_package(ZLIB) found the sysroot's library"
sed -n 3p "$T_DIR/cmake-build/found.txt" 2>/dev/null | grep -q . ; ok $? "pkg_check_modules(zlib) through OUT.pkg-config found version $(sed -n 3p "$T_DIR/cmake-build/found.txt" 2>/dev/null)"

zver=$(dpkg-query --admindir="$out/var/lib/dpkg" -W -f='${Version}' zlib1g)
upstream=$(echo "$zver" | sed 's/^[0-9]*://; s/[-].*$//; s/[.+~]dfsg.*$//')
cp "$T_DIR/prog-cc" "$out/prog-cc"
cp "$T_DIR/cmake-build/zprog" "$out/prog-cmake" 2>/dev/null
for p in prog-cc prog-cmake; do
	got=$("$MKFR" run "$out" -- "/$p" 2>"$T_DIR/run.err"); rc=$?
	[ $rc -eq 0 ] && [ "$got" = "$upstream" ]
	ok $? "run OUT -- /$p: zlibVersion() '$got' = the sysroot's zlib1g $zver"
	[ $rc -eq 0 ] || diag < "$T_DIR/run.err"
done
rm -f "$out/prog-cc" "$out/prog-cmake"

# --- the manifest of the same build -----------------------------------------
m="$out.manifest.json"
python3 -m json.tool "$m" > /dev/null 2>&1 ; ok $? "OUT.manifest.json is valid JSON"
dpkg-query --admindir="$out/var/lib/dpkg" -W -f='${Package} ${Version} ${Architecture} ${Status}\n' |
	awk '$4 " " $5 " " $6 == "install ok installed" { print $1, $2, $3 }' | sort > "$T_DIR/dpkg.list"
deb=$(ls "$MKFR_CACHE_DIR"/debs/zlib1g_*_armel.deb 2>/dev/null | head -n 1)
zsha=$(sha256sum "$deb" 2>/dev/null | cut -d' ' -f1)
python3 - "$m" "$T_DIR/dpkg.list" "$out" "$zsha" > "$T_DIR/manifest.check" 2>&1 <<'PY'
import json, re, sys
m = json.load(open(sys.argv[1]))
dpkg = set(tuple(l.split()) for l in open(sys.argv[2]) if l.strip())
out, zsha = sys.argv[3], sys.argv[4]
listed = set((p["name"], p["version"], p["architecture"]) for p in m["packages"])
def check(cond, what):
    print(("ok " if cond else "FAIL ") + what)
check(listed == dpkg, "packages == dpkg's installed set (%d vs %d; missing %s; extra %s)"
      % (len(listed), len(dpkg), sorted(dpkg - listed)[:5], sorted(listed - dpkg)[:5]))
with_sha = [p for p in m["packages"] if p["deb_sha256"]]
check(len(with_sha) == len(m["packages"]) and
      all(re.fullmatch("[0-9a-f]{64}", p["deb_sha256"]) for p in with_sha),
      "every package has its .deb's SHA256 (%d of %d)" % (len(with_sha), len(m["packages"])))
z = [p for p in m["packages"] if p["name"] == "zlib1g"]
check(bool(z) and z[0]["deb_sha256"] == zsha, "zlib1g's SHA256 is the cached .deb's")
check(m["tool"]["name"] == "mkforeignroot" and m["tool"]["version"], "tool name and version")
check(m["profile"]["name"] == "armel-bookworm", "profile name")
k = m["profile"]["keys"]
check(k["sysroot"] == {"value": "yes", "origin": "--set"}, "key sysroot with value and origin")
check(k["suite"]["value"] == "bookworm" and ".profile:" in k["suite"]["origin"],
      "key suite with its origin: %s" % k["suite"]["origin"])
check(m["suite"] == "bookworm" and m["arch"] == "armel" and m["mirror"].startswith("http"),
      "suite, arch, mirror")
check(re.search(r"\d{4} \d\d:\d\d:\d\d", m["release_date"] or "") is not None,
      "release date: %s" % m["release_date"])
e = m["emulator"]
check(not e["native"] and e["path"].endswith("qemu-arm-static") and
      (e["version"] or "").startswith("qemu-arm version"), "emulator %s: %s" % (e["path"], e["version"]))
check(m["output"] == {"path": out, "type": "directory", "format": "dir", "sha256": None}, "output: a directory, no SHA256")
check(m["sysroot"]["cmake_toolchain"] == out + ".toolchain.cmake", "the sysroot's files")
PY
while read -r status what; do
	[ "$status" = ok ] ; ok $? "manifest: $what"
done < "$T_DIR/manifest.check"
[ "$(grep -c . "$T_DIR/manifest.check")" -ge 12 ] ; ok $? "manifest: all checks ran"
grep -v '^ok \|^FAIL ' "$T_DIR/manifest.check" | diag

# --- the host ----------------------------------------------------------------
[ -z "$(our_mounts)" ] ; ok $? "no mount under any work directory or OUT"
! ls -a "$T_DIR" | grep -q '^\.mkfr-' ; ok $? "no work directory left"
ls /proc/sys/fs/binfmt_misc/ | grep -q -- "-$build_pid\$"
[ $? -ne 0 ] ; ok $? "no binfmt_misc entry of this build (pid $build_pid) on the host"
[ "$(binfmt_snapshot)" = "$binfmt_before" ] ||
	echo "binfmt_misc changed during the test (another test's build?)" | diag
# Other tests' temporary directories may come and go meanwhile: the e2e
# suites' (mkfr-e2e.*) and the unit tests' (mkfr-test-*) of another build
# tree on the same machine.
new_tmp=$(comm -13 <(echo "$tmp_before" | sort) <(ls -A /tmp | sort) |
	grep -vE '^mkfr-(e2e\.|test-)' | grep -iE 'mkfr|mkforeignroot|gnupg|gpg' || true)
[ -z "$new_tmp" ] ; ok $? "nothing of the build left in /tmp"
[ -n "$new_tmp" ] && echo "$new_tmp" | diag

done_testing

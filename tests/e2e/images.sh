#!/bin/bash
# SPDX-License-Identifier: MIT
# Images, containers and SBOMs for image factories, from real armel (and
# one arm64) bookworm builds sharing one SOURCE_DATE_EPOCH: a directory
# build is the reference, then each format is a base-cache hit of the same
# base (use_shared_cache): ext4 (e2fsck, debugfs: capability, owners, modes,
# hard links; rdump against the directory), squashfs twice (unsquashfs
# listing; cmp), erofs (fsck.erofs, extracted tree), OCI for armel and arm64
# (skopeo config, umoci unpack against the directory) combined by
# oci-index, and SPDX and CycloneDX SBOMs (CycloneDX's official schema from
# the npm registry; SPDX has no schema in a registry we can reach, so its
# checks are the spec's required fields, SPDX licence expressions parsed by
# spdx-expression-parse and purls by packageurl-js) against dpkg-query and
# the manifest.  Refusals first (they cost nothing); an interrupted image
# write; the host afterwards: no mount, no loop device, nothing in /tmp.
. "$(dirname "$0")/lib.sh"
need_root
need_network
use_shared_cache

export SOURCE_DATE_EPOCH=1700000000
profile=(--profile armel-bookworm --set packages=iputils-ping,libcap2-bin)
PY=/usr/bin/python3 # Debian's python3-jsonschema lives there
for tool in mke2fs e2fsck debugfs mksquashfs unsquashfs mkfs.erofs fsck.erofs skopeo umoci npm; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is not installed (scripts/install-deps)"
done
"$PY" -c 'import jsonschema' 2>/dev/null || skip_all "python3-jsonschema is not installed (scripts/install-deps)"

losetup_before=$(losetup -a 2>/dev/null | sort)
mounts_before=$(findmnt -rn -o TARGET,SOURCE | sort)
tmp_ours() { ls -A /tmp | grep -E 'mkfr|mkforeignroot|squashfs|erofs|umoci' | grep -v "^${T_DIR##*/}\$" || true; }
tmp_before=$(tmp_ours)

# ---- the plan's refusals: exit 2, nothing created ----------------------------
refused() { # DESC PATTERN -- ENV... CMD...
	local desc=$1 pat=$2 rc
	shift 3
	env "$@" > "$T_DIR/plan.out" 2>&1; rc=$?
	[ "$rc" -eq 2 ] && grep -qE -e "$pat" "$T_DIR/plan.out" &&
		[ -z "$(ls -A "$T_DIR" | grep -v -e '^cache$' -e '\.out$')" ]
	ok $? "$desc (exit $rc)"
	[ "$rc" -eq 2 ] || tail -n 3 "$T_DIR/plan.out" | diag
}
refused "format=squashfs with PATH lacking mksquashfs: refused before anything is built, naming squashfs-tools" \
	'mksquashfs.*squashfs-tools' -- PATH=/nonexistent "$MKFR" "${profile[@]}" --format squashfs "$T_DIR/r.squashfs"
refused "format=ext4 named by OUT's suffix, PATH lacking mke2fs: names e2fsprogs" \
	'e2fsprogs' -- PATH=/nonexistent "$MKFR" "${profile[@]}" "$T_DIR/r.ext4"
refused "format=oci for an architecture OCI has no name for (alpha)" \
	'OCI has no platform name for alpha' -- "$MKFR" "${profile[@]}" --set arch=alpha --format oci "$T_DIR/r.oci"
refused "--sbom with an unknown document" "--sbom: bad value 'spdx,swid'" -- "$MKFR" "${profile[@]}" --sbom spdx,swid "$T_DIR/r"
refused "image_size that is not a size" "key 'image_size'" -- "$MKFR" "${profile[@]}" --set image_size=big "$T_DIR/r.ext4"
"$MKFR" "${profile[@]}" --dry-run --sbom spdx "$T_DIR/r.sqfs" > "$T_DIR/plan.out" 2>&1
grep -q 'output .*squashfs by .*mksquashfs, times clamped to 1700000000' "$T_DIR/plan.out" &&
	grep -q "sbom .*r.sqfs.spdx.json" "$T_DIR/plan.out" ; ok $? "--dry-run: squashfs from OUT's name (*.sqfs), by mksquashfs, clamped; the SBOM's path"

# ---- builds ------------------------------------------------------------------
build() { # NAME OUT [ARGS...]
	local name=$1 out=$2 t0 rc
	shift 2
	t0=$(date +%s)
	"$MKFR" "${profile[@]}" "$@" "$out" > "$T_DIR/$name.out" 2>&1; rc=$?
	echo "$name: exit $rc in $(( $(date +%s) - t0 )) s$(sed -n 's/.*output: \(.* image of [0-9.]* MiB in [0-9.]* s\)/: \1/p' "$T_DIR/$name.out")" | diag
	[ "$rc" -eq 0 ] || tail -n 5 "$T_DIR/$name.out" | diag
	return "$rc"
}
mkdir -p "$T_DIR/a" "$T_DIR/b"
build dir "$T_DIR/dir" --sbom spdx,cyclonedx ; ok $? "reference: a directory build, with SBOMs"
ref=$T_DIR/dir
tree_listing "$ref" > "$T_DIR/ref.listing"
tree_contents "$ref" > "$T_DIR/ref.contents"
tree_hardlinks "$ref" > "$T_DIR/ref.hardlinks"
tree_caps "$ref" > "$T_DIR/ref.caps"
grep -q '^./usr/bin/ping cap_net_raw=ep$' "$T_DIR/ref.caps" ; ok $? "the reference has ping's capability to compare"

# compare WHAT REF-FILE OTHER-FILE DESC
compare() {
	diff "$2" "$3" > "$T_DIR/$1.diff"
	ok $? "$4 ($(wc -l < "$2") lines)"
	head -n 10 "$T_DIR/$1.diff" | diag
}
# A listing with the setuid, setgid and sticky bits dropped: debugfs rdump
# drops them all, fsck.erofs --extract (1.5) those of regular files (it
# chowns after chmod, which clears them); the images hold them: checked
# with debugfs stat for ext4, and erofs keeps them on directories.
mask_special() { # FILE TYPES: drop the first of four mode digits of those types
	awk -v t="$2" '($5 ~ t) && length($4) == 4 { $4 = substr($4, 2) } { $1 = $1; print }' "$1"
}

# ---- ext4 --------------------------------------------------------------------
build ext4 "$T_DIR/root.ext4" --sbom spdx ; ok $? "ext4 (base-cache hit)"
grep -q "base cache: hit" "$T_DIR/ext4.out" ; ok $? "ext4 came from the base cache"
e2fsck -fn "$T_DIR/root.ext4" > "$T_DIR/e2fsck.out" 2>&1 ; ok $? "e2fsck -fn is clean"
tail -n 1 "$T_DIR/e2fsck.out" | diag
debugfs -R 'stat /usr/bin/ping' "$T_DIR/root.ext4" 2>/dev/null | grep -q 'security.capability' ; ok $? "debugfs: /usr/bin/ping has its security.capability xattr"
debugfs -R 'stat /etc/shadow' "$T_DIR/root.ext4" 2>/dev/null | grep -qE 'Group: +42 ' &&
	[ "$(stat -c %g "$ref/etc/shadow")" = 42 ] ; ok $? "debugfs: /etc/shadow is in group shadow (42), as in the directory"
# Every special mode bit and device node of the reference, as debugfs sees it.
(cd "$ref" && find . -xdev \( -perm /7000 -o -type c -o -type b \) -printf '%P %m\n') | sort > "$T_DIR/special.ref"
while read -r p _; do echo "stat \"/$p\""; done < "$T_DIR/special.ref" > "$T_DIR/special.cmd"
debugfs -f "$T_DIR/special.cmd" "$T_DIR/root.ext4" 2>/dev/null |
	awk '/^debugfs: stat/ { p = $3; gsub(/"/, "", p); sub(/^\//, "", p) } /Mode:/ { m = $0; sub(/.*Mode: +0*/, "", m); sub(/ .*/, "", m); print p, m }' |
	sort > "$T_DIR/special.ext4"
compare special-ext4 "$T_DIR/special.ref" "$T_DIR/special.ext4" "debugfs: every setuid/setgid/sticky file and device has the directory's mode"
# Hard links: each set of names is one inode in the image.
hl_ok=0
while read -r names; do
	ino=$(for n in $names; do debugfs -R "stat \"/${n#./}\"" "$T_DIR/root.ext4" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p'; done | sort -u | wc -l)
	[ "$ino" -eq 1 ] || hl_ok=1
done < "$T_DIR/ref.hardlinks"
[ -s "$T_DIR/ref.hardlinks" ] && [ "$hl_ok" -eq 0 ] ; ok $? "debugfs: every hard-link set of the directory is one inode ($(wc -l < "$T_DIR/ref.hardlinks") sets)"
x=$T_DIR/ext4.rdump
mkdir "$x"
debugfs -R "rdump / $x" "$T_DIR/root.ext4" > /dev/null 2>&1
rm -rf "${x:?}/lost+found"
tree_listing "$x" > "$T_DIR/ext4.listing"
# rdump makes no device nodes: those are in the debugfs check above.
grep -v -E '^\./dev/[^ ]+ [0-9]+ [0-9]+ [0-7]+ [cb] |^\./dev/[^ ]+ [0-9]+:[0-9]+$' "$T_DIR/ref.listing" > "$T_DIR/ref.listing.nodev"
mask_special "$T_DIR/ref.listing.nodev" '^[fd]$' > "$T_DIR/ref.listing.m"
mask_special "$T_DIR/ext4.listing" '^[fd]$' > "$T_DIR/ext4.listing.m"
compare ext4-listing "$T_DIR/ref.listing.m" "$T_DIR/ext4.listing.m" "rdump of the ext4 image: owners, modes, types, sizes and symlinks of the directory"
tree_contents "$x" | grep -v ' \./lost+found/' > "$T_DIR/ext4.contents"
compare ext4-contents "$T_DIR/ref.contents" "$T_DIR/ext4.contents" "rdump of the ext4 image: the SHA-256 of every file"
rm -rf "$x"

# ---- squashfs: twice, one SOURCE_DATE_EPOCH -----------------------------------
build sq1 "$T_DIR/a/root.squashfs" --sbom spdx,cyclonedx ; ok $? "squashfs (base-cache hit), with SBOMs"
build sq2 "$T_DIR/b/root.squashfs" --sbom spdx,cyclonedx ; ok $? "squashfs again"
cmp "$T_DIR/a/root.squashfs" "$T_DIR/b/root.squashfs" ; ok $? "the two squashfs images are identical ($(stat -c %s "$T_DIR/a/root.squashfs") bytes)"
cmp "$T_DIR/a/root.squashfs.spdx.json" "$T_DIR/b/root.squashfs.spdx.json" &&
	cmp "$T_DIR/a/root.squashfs.cdx.json" "$T_DIR/b/root.squashfs.cdx.json" ; ok $? "and so are their SPDX and CycloneDX documents"
# unsquashfs -lln against the directory: mode, owners, size (not of a
# directory), device numbers, symlink target; times are not compared
# (the directory keeps its own, the image is clamped).
unsquashfs -lln "$T_DIR/a/root.squashfs" | "$PY" -c '
import sys, re
for line in sys.stdin:
    m = re.match(r"^(\S{10}) (\d+)/(\d+)\s+(\d+(?:,\s*\d+)?)\s+\S+ \S+ squashfs-root(.*)$", line.rstrip("\n"))
    if not m: continue
    mode, uid, gid, size, rest = m.groups()
    name, _, target = rest.partition(" -> ")
    name = "." + name if name else "."
    size = "-" if mode[0] == "d" else size.replace(" ", "")
    print(name, uid, gid, mode, size, target)' | LC_ALL=C sort > "$T_DIR/sq.listing"
"$PY" -c '
import os, stat, sys
root = sys.argv[1]
dev = os.lstat(root).st_dev
for d, dirs, files in os.walk(root):
    for n in dirs + files + ([] if d != root else [""]):
        p = os.path.join(d, n) if n else d
        st = os.lstat(p)
        if st.st_dev != dev: continue
        name = "." + p[len(root):]
        mode = stat.filemode(st.st_mode)
        if stat.S_ISDIR(st.st_mode): size = "-"
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode): size = "%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
        else: size = str(st.st_size)
        target = os.readlink(p) if stat.S_ISLNK(st.st_mode) else ""
        print(name, st.st_uid, st.st_gid, mode, size, target)' "$ref" | LC_ALL=C sort > "$T_DIR/ref.sqlisting"
compare squashfs-listing "$T_DIR/ref.sqlisting" "$T_DIR/sq.listing" "unsquashfs -lln: the directory's names, owners, modes, sizes, devices and symlinks"

# ---- erofs -------------------------------------------------------------------
build erofs "$T_DIR/root.erofs" ; ok $? "erofs (base-cache hit)"
fsck.erofs "$T_DIR/root.erofs" > "$T_DIR/fsck.erofs.out" 2>&1 ; ok $? "fsck.erofs is clean"
x=$T_DIR/erofs.x
fsck.erofs --extract="$x" "$T_DIR/root.erofs" > /dev/null 2>&1 ; ok $? "fsck.erofs --extract"
tree_listing "$x" > "$T_DIR/erofs.listing.raw"
mask_special "$T_DIR/erofs.listing.raw" '^f$' > "$T_DIR/erofs.listing"
mask_special "$T_DIR/ref.listing" '^f$' > "$T_DIR/ref.listing.suid"
compare erofs-listing "$T_DIR/ref.listing.suid" "$T_DIR/erofs.listing" "the extracted erofs tree: owners, modes, types, sizes, devices, symlinks of the directory"
tree_contents "$x" > "$T_DIR/erofs.contents"
compare erofs-contents "$T_DIR/ref.contents" "$T_DIR/erofs.contents" "the extracted erofs tree: the SHA-256 of every file"
rm -rf "$x"

# ---- an interrupted image write -------------------------------------------------
start_bg "$T_DIR/int.out" "${profile[@]}" --format squashfs --set squashfs_compression=xz "$T_DIR/int.squashfs"
wait_for_line "$T_DIR/int.out" 'output: writing' 120 && sleep 1
kill -INT "$BG_PID"
wait "$BG_PID"; rc=$?
[ "$rc" -eq 130 ] && [ ! -e "$T_DIR/int.squashfs" ] && [ -z "$(ls -A "$T_DIR" | grep '^\.mkfr-')" ] &&
	[ ! -e "$T_DIR/int.squashfs.manifest.json" ] ; ok $? "SIGINT while mksquashfs writes: exit $rc, no OUT, no .part, no manifest"
pgrep -f "$T_DIR/.mkfr-" > /dev/null ; [ $? -ne 0 ] ; ok $? "and no mksquashfs left running"

# ---- OCI: armel and arm64, one index -----------------------------------------
build oci "$T_DIR/armel.oci" --sbom spdx,cyclonedx ; ok $? "OCI layout, armel (base-cache hit), with SBOMs"
skopeo inspect --config "oci:$T_DIR/armel.oci" > "$T_DIR/armel.config" 2> "$T_DIR/skopeo.err"
"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); sys.exit(not (c["architecture"], c.get("variant"), c["os"]) == ("arm", "v5", "linux"))' "$T_DIR/armel.config"
ok $? "skopeo inspect: armel is linux/arm/v5"
skopeo inspect "oci:$T_DIR/armel.oci" > "$T_DIR/armel.inspect" 2>> "$T_DIR/skopeo.err"
"$PY" -c '
import json, sys
i = json.load(open(sys.argv[1])); m = json.load(open(sys.argv[2]))
l = i["Labels"]
sys.exit(not (l["org.mkforeignroot.suite"] == "bookworm" and l["org.mkforeignroot.packages-digest"] == m["packages_digest"]
              and l["org.mkforeignroot.release-date"] == m["release_date"] and i["Digest"] == m["output"]["oci"]["manifest_digest"]))' \
	"$T_DIR/armel.inspect" "$T_DIR/armel.oci.manifest.json"
ok $? "skopeo inspect: annotated with the suite, the Release date and the manifest's packages digest; the manifest records the image's digest"
head -n 3 "$T_DIR/skopeo.err" | diag
umoci unpack --image "$T_DIR/armel.oci:latest" "$T_DIR/bundle" > "$T_DIR/umoci.out" 2>&1 ; ok $? "umoci unpack --image OUT:latest"
for what in listing hardlinks contents caps; do
	"tree_$what" "$T_DIR/bundle/rootfs" > "$T_DIR/oci.$what"
	compare "oci-$what" "$T_DIR/ref.$what" "$T_DIR/oci.$what" "umoci's rootfs and the directory: same $what"
done
rm -rf "$T_DIR/bundle"
build oci64 "$T_DIR/arm64.oci" --set arch=arm64 ; ok $? "OCI layout, arm64"
skopeo inspect --config "oci:$T_DIR/arm64.oci" > "$T_DIR/arm64.config" 2>/dev/null
"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); sys.exit(not (c["architecture"], c.get("variant")) == ("arm64", "v8"))' "$T_DIR/arm64.config"
ok $? "skopeo inspect: arm64 is linux/arm64/v8"
"$MKFR" oci-index "$T_DIR/multi.oci" "$T_DIR/armel.oci" "$T_DIR/arm64.oci" > "$T_DIR/index.out" 2>&1 ; ok $? "oci-index of the two"
skopeo inspect --raw "oci:$T_DIR/multi.oci" > "$T_DIR/multi.raw" 2>/dev/null
"$PY" -c '
import json, sys
i = json.load(open(sys.argv[1]))
p = sorted((m["platform"]["architecture"], m["platform"].get("variant")) for m in i["manifests"])
sys.exit(not (i["mediaType"] == "application/vnd.oci.image.index.v1+json" and p == [("arm", "v5"), ("arm64", "v8")]))' "$T_DIR/multi.raw"
ok $? "skopeo inspect --raw: the index lists linux/arm/v5 and linux/arm64/v8 under one tag"
skopeo inspect --override-arch arm64 --override-variant v8 --config "oci:$T_DIR/multi.oci" 2>/dev/null |
	"$PY" -c 'import json,sys; sys.exit(json.load(sys.stdin)["architecture"] != "arm64")' ; ok $? "and skopeo picks the arm64 image from it"
"$MKFR" oci-index "$T_DIR/dup.oci" "$T_DIR/armel.oci" "$T_DIR/multi.oci" > "$T_DIR/dup.out" 2>&1; rc=$?
[ "$rc" -eq 2 ] && [ ! -e "$T_DIR/dup.oci" ] && [ -z "$(ls -A "$T_DIR" | grep '^\.mkfr-')" ] ; ok $? "oci-index of armel twice: exit $rc, nothing left"

# ---- SBOMs -------------------------------------------------------------------
schemas=${MKFR_BUILDDIR:-$(pwd)}/tests/e2e/sbom-schemas
if [ ! -e "$schemas/node_modules/@cyclonedx/cyclonedx-library/res/schema/bom-1.5.SNAPSHOT.schema.json" ]; then
	npm install --prefix "$schemas" --no-audit --no-fund --omit=optional --ignore-scripts --no-save \
		@cyclonedx/cyclonedx-library@10.3.0 spdx-expression-parse@4.0.0 packageurl-js@1.1.1 > "$T_DIR/npm.out" 2>&1
fi
[ -e "$schemas/node_modules/@cyclonedx/cyclonedx-library/res/schema/bom-1.5.SNAPSHOT.schema.json" ] ; ok $? "the CycloneDX JSON schemas, from the npm package @cyclonedx/cyclonedx-library"
tail -n 3 "$T_DIR/npm.out" 2>/dev/null | diag
dpkg-query --admindir="$ref/var/lib/dpkg" -W -f '${db:Status-Abbrev} ${Package} ${Version} ${Architecture}\n' |
	awk '$1 == "ii" { print $2, $3, $4 }' | LC_ALL=C sort > "$T_DIR/dpkg.list"
for sb in "$T_DIR/dir" "$T_DIR/a/root.squashfs" "$T_DIR/armel.oci"; do
	name=${sb#"$T_DIR"/}
	"$PY" - "$schemas/node_modules/@cyclonedx/cyclonedx-library/res/schema" "$sb.cdx.json" <<'EOF' > "$T_DIR/cdx.out" 2>&1
import json, sys, jsonschema
d = sys.argv[1]
load = lambda n: json.load(open(f"{d}/{n}"))
bom = load("bom-1.5.SNAPSHOT.schema.json")
store = {"http://cyclonedx.org/schema/spdx.schema.json": load("spdx.SNAPSHOT.schema.json"),
         "http://cyclonedx.org/schema/jsf-0.82.schema.json": load("jsf-0.82.SNAPSHOT.schema.json")}
resolver = jsonschema.RefResolver.from_schema(bom, store=store)
jsonschema.Draft7Validator(bom, resolver=resolver).validate(json.load(open(sys.argv[2])))
EOF
	ok $? "$name.cdx.json validates against the official CycloneDX 1.5 schema"
	head -n 5 "$T_DIR/cdx.out" | diag
	# SPDX: the spec's required fields (no registry package ships the SPDX
	# 2.3 JSON schema), unique ids, relationships to known ids.
	"$PY" - "$sb.spdx.json" <<'EOF' > "$T_DIR/spdx.out" 2>&1
import json, re, sys
s = json.load(open(sys.argv[1]))
assert s["spdxVersion"] == "SPDX-2.3" and s["dataLicense"] == "CC0-1.0" and s["SPDXID"] == "SPDXRef-DOCUMENT"
assert s["name"] and re.match(r"^[a-z]+://[^#]+$", s["documentNamespace"])
assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", s["creationInfo"]["created"]) and s["creationInfo"]["creators"]
ids = [p["SPDXID"] for p in s["packages"]]
assert len(ids) == len(set(ids)) and all(re.match(r"^SPDXRef-[A-Za-z0-9.-]+$", i) for i in ids)
for p in s["packages"]:
    for k in ("name", "downloadLocation", "licenseConcluded", "licenseDeclared", "copyrightText"):
        assert p.get(k), (p["SPDXID"], k)
    assert p["filesAnalyzed"] is False
    for c in p.get("checksums", []):
        assert c["algorithm"] == "SHA256" and re.match(r"^[0-9a-f]{64}$", c["checksumValue"])
known = set(ids) | {"SPDXRef-DOCUMENT"}
for r in s["relationships"]:
    assert r["spdxElementId"] in known and r["relatedSpdxElement"] in known, r
EOF
	ok $? "$name.spdx.json has every field SPDX 2.3 requires, unique ids, relationships to known ids"
	head -n 5 "$T_DIR/spdx.out" | diag
done
# Licence expressions and purls, with the npm packages that parse them.
node - "$schemas/node_modules" "$T_DIR/a/root.squashfs.spdx.json" "$T_DIR/a/root.squashfs.cdx.json" <<'EOF' > "$T_DIR/node.out" 2>&1
const [mods, spdxFile, cdxFile] = process.argv.slice(2);
const parse = require(mods + "/spdx-expression-parse");
const { PackageURL } = require(mods + "/packageurl-js");
const fs = require("fs");
const s = JSON.parse(fs.readFileSync(spdxFile)), c = JSON.parse(fs.readFileSync(cdxFile));
let declared = 0;
for (const p of s.packages) if (p.licenseDeclared !== "NOASSERTION") { parse(p.licenseDeclared); declared++; }
for (const k of c.components) {
  const u = PackageURL.fromString(k.purl);
  if (u.type !== "deb" || u.namespace !== "debian" || u.name !== k.name || u.version !== k.version ||
      u.qualifiers.arch !== k.properties.find(p => p.name === "mkforeignroot:debian:architecture").value ||
      u.qualifiers.distro !== "debian-12") throw new Error("purl " + k.purl);
}
if (declared < 10) throw new Error("only " + declared + " declared licences");
console.log(declared + " declared licences parse; " + c.components.length + " purls round-trip");
EOF
ok $? "every declared licence is an SPDX expression (spdx-expression-parse), every purl parses back to its package (packageurl-js)"
diag < "$T_DIR/node.out"
"$PY" - "$T_DIR/dpkg.list" "$T_DIR/a/root.squashfs" <<'EOF' > "$T_DIR/cross.out" 2>&1
import json, sys, hashlib
want = sorted(tuple(l.split()) for l in open(sys.argv[1]))
out = sys.argv[2]
s = json.load(open(out + ".spdx.json")); c = json.load(open(out + ".cdx.json")); m = json.load(open(out + ".manifest.json"))
spdx = sorted((p["name"], p["versionInfo"], p["SPDXID"].rsplit("-", 1)[1]) for p in s["packages"][1:])
cdx = sorted((k["name"], k["version"], next(p["value"] for p in k["properties"] if p["name"] == "mkforeignroot:debian:architecture")) for k in c["components"])
assert spdx == want, ("spdx", set(spdx) ^ set(want))
assert cdx == want, ("cdx", set(cdx) ^ set(want))
man = {(p["name"], p["version"]): p["deb_sha256"] for p in m["packages"]}
for p in s["packages"][1:]:
    assert man[(p["name"], p["versionInfo"])] == p["checksums"][0]["checksumValue"], p["name"]
for k in c["components"]:
    assert man[(k["name"], k["version"])] == k["hashes"][0]["content"], k["name"]
digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
assert s["packages"][0]["checksums"][0]["checksumValue"] == digest == m["output"]["sha256"]
assert c["metadata"]["component"]["hashes"][0]["content"] == digest
print(len(want), "packages")
EOF
ok $? "squashfs SBOMs: exactly dpkg-query's packages, the manifest's .deb checksums, the image's digest on top ($(cat "$T_DIR/cross.out" | tail -n 1))"
"$PY" -c '
import json, sys
s = json.load(open(sys.argv[1] + ".spdx.json")); m = json.load(open(sys.argv[1] + ".manifest.json"))
sys.exit(s["packages"][0]["checksums"][0]["checksumValue"] != m["output"]["oci"]["manifest_digest"][7:] or s["packages"][0]["primaryPackagePurpose"] != "CONTAINER")' "$T_DIR/armel.oci"
ok $? "OCI SBOM: the image is a container whose digest is its manifest's"

# ---- the host ----------------------------------------------------------------
[ -z "$(find "$T_DIR" -name '.mkfr-*' -o -name '*.part' | head -n 1)" ] ; ok $? "no work directory or .part left anywhere"
[ "$(findmnt -rn -o TARGET,SOURCE | sort)" = "$mounts_before" ] && [ -z "$(our_mounts)" ] ; ok $? "the host's mount table is as before"
[ "$(losetup -a 2>/dev/null | sort)" = "$losetup_before" ] &&
	! grep -qs "$T_DIR" /sys/block/loop*/loop/backing_file ; ok $? "no loop device was used"
[ "$(tmp_ours)" = "$tmp_before" ] ; ok $? "nothing of ours in /tmp but the test's own directory"
done_testing

#!/usr/bin/env bash
# Builds the k8s-ovs node image (rootfs/k8s-ovs.yaml runs it) as an OCI image archive, with no container
# engine or registry: the programs the daemon runs, taken file by file from their Debian packages
# (apt-get download at apt's candidate versions, dpkg-deb -x) with exactly the libraries they load,
# Node.js, the staged program (scripts/stage-program.sh) and the self-contained CNI plugin
# (scripts/build-cni-plugin.sh). One layer, sorted, fixed owner and times: the same tree and packages
# give the same bytes. Needs Debian 12 with the packages of scripts/install-deps.sh, npm ci and npm run build.
# Usage: scripts/build-image.sh [OUTFILE]   (default build/image/k8s-ovs-VERSION.oci.tar); prints OUTFILE.
# K8S_OVS_IMAGE names the image (default localhost/k8s-ovs:VERSION); K8S_OVS_DEB_CACHE keeps downloads.
set -euo pipefail
umask 022
export LC_ALL=C
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
out=${1:-$repo/build/image/k8s-ovs-$version.oci.tar}
reference=${K8S_OVS_IMAGE:-localhost/k8s-ovs:$version}
deb_cache=${K8S_OVS_DEB_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/k8s-ovs/debs}
archiver=$repo/dist/scripts/image/oci-archive.js
[ -f "$archiver" ] || { echo "build-image: $archiver is missing: npm run build first" >&2; exit 1; }
multiarch=$(basename "$(dirname "$(dpkg -L libc6 | grep -m1 -E '/lib/[^/]+-linux-gnu/libc\.so\.6$')")")
# Times in the image: the last commit's, so a rebuild of the same commit is byte-identical.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}

progress() { echo "build-image: $* (${SECONDS} s)" >&2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/k8s-ovs-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root" "$deb_cache" "$work/debs"

# What the daemon, the installer and the etcd pod run. Paths as packaged (Debian 12 is not usr-merged
# inside its packages); the host's dpkg database says which package holds each, its ldd which libraries.
programs=(
  /usr/bin/node                                        # the daemon, k8s-ovs-adm, the CNI installer
  /usr/bin/env /bin/dash                               # the launchers' shebang; sh for the iptables wrapper
  /usr/bin/ovs-vsctl /usr/bin/ovs-ofctl /usr/bin/ovs-appctl
  /bin/ip /sbin/ethtool /usr/bin/nsenter /sbin/sysctl
  /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi
  /usr/bin/etcd                                        # the etcd pod of rootfs/k8s-ovs.yaml
)
# iptables loads its matches and targets (comment, conntrack, MASQUERADE) from here at run time.
plugins=("/usr/lib/$multiarch/xtables")

# 1. The files: programs, plugins, and every library they load, with the package holding each. One dpkg -S
# for all (it reads the whole database per call); a usr-merged host lists /usr/lib where a package says /lib.
wanted=("${programs[@]}")
for dir in "${plugins[@]}"; do
  while IFS= read -r file; do wanted+=("$file"); done < <(dpkg -L "$(dpkg -S "$dir" | cut -d: -f1)" | grep "^$dir/.*\.so$")
done
elves=("${wanted[@]}")
for file in "${elves[@]}"; do
  while IFS= read -r lib; do wanted+=("$lib"); done < <(ldd "$(readlink -f "$file")" | awk '/=> \//{print $3} /^\t\//{print $1}')
done
mapfile -t wanted < <(printf '%s\n' "${wanted[@]}" | sort -u)
candidates() { printf '%s\n' "$1" "${1#/usr}" "/usr$1" "$(readlink -f "$1")"; }
declare -A owner=()
while IFS= read -r line; do
  owner[${line#*: }]=${line%%: *}
done < <(for file in "${wanted[@]}"; do candidates "$file"; done | sort -u | xargs dpkg -S 2>/dev/null | grep -v '^diversion by')
declare -A package_of=()
files=()
for file in "${wanted[@]}"; do
  found=
  while IFS= read -r candidate; do
    if [ -n "${owner[$candidate]:-}" ]; then found=$candidate; break; fi
  done < <(candidates "$file")
  [ -n "$found" ] || { echo "build-image: no installed package holds $file (scripts/install-deps.sh installs them)" >&2; exit 1; }
  files+=("$found")
  package_of[$found]=${owner[$found]}
done
mapfile -t elves < <(for file in "${elves[@]}"; do
  while IFS= read -r candidate; do [ -n "${owner[$candidate]:-}" ] && { echo "$candidate"; break; }; done < <(candidates "$file")
done)

progress "resolved ${#files[@]} files"
# 2. Their packages at apt's candidate version (this host's package lists: stable updates included), from
# apt's archive cache, ours, or apt-get download. The versions are written into the image.
mapfile -t packages < <(printf '%s\n' "${package_of[@]}" | sort -u)
declare -A candidate=()
while read -r name candidate_version; do candidate[$name]=$candidate_version; done < <(apt-cache policy "${packages[@]%%:*}" \
  | awk '/^[^ ].*:$/ { name = substr($1, 1, length($1) - 1) } /^  Candidate:/ { print name, $2 }')
: >"$work/packages"
for package in "${packages[@]}"; do
  name=${package%%:*}
  arch=$(dpkg-query -W -f='${Architecture}' "$package")
  pkg_version=${candidate[$name]:?no candidate version of $name}
  deb=${name}_${pkg_version//:/%3a}_${arch}.deb
  if [ ! -f "$deb_cache/$deb" ]; then
    if [ -f "/var/cache/apt/archives/$deb" ]; then
      cp "/var/cache/apt/archives/$deb" "$deb_cache/"
    elif ! (cd "$deb_cache" && apt-get download -q "$name:$arch=$pkg_version" >"$work/apt.log" 2>&1); then
      deb=
    fi
  fi
  mkdir -p "$work/debs/$name"
  if [ -n "$deb" ]; then
    dpkg-deb -x "$deb_cache/$deb" "$work/debs/$name"
    echo "$name $pkg_version" >>"$work/packages"
    continue
  fi
  # No source serves the candidate: it is installed from elsewhere (Node.js 20 here comes from a
  # repacked NodeSource package, Debian 12 has 18). Its installed files, checked against dpkg's checksums.
  pkg_version=$(dpkg-query -W -f='${Version}' "$package")
  for file in "${!package_of[@]}"; do
    [ "${package_of[$file]}" = "$package" ] || continue
    sums=$(cat "/var/lib/dpkg/info/$package.md5sums" "/var/lib/dpkg/info/$name.md5sums" 2>/dev/null || true)
    sum=$(awk -v f="${file#/}" '$2 == f { print $1; exit }' <<<"$sums")
    [ -n "$sum" ] && [ "$(md5sum <"$file" | cut -d' ' -f1)" = "$sum" ] \
      || { echo "build-image: $file is not a regular file of $package $pkg_version as installed, and no source serves $package" >&2; cat "$work/apt.log" >&2; exit 1; }
    install -D -m "$(stat -c %a "$file")" "$file" "$work/debs/$name$file"
  done
  echo "$name $pkg_version (installed files, checked against dpkg's md5sums: no configured source serves it)" >>"$work/packages"
done

progress "extracted ${#packages[@]} Debian packages"
# 3. Each file from its package, with the symlinks on its way (soname links, /lib64 loader).
for file in "${files[@]}"; do
  src=$work/debs/${package_of[$file]%%:*}
  path=$file
  while :; do
    [ -e "$src$path" ] || [ -L "$src$path" ] || { echo "build-image: $path is not in package ${package_of[$file]}" >&2; exit 1; }
    mkdir -p "$root$(dirname "$path")"
    cp -a "$src$path" "$root$path"
    [ -L "$src$path" ] || break
    target=$(readlink "$src$path")
    case $target in /*) path=$target ;; *) path=$(dirname "$path")/$target ;; esac
    path=$(realpath -m -s "$path")
  done
done
ln -s dash "$root/bin/sh"
for tool in iptables iptables-save iptables-restore; do
  ln -s "xtables-nft-multi" "$root/usr/sbin/$tool-nft"
  ln -s "xtables-legacy-multi" "$root/usr/sbin/$tool-legacy"
done
install -m 0755 "$repo/scripts/image/iptables" "$root/usr/sbin/iptables"
ln -s iptables "$root/usr/sbin/iptables-save"
ln -s iptables "$root/usr/sbin/iptables-restore"

progress "copied the Debian files"
# 4. The program, its CNI plugin and the CNI config the installer puts on the host.
"$repo/scripts/stage-program.sh" "$root/usr/lib/k8s-ovs" >/dev/null
# Typings, source maps and documents of the modules are never loaded; licences stay.
find "$root/usr/lib/k8s-ovs/node_modules" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
  -o -iname '*.md' -o -iname '*.markdown' \) -delete
"$repo/scripts/build-cni-plugin.sh" "$root/usr/lib/k8s-ovs/cni/k8s-ovs" >/dev/null
install -m 0644 "$repo/rootfs/etc/cni/net.d/80-k8s-ovs.conf" "$root/usr/lib/k8s-ovs/cni/"
for program in k8s-ovs k8s-ovs-adm k8s-ovs-install-cni; do ln -s "../lib/k8s-ovs/bin/$program" "$root/usr/bin/$program"; done
mkdir -p "$root/usr/share/k8s-ovs"
sort "$work/packages" >"$root/usr/share/k8s-ovs/debian-packages"

progress "staged the program and the CNI plugin"
# 5. What every Linux image has: root's entries, temp, and the run directories the manifest mounts over.
mkdir -p "$root/etc" "$root/tmp" "$root/run" "$root/var/lib" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
ln -s ../run "$root/var/run"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"

# 6. Every program and library must load from the image alone: its own loader, resolving each library
# inside the image (the loader would fall back to this host's libraries, so any path outside counts).
loader=$root/lib64/ld-linux-x86-64.so.2
libpath=$root/lib/$multiarch:$root/usr/lib/$multiarch
outside=$(for file in "${elves[@]}"; do
  "$loader" --inhibit-cache --library-path "$libpath" --list "$root$file" 2>&1 \
    | awk -v f="$file" -v r="$root" '/=>/ && index($3, r) != 1 { print f ": " $0 }'
done)
[ -z "$outside" ] || { echo "build-image: libraries missing from the image:" >&2; echo "$outside" >&2; exit 1; }
"$loader" --inhibit-cache --library-path "$libpath" "$root/usr/bin/node" -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)'

progress "checked that every program loads from the image alone"
# 7. The layer and the archive.
mkdir -p "$(dirname "$out")"
config=$(node -p 'JSON.stringify({
  Entrypoint: ["/usr/bin/k8s-ovs"],
  Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  WorkingDir: "/",
  Labels: { "org.opencontainers.image.title": "k8s-ovs", "org.opencontainers.image.version": process.argv[1] },
})' "$version")
node "$archiver" --rootfs "$root" --reference "$reference" --out "$out.partial" --config "$config" --gzip --epoch "$epoch" >/dev/null
mv "$out.partial" "$out"
echo "$out"

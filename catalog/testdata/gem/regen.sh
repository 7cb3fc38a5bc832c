#!/bin/sh
# Regenerates catalog/testdata/gem/debian-rootfs and its truth files from
# Debian bookworm's Ruby packages. Needs: apt-get (a Debian mirror), dpkg,
# ruby (Debian's `ruby` package: rubygems and bundler read the truth).
#
#   sh catalog/testdata/gem/regen.sh
#
# What it does, step by step:
# 1. `apt-get download` the debs named below (the versions the mirror has;
#    SOURCES.md records the ones used).
# 2. `dpkg --root=... --unpack` them into a scratch root: the real dpkg
#    writes var/lib/dpkg/status and info/*.md5sums.
# 3. Copies into debian-rootfs/: every *.gemspec the debs ship, the status
#    file, and the md5sums files (libruby3.1's cut to its gemspec lines with
#    grep; the other md5sums whole).
# 4. Writes the truth with Ruby's own readers: truth-gemspecs.json and
#    syft/truth-gemspecs.json (one object per gemspec, from
#    Gem::Specification.load), gem-list.txt
#    (`gem list --local` with GEM_PATH on the fixture's gem directories; it
#    also lists the host's default gems, which are the same libruby3.1), and
#    DIR/truth-gemfile-lock.json (Bundler::LockfileParser on each
#    DIR/Gemfile.lock, files taken as they are from the projects SOURCES.md
#    names).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
debs="ruby-rack ruby-json ruby-rack-test ruby-mustermann ruby-sinatra ruby-tilt ruby-rack-protection libruby3.1"

mkdir -p "$scratch/debs" "$scratch/root/var/lib/dpkg/info" "$scratch/root/var/lib/dpkg/updates"
touch "$scratch/root/var/lib/dpkg/status"
(cd "$scratch/debs" && apt-get download $debs)
dpkg --root="$scratch/root" --force-depends --force-script-chrootless --force-not-root \
    --unpack "$scratch"/debs/*.deb

out="$here/debian-rootfs"
rm -rf "$out"
mkdir -p "$out/var/lib/dpkg/info"
cp "$scratch/root/var/lib/dpkg/status" "$out/var/lib/dpkg/status"
for f in "$scratch"/root/var/lib/dpkg/info/*.md5sums; do
    case "$(basename "$f")" in
    libruby*) grep 'gemspec$' "$f" > "$out/var/lib/dpkg/info/$(basename "$f")" ;;
    *) cp "$f" "$out/var/lib/dpkg/info/" ;;
    esac
done
(cd "$scratch/root" && find . -name '*.gemspec' | while read -r g; do
    mkdir -p "$out/$(dirname "$g")"
    cp "$g" "$out/$g"
done)

# Gem::Specification.load of every *.gemspec under $1, as JSON, to $2.
spec_truth() {
    (cd "$1" && ruby -rjson -e '
      specs = Dir.glob("**/*.gemspec").sort.map do |path|
        s = Gem::Specification.load(path)
        {
          "path" => path,
          "name" => s.name,
          "version" => s.version.to_s,
          "licenses" => s.licenses,
          "authors" => s.authors,
          "homepage" => s.homepage,
          "runtime_dependencies" => s.runtime_dependencies.map(&:name).sort.uniq,
        }
      end
      puts JSON.pretty_generate(specs)
    ') > "$2"
}
spec_truth "$out" "$here/truth-gemspecs.json"
spec_truth "$here/syft" "$here/syft/truth-gemspecs.json"
GEM_HOME=/nonexistent \
GEM_PATH="$out/usr/share/rubygems-integration/all:$out/usr/lib/x86_64-linux-gnu/rubygems-integration/3.1.0:$out/usr/lib/ruby/gems/3.1.0" \
    gem list --local > "$here/gem-list.txt"

cd "$here"
# PATH sources resolve against the Gemfile's directory: an empty one will do.
touch "$scratch/Gemfile"
for dir in devise rubygems-org syft; do
    BUNDLE_GEMFILE="$scratch/Gemfile" ruby -rjson -rbundler -e '
      lock = Bundler::LockfileParser.new(File.read(ARGV[0]))
      specs = lock.specs.map do |s|
        {
          "name" => s.name,
          "version" => s.version.to_s,
          "platform" => s.platform.to_s,
          "dependencies" => s.dependencies.map(&:name).sort.uniq,
        }
      end
      puts JSON.pretty_generate(specs.sort_by { |s| [s["name"], s["version"], s["platform"]] })
    ' "$dir/Gemfile.lock" > "$dir/truth-gemfile-lock.json"
done

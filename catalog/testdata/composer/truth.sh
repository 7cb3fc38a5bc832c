#!/bin/sh
# Writes DIR/truth.json beside each fixture with jq (an independent JSON
# reader): per package, name, version, licenses, the `require` names that are
# packages (not php, ext-*, lib-*, composer-*-api), the names `provide` and
# `replace` declare, the first author, and whether it is a dev package.
# installed.json: every entry of the Composer 1 array or the Composer 2
# `packages` (dev = listed in `dev-package-names`); composer.lock: `packages`
# only (dev packages are left out, as syft does).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
filter='
  def platform: test("^(php(-64bit|-ipv6|-zts|-debug)?|hhvm|ext-.*|lib-.*|composer(-plugin-api|-runtime-api)?)$");
  def license: if .license == null then [] elif (.license|type) == "string" then [.license] else .license end;
  def entry($dev): {
    name, version,
    licenses: license,
    requires: ((.require // {}) | keys | map(select(platform | not))),
    provides: (((.provide // {}) | keys) + ((.replace // {}) | keys) | unique),
    author: ((.authors // [])[0] // null),
    dev: $dev
  };
'
for f in syft-composer-1/vendor/composer/installed.json syft-composer-2/vendor/composer/installed.json; do
    jq "$filter"'
      if type == "array" then map(entry(false))
      else (.["dev-package-names"] // []) as $devs | .packages | map(entry(.name as $n | $devs | index($n) != null))
      end | sort_by(.name, .version)' "$here/$f" > "$here/${f%%/*}/truth.json"
done
for f in syft-lock/composer.lock composer-project/composer.lock; do
    jq "$filter"'.packages | map(entry(false)) | sort_by(.name, .version)' "$here/$f" > "$here/${f%%/*}/truth.json"
done

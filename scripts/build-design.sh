#!/usr/bin/env bash
# Vendors Designsystemet (Digdir's design system) into the static files, so that the
# service itself needs no Node: `npm ci` installs exactly the versions pinned in
# design/package-lock.json, and this script copies the built CSS, the licence and a
# NOTICE.md into survey_app/static/vendor/designsystemet/. Commit what it writes.
# Run it (`make design`) after changing the version in design/package.json.
set -euo pipefail
cd "$(dirname "$0")/.."

package="@digdir/designsystemet-css"
source_dir="design/node_modules/$package"
target="survey_app/static/vendor/designsystemet"

(cd design && npm ci --no-audit --no-fund --ignore-scripts)

version=$(node -p "require('./$source_dir/package.json').version")
licence=$(node -p "require('./$source_dir/package.json').license")
pinned=$(node -p "require('./design/package.json').dependencies['$package']")
if [ "$version" != "$pinned" ]; then
  echo "installed $package $version, but design/package.json pins $pinned" >&2
  exit 1
fi

rm -rf "$target"
mkdir -p "$target"
# The theme (tokens: colours, sizes, typography) and every component's CSS in one file.
cp "$source_dir/dist/theme/designsystemet.css" "$target/theme.css"
cp "$source_dir/dist/src/index.css" "$target/index.css"
cp "$source_dir/LICENSE" "$target/LICENSE"

cat > "$target/NOTICE.md" <<NOTICE
# Designsystemet CSS (vendored)

- Package: \`$package\`
- Version: $version
- Licence: $licence (see LICENSE in this folder)
- Source: https://github.com/digdir/designsystemet (Digitaliseringsdirektoratet)

Files: \`theme.css\` is the package's \`dist/theme/designsystemet.css\` (the default
theme's tokens), \`index.css\` its \`dist/src/index.css\` (the components). They are
copied unchanged; the Directorate's colours are overrides in \`static/css/helsedir.css\`.

Rebuild: change the version in \`design/package.json\`, run \`npm install\` in \`design/\`
to update the lock file, then \`make design\` (scripts/build-design.sh), and commit this
folder. \`make run\` and \`make test\` need no Node.
NOTICE

echo "Vendored $package $version into $target"

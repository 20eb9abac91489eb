#!/bin/sh
# Vendor the web app's JavaScript from the npm registry into the package (no CDN: pages work
# offline). Exactly these versions, each tarball checked against the sha512 integrity npm
# records for it; only the built files the pages load are copied, each with its package's
# LICENSE. Refresh: change a version here, run `npm view NAME@VERSION dist.integrity` for the
# new integrity, run this script, and run tests/server/test_browser.py.
#
#   sh scripts/vendor_js.sh        (from the repository's root; needs npm and network)
set -eu

OUT=src/zerotrail/server/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# name version integrity file-in-package (the UMD or classic-script build)
PACKAGES='
htmx.org 4.0.1 sha512-oF7JgXhDW9UXCy/k1ZYFUQgzu/rm19ORWPSPNL91vPluB2PB9+MV55tyQdH/w7o2EAbTYUG5SDW1R60mdkdqGg== dist/htmx.min.js
vega 6.4.0 sha512-rHXCq2LpEWCLMjXBEj7hocY9G0/i5TGYRayGGSj06VTF4+l2IG2Z7oeZKCjWbUh/7hTE/mVhbaOPB72wCElh6g== build/vega.min.js
vega-lite 6.5.0 sha512-fMXF6s0MrIg0UTWnLIfeFtgSLzVhyzSKobzGrh5rhS+mL6FOYFG3m7ouJ4U23gj65EK+gl9FIIT5w7wLNaAzkA== build/vega-lite.min.js
vega-embed 7.3.0 sha512-wQ8s5GaSzqoKgmRfbRolgBrjE2CP7ZKHXqH7NijxMqPjpdWxSs4Dn8tvp9g0giQvh2cK+3p56sxjWWM0wNngGw== build/vega-embed.min.js
'

mkdir -p "$OUT"
echo "$PACKAGES" | while read -r name version integrity file; do
    [ -n "$name" ] || continue
    tarball=$(cd "$WORK" && npm pack --silent "$name@$version" | tail -n 1)
    actual="sha512-$(openssl dgst -sha512 -binary "$WORK/$tarball" | base64 | tr -d '\n')"
    if [ "$actual" != "$integrity" ]; then
        echo "error: $name@$version: tarball integrity $actual, expected $integrity" >&2
        exit 1
    fi
    mkdir -p "$WORK/$name"
    tar -xzf "$WORK/$tarball" -C "$WORK/$name"
    cp "$WORK/$name/package/$file" "$OUT/$(basename "$file")"
    cp "$WORK/$name/package/LICENSE" "$OUT/LICENSE.$name"
    echo "$name@$version $integrity $(basename "$file")"
done > "$WORK/versions"
cp "$WORK/versions" "$OUT/VERSIONS"
cat "$OUT/VERSIONS"

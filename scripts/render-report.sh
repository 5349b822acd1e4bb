#!/usr/bin/env bash
# Renders a run's report.html with headless Chromium to a PNG and fails if the page is broken:
# a console error, a missing chart, or a chart without an SVG.
#
#   scripts/render-report.sh RESULTS_DIR [OUT.png]    # default OUT: RESULTS_DIR/report.png
#
# Installs Chromium from Debian (apt-get install chromium) when it is missing and this runs as root.
set -euo pipefail
if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 RESULTS_DIR [OUT.png]" >&2
    exit 2
fi
dir=$1
html="$dir/report.html"
out=${2:-$dir/report.png}
[[ -f "$html" ]] || { echo "error: $html not found; run \`journeysim run\` or \`journeysim report $dir\` first" >&2; exit 2; }

browser=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null; then browser=$(command -v "$candidate"); break; fi
done
if [[ -z "$browser" ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "installing chromium (apt-get)…" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
        browser=$(command -v chromium)
    else
        echo "error: no chromium found; install it (e.g. apt-get install chromium) and retry" >&2
        exit 2
    fi
fi

url="file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
log=$(mktemp)
dom=$(mktemp)
trap 'rm -f "$log" "$dom"' EXIT
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --disable-dev-shm-usage
       --enable-logging=stderr --v=0 --window-size=1400,4000)

# 1. The page as the browser sees it after loading: every chart present, with an SVG or a reason.
"$browser" "${flags[@]}" --dump-dom "$url" >"$dom" 2>"$log" || { cat "$log" >&2; echo "error: chromium failed to load the page" >&2; exit 1; }
# 2. The screenshot.
"$browser" "${flags[@]}" --screenshot="$out" "$url" >>"$log" 2>&1 || { cat "$log" >&2; echo "error: chromium failed to render" >&2; exit 1; }

status=0
if grep -E "Uncaught|ERROR:CONSOLE|CONSOLE\([0-9]+\)" "$log" >&2; then
    echo "error: the page logged console errors (above)" >&2
    status=1
fi
grep -q "</html>" "$dom" || { echo "error: the DOM dump is not a complete page" >&2; status=1; }
charts=$(grep -o 'id="chart-[a-z0-9-]*"' "$dom" | wc -l)
svgs=$(grep -c "<svg" "$dom" || true)
if [[ $charts -eq 0 || $svgs -eq 0 ]]; then
    echo "error: no charts in the rendered page ($charts chart sections, $svgs SVGs)" >&2
    status=1
fi
if grep -qiE '<script[^>]*src=|<link[^>]*href=|url\(' "$dom"; then
    echo "error: the page references external resources" >&2
    status=1
fi
[[ -s "$out" ]] || { echo "error: no screenshot written" >&2; status=1; }
[[ $status -eq 0 ]] && echo "rendered $html → $out ($charts chart sections, $svgs SVGs, no console errors)"
exit $status

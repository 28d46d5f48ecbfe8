#!/usr/bin/env bash
# Makes the 32-image input folder: the 6 distinct real RGB images of sample-images/ and
# ../shared/realdata/images/images_skimage/ (both, chelsea, coffee, astronaut, rocket, ihc; original
# sizes 224x224 to 640x427), copied byte for byte in a cycle to 32 files named NN_<name>.
# Usage: make_images32.sh [OUT_DIR]   (default /work/cmp-scratch/images32)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
realdata="${EXPLAIN_CNN_REALDATA:-$repo/../shared/realdata}"
out="${1:-/work/cmp-scratch/images32}"
src=("$repo/sample-images/both.png" "$repo/sample-images/chelsea.png" "$repo/sample-images/coffee.png"
     "$realdata/images/images_skimage/astronaut.png" "$realdata/images/images_skimage/rocket.jpg"
     "$realdata/images/images_skimage/ihc.png")
for f in "${src[@]}"; do [ -f "$f" ] || { echo "missing $f" >&2; exit 2; }; done
rm -rf "$out"; mkdir -p "$out"
for i in $(seq 0 31); do
  f="${src[$((i % ${#src[@]}))]}"
  cp "$f" "$out/$(printf %02d "$i")_$(basename "$f")"
done
echo "$(ls "$out" | wc -l) images in $out"

#!/usr/bin/env bash
# Whole-process comparison: Explain CNN (Java CLI) vs a Python/Xplique job doing the same thing
# (start, load model, read 32 images, Grad-CAM top-1 at the last conv layer, write 32-bit TIFFs).
# Each run is a new process; the jobs alternate (python, java-keras, java-frozen) N times after
# one unmeasured warm-up round (page cache, frozen-graph conversion cache). Prints every wall time,
# the medians and the ratio python / java-keras.
#
# Usage: run_comparison.sh [N]   (default 5)
# Environment (defaults in brackets):
#   PYTHON      python with tensorflow + xplique   [/work/cmp-scratch/venv/bin/python]
#   JAVA_REPO   built clone of Explain CNN          [/work/cmp-java]
#   BUNDLE      Keras SavedModel bundle             [/work/cmp-scratch/keras_mobilenet_050]
#   KERAS_FILE  the same model as .keras            [$BUNDLE.keras]
#   IMAGES      32-image folder                     [/work/cmp-scratch/images32]
#   OUT         scratch output root                 [/work/cmp-scratch/runs]
#   ENGINES     python engines to time              [xplique]   (e.g. "xplique tape")
# Setup: see README.md beside this file (venv, export_keras_mobilenet.py, make_images32.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
N="${1:-5}"
PYTHON="${PYTHON:-/work/cmp-scratch/venv/bin/python}"
JAVA_REPO="${JAVA_REPO:-/work/cmp-java}"
BUNDLE="${BUNDLE:-/work/cmp-scratch/keras_mobilenet_050}"
KERAS_FILE="${KERAS_FILE:-$BUNDLE.keras}"
IMAGES="${IMAGES:-/work/cmp-scratch/images32}"
OUT="${OUT:-/work/cmp-scratch/runs}"
ENGINES="${ENGINES:-xplique}"
export TF_CPP_MIN_LOG_LEVEL=2
for f in "$PYTHON" "$JAVA_REPO/explain" "$BUNDLE/saved_model.pb" "$KERAS_FILE" "$IMAGES"; do
  [ -e "$f" ] || { echo "missing $f (see README.md)" >&2; exit 2; }
done
shopt -s nullglob
imgs=("$IMAGES"/*.png "$IMAGES"/*.jpg)
mkdir -p "$OUT"

declare -A cmd
jobs=()
for e in $ENGINES; do
  cmd[python-$e]="$PYTHON $here/python_gradcam_folder.py $IMAGES --model $KERAS_FILE --engine $e --out OUTDIR"
  jobs+=("python-$e")
done
cmd[java-keras]="$JAVA_REPO/explain ${imgs[*]} --model $BUNDLE --out OUTDIR"
cmd[java-frozen]="$JAVA_REPO/explain ${imgs[*]} --out OUTDIR"
jobs+=(java-keras java-frozen)

# Build the Java side outside the timing (./explain builds on first use).
"$JAVA_REPO/explain" --help >/dev/null 2>&1

run() { # job round -> prints seconds
  local dir="$OUT/$1" log="$OUT/$1.$2.log"
  rm -rf "$dir"; mkdir -p "$dir"
  /usr/bin/time -f %e -o "$OUT/time.txt" ${cmd[$1]//OUTDIR/$dir} >"$log" 2>&1 || {
    echo "$1 failed, see $log" >&2; exit 1; }
  local n; n=$(find "$dir" -name '*.heatmap.tif' | wc -l)
  [ "$n" -eq "${#imgs[@]}" ] || { echo "$1 wrote $n heatmaps, expected ${#imgs[@]}" >&2; exit 1; }
  tail -n 1 "$OUT/time.txt"
}

echo "images: ${#imgs[@]} in $IMAGES; rounds: $N (+1 warm-up); jobs: ${jobs[*]}"
for j in "${jobs[@]}"; do run "$j" warmup >/dev/null; done
declare -A times
for r in $(seq 1 "$N"); do
  line="round $r:"
  for j in "${jobs[@]}"; do
    t=$(run "$j" "$r"); times[$j]="${times[$j]:-} $t"; line+="  $j ${t}s"
  done
  echo "$line"
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "medians (wall s, whole process):"
declare -A med
for j in "${jobs[@]}"; do med[$j]=$(echo "${times[$j]}" | median); printf '  %-16s %s   (runs:%s)\n' "$j" "${med[$j]}" "${times[$j]}"; done
for e in $ENGINES; do
  awk -v p="${med[python-$e]}" -v j="${med[java-keras]}" -v f="${med[java-frozen]}" -v e="$e" 'BEGIN {
    printf "ratio python-%s / java-keras = %.2f   (goal >= 2.00)\n", e, p / j
    printf "ratio python-%s / java-frozen = %.2f\n", e, p / f }'
done

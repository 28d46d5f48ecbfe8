#!/usr/bin/env bash
# Whole-process comparison: Explain CNN (Java CLI) vs a Python/Xplique job doing the same thing
# (start, load model, read 32 images, Grad-CAM top-1 at the last conv layer, write 32-bit TIFFs).
# Each run is a new process; the jobs alternate (python, java-keras, java-frozen) N times after
# one unmeasured warm-up round (page cache, frozen-graph conversion cache). Prints every wall time
# (and user+sys CPU time, which other load on the machine disturbs less), the 1-minute load average
# before each round, the medians, the minima and the ratios python / java.
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

run() { # job round -> prints "wall cpu" in seconds
  local dir="$OUT/$1" log="$OUT/$1.$2.log"
  rm -rf "$dir"; mkdir -p "$dir"
  /usr/bin/time -f '%e %U %S' -o "$OUT/time.txt" ${cmd[$1]//OUTDIR/$dir} >"$log" 2>&1 || {
    echo "$1 failed, see $log" >&2; exit 1; }
  local n; n=$(find "$dir" -name '*.heatmap.tif' | wc -l)
  [ "$n" -eq "${#imgs[@]}" ] || { echo "$1 wrote $n heatmaps, expected ${#imgs[@]}" >&2; exit 1; }
  tail -n 1 "$OUT/time.txt" | awk '{printf "%s %.2f", $1, $2 + $3}'
}

echo "images: ${#imgs[@]} in $IMAGES; rounds: $N (+1 warm-up); jobs: ${jobs[*]}"
for j in "${jobs[@]}"; do run "$j" warmup >/dev/null; done
declare -A walls cpus
for r in $(seq 1 "$N"); do
  line="round $r (load $(cut -d' ' -f1 /proc/loadavg)):"
  for j in "${jobs[@]}"; do
    res=$(run "$j" "$r"); read -r w c <<<"$res"
    walls[$j]="${walls[$j]:-} $w"; cpus[$j]="${cpus[$j]:-} $c"; line+="  $j ${w}s (cpu ${c}s)"
  done
  echo "$line"
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
minimum() { tr ' ' '\n' | grep -v '^$' | sort -g | head -n 1; }
echo "whole process, seconds:      median wall   min wall   median cpu(user+sys)"
declare -A mw nw mc
for j in "${jobs[@]}"; do
  mw[$j]=$(echo "${walls[$j]}" | median); nw[$j]=$(echo "${walls[$j]}" | minimum)
  mc[$j]=$(echo "${cpus[$j]}" | median)
  printf '  %-16s %12s %10s %12s   (wall runs:%s)\n' "$j" "${mw[$j]}" "${nw[$j]}" "${mc[$j]}" "${walls[$j]}"
done
for e in $ENGINES; do
  for jv in java-keras java-frozen; do
    awk -v e="$e" -v jv="$jv" -v pm="${mw[python-$e]}" -v jm="${mw[$jv]}" -v pn="${nw[python-$e]}" \
      -v jn="${nw[$jv]}" -v pc="${mc[python-$e]}" -v jc="${mc[$jv]}" 'BEGIN {
      printf "ratio python-%s / %s: median wall %.2f, min wall %.2f, median cpu %.2f   (goal >= 2)\n",
        e, jv, pm / jm, pn / jn, pc / jc }'
  done
done

#!/usr/bin/env bash
# Start-up costs that bound the whole-process times: a bare JVM, the Explain CNN CLI doing nothing
# (./explain --help: JVM + ImageJ legacy patching), Python importing TensorFlow, and Python
# importing what the Python job imports. Prints median wall and user+sys CPU seconds of N runs.
# Usage: startup_times.sh [N]   (default 5; PYTHON and JAVA_REPO as in run_comparison.sh)
set -euo pipefail
N="${1:-5}"
PYTHON="${PYTHON:-/work/cmp-scratch/venv/bin/python}"
JAVA_REPO="${JAVA_REPO:-/work/cmp-java}"
export TF_CPP_MIN_LOG_LEVEL=2
"$JAVA_REPO/explain" --help >/dev/null 2>&1   # build outside the timing
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
measure() { # label command...
  local label="$1"; shift
  local w=() c=()
  for _ in $(seq 1 "$N"); do
    /usr/bin/time -f '%e %U %S' -o /tmp/startup_time.$$ "$@" >/dev/null 2>&1
    read -r e u s < /tmp/startup_time.$$
    w+=("$e"); c+=("$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')")
  done
  printf '%-44s median wall %5ss  cpu %5ss   (wall: %s)\n' "$label" \
    "$(printf '%s\n' "${w[@]}" | median)" "$(printf '%s\n' "${c[@]}" | median)" "${w[*]}"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "java -version" java -version
measure "./explain --help (JVM + CLI start)" "$JAVA_REPO/explain" --help
measure "python -c pass" "$PYTHON" -c pass
measure "python: import tensorflow" "$PYTHON" -c "import tensorflow"
measure "python: import tensorflow, keras, xplique" "$PYTHON" -c "import tensorflow, keras, tifffile, PIL, xplique.attributions"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f /tmp/startup_time.$$

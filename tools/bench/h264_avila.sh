#!/usr/bin/env bash
# tools/bench/h264_avila.sh AVILA - `avila h264 encode` on the 1080p clips
# that ../shared/anchors/h264-clips generates (camera.yuv, desktop.yuv; 300
# frames each, kept in $AVILA_H264_CLIPS, default ~/.cache/avila/h264-clips,
# never committed), with the case names of ../shared/anchors/h264-x264:
#   BENCH h264@avila <clip>/<preset>/<rc>/t<threads>/fps  <fps> fps   (median of RUNS, default 3)
#   BENCH h264@avila <clip>/<preset>/<rc>/t<threads>/kbps <kbit/s> kbps
#   BENCH h264@avila <clip>/<preset>/<rc>/t<threads>/psnr <dB> dB     (PSNR over all samples,
#                                                            as x264's PSNR Global)
#   BENCH h264@avila <clip>/<preset>/<rc>/t<threads>/psnr-y <dB> dB
# for the presets fastest and default, rc qp26 (--qp 26) at 1 and 2 threads
# and vbv2000 (--bitrate 2000 --vbv 2000) at 1 thread. ANCHORS=dir overrides where the
# anchors live; without them, or without the clips and the packages to make
# them, it says so and prints nothing.
set -euo pipefail
avila=$(readlink -f "$1")
here=$(cd "$(dirname "$0")/../.." && pwd)
anchors=${ANCHORS:-$here/../shared/anchors}
clips=${AVILA_H264_CLIPS:-$HOME/.cache/avila/h264-clips}
runs=${RUNS:-3}
if [ ! -x "$anchors/h264-clips" ]; then
    echo "h264_avila: $anchors/h264-clips not found (set ANCHORS); skipped" >&2
    exit 0
fi
if [ ! -s "$clips/camera.yuv" ] || [ ! -s "$clips/desktop.yuv" ]; then
    echo "h264_avila: generating the clips in $clips (a few minutes, once)" >&2
    "$anchors/h264-clips" "$clips" || { echo "h264_avila: cannot make the clips; skipped" >&2; exit 0; }
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for clip in camera desktop; do
    for preset in fastest default; do
        for cfg in qp26:1 qp26:2 vbv2000:1; do
            rc=${cfg%:*} t=${cfg#*:}
            case $rc in
            qp26) rcargs=(--qp 26) ;;
            vbv2000) rcargs=(--bitrate 2000 --vbv 2000) ;;
            esac
            c=$clip/$preset/$rc/t$t
            for r in $(seq 0 "$runs"); do # run 0 warms the page cache
                "$avila" h264 encode -i "$clips/$clip.yuv" -s 1920x1080 --fps 30 "${rcargs[@]}" \
                    --preset $preset --threads "$t" -o "$dir/out.h264" 2>"$dir/log"
                [ "$r" = 0 ] || sed -n 's/.* frames, \([0-9.]*\) fps.*/\1/p' "$dir/log" >>"$dir/fps"
            done
            sort -g "$dir/fps" | awk -v c="$c" '{ v[NR] = $1 } END { printf "BENCH h264@avila %s/fps %.2f fps\n", c, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
            rm -f "$dir/fps"
            sed -n "s|.* fps, \([0-9.]*\) kbit/s.*|BENCH h264@avila $c/kbps \1 kbps|p" "$dir/log"
            sed -n "s|.* all \([0-9.inf]*\) (dB).*|BENCH h264@avila $c/psnr \1 dB|p" "$dir/log"
            sed -n "s|.*PSNR Y \([0-9.inf]*\) .*|BENCH h264@avila $c/psnr-y \1 dB|p" "$dir/log"
        done
    done
done

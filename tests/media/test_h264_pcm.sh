#!/bin/sh
# media/h264 bitstream syntax (bits.h, params.h, cavlc.h) against ffmpeg's
# H.264 decoder, through tests/media/tool_h264_pcm: streams of I_PCM
# macroblocks (SPS with VUI and cropping, PPS, slice headers, Annex B NAL
# units with emulation prevention) decode with -err_detect explode to
# exactly the input frames, for 16x16, 48x32, the odd 33x17 (coded as 34x18:
# 4:2:0 cropping is in pairs of samples) and 1920x1080; with several slices
# per picture, non-IDR pictures whose frame_num wraps (log2_max_frame_num 4),
# P slices with P_Skip runs, and SEI (user data, recovery point). Then
# streams mixing I_PCM with random I_16x16, I_NxN and P_L0_16x16 macroblocks
# full of random CAVLC residual blocks (every nC class, level escapes, both
# coded_block_pattern tables): any CAVLC error desynchronises the parse, so
# the PCM macroblocks after it must still come back exact. ffprobe must
# report the Constrained Baseline profile, the level and the frame rate.
# Skips without ffmpeg, or with AVILA_PEER_TESTS=0.
. "$AVILA_ROOT/tests/support/tap.sh"
peer_test "h264 syntax against ffmpeg"
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
    skip_all "h264 syntax against ffmpeg" "ffmpeg not installed"
fi
tool=$AVILA_BUILD/tests/media/tool_h264_pcm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
echo "# $(ffmpeg -version | head -n 1)"

# stream NAME W H N [OPTIONS...]: encode N generated frames, decode with
# ffmpeg, compare the known macroblocks.
stream() {
    name=$1 w=$2 h=$3 n=$4
    shift 4
    cw=$((w + w % 2))
    ch=$((h + h % 2))
    if ! out=$("$tool" gen "$w" "$h" "$n" in.yuv 7 2>&1 &&
        "$tool" encode "$w" "$h" "$n" in.yuv x.h264 exp.yuv mask "$@" 2>&1 &&
        ffmpeg -nostdin -v error -err_detect explode -i x.h264 -f rawvideo -pix_fmt yuv420p \
            -y out.yuv 2>&1 &&
        "$tool" cmp "$cw" "$ch" "$n" exp.yuv mask out.yuv 2>&1); then
        fail "$name" "$out"
        return
    fi
    pass "$name"
}
# probe NAME WANT: ffprobe's profile, level, size and rate of x.h264.
probe() {
    check_output "$1" "$2" ffprobe -v error -show_entries \
        stream=profile,level,width,height,r_frame_rate -of csv=p=0 x.h264
}

stream "I_PCM 16x16" 16 16 1
probe "16x16: Constrained Baseline level 1" "Constrained Baseline,16,16,10,25/1"
# PCM-only decoding is the input itself where no cropping pads it.
check "16x16 decodes to the input" cmp out.yuv in.yuv
stream "I_PCM 48x32, 3 frames" 48 32 3
check "48x32 decodes to the input" cmp out.yuv in.yuv
stream "I_PCM 33x17 (odd crop)" 33 17 2
probe "33x17 crops to 34x18" "Constrained Baseline,34,18,10,25/1"
stream "I_PCM 1920x1080" 1920 1080 1 --fps 30
probe "1080p30: level 4" "Constrained Baseline,1920,1080,40,30/1"
check "1080p decodes to the input" cmp out.yuv in.yuv
stream "two slices per picture" 48 32 4 --slices 2
stream "frame_num wraps (log2_max_frame_num 4), 3 slices" 48 32 40 --gop 1000 \
    --log2-frame-num 4 --slices 3
stream "P slices with P_Skip runs, SEI" 64 48 24 --gop 9 --p --log2-frame-num 4 --slices 2 --sei
stream "33x17 P slices" 33 17 12 --gop 5 --p
stream "CAVLC residuals, I slices" 176 144 8 --cavlc 1
stream "CAVLC residuals, I and P slices, 3 slices" 176 144 30 --gop 10 --p --cavlc 2 --slices 3
stream "CAVLC residuals, 352x288, 7 slices" 352 288 12 --gop 6 --p --cavlc 3 --slices 7
stream "CAVLC residuals, 33x17" 33 17 6 --gop 3 --p --cavlc 4
tap_done

#!/bin/bash
# avila h264 encode against ffmpeg's decoder: for every preset, several QPs,
# slices, sizes with and without cropping, and clips of different kinds
# (camera-like testsrc2, scrolling "text", noise at QP 0, black, a scene
# cut, a one-pixel change), ffmpeg decodes our stream with
# -err_detect explode and its output must equal our --recon byte for byte;
# the PSNR we print must equal ffmpeg's psnr filter; likewise under CBR and
# capped VBR rate control. Also the CLI's usage errors and exit codes.
. "$AVILA_ROOT/tests/support/tap.sh"
avila=$AVILA
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# ------------------------------------------------------------------ usage
check_exit "no subcommand is a usage error" 2 "$avila" h264
check_exit "unknown subcommand is a usage error" 2 "$avila" h264 decode
check_exit "--help exits 0" 0 "$avila" h264 --help
grep -q 'usage: avila h264 encode' out.txt && pass "--help prints the usage" || fail "--help prints the usage"
check_exit "odd size is refused" 2 "$avila" h264 encode -i /dev/null -s 33x17 -o x.h264
check_exit "qp 52 is refused" 2 "$avila" h264 encode -i /dev/null -s 32x32 --qp 52 -o x.h264
check_exit "unknown preset is refused" 2 "$avila" h264 encode -i /dev/null -s 32x32 --preset slow -o x.h264
check_exit "--vbv without --bitrate is refused" 2 "$avila" h264 encode -i /dev/null -s 32x32 --vbv 100 -o x.h264
check_exit "too many slices are refused" 2 "$avila" h264 encode -i /dev/null -s 32x32 --slices 3 -o x.h264
grep -q '^avila h264:' err.txt && pass "errors name the command" || fail "errors name the command" "$(cat err.txt)"
head -c 100 /dev/zero >short.yuv
check_exit "a partial frame is an error" 1 "$avila" h264 encode -i short.yuv -s 16x16 -o x.h264
check_exit "a missing input is an error" 1 "$avila" h264 encode -i missing.yuv -s 16x16 -o x.h264

command -v ffmpeg >/dev/null || { tap_done; }
peer_test "h264 against ffmpeg"

# ------------------------------------------------------------------ clips
# clip NAME W H FRAMES KIND: writes NAME.yuv (I420).
clip() {
    python3 - "$@" <<'PY'
import random, sys
name, w, h, n, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rnd = random.Random(1)
cw, ch = w // 2, h // 2
out = open(name + ".yuv", "wb")
if kind == "text":
    # Rows of 6x10 "glyphs" on white, scrolling up 3 lines per frame.
    tall = bytearray(b"\xeb" * w * (h + 4 * n))
    for y0 in range(0, h + 4 * n - 10, 12):
        for x0 in range(4, w - 6, 7):
            if rnd.random() < 0.2:
                continue
            bits = rnd.getrandbits(60)
            for i in range(60):
                if bits >> i & 1:
                    tall[(y0 + i // 6) * w + x0 + i % 6] = 0x10
    for f in range(n):
        out.write(tall[3 * f * w:(3 * f + h) * w])
        out.write(b"\x80" * (cw * ch * 2))
elif kind == "typing":
    # Lines of 6x10 glyphs from a set of 8, then one typed glyph after another
    # lower down: each new glyph shows elsewhere already (glyph copies).
    glyphs = [rnd.getrandbits(60) for _ in range(8)]
    page = bytearray(b"\xeb" * w * h)
    def draw(g, x0, y0):
        for i in range(60):
            if glyphs[g] >> i & 1:
                page[(y0 + i // 6) * w + x0 + i % 6] = 0x10
    for y0 in range(3, h // 2, 12):
        for x0 in range(5, w - 6, 7):
            draw(rnd.randrange(8), x0, y0)
    typed = [(x0, y0) for y0 in range(h // 2 + 5, h - 10, 12) for x0 in range(5, w - 6, 7)]
    for f in range(n):
        for x0, y0 in typed[f * 9:(f + 1) * 9]:
            draw(rnd.randrange(8), x0, y0)
        out.write(page)
        out.write(b"\x80" * (cw * ch * 2))
elif kind == "noise":
    for f in range(n):
        out.write(bytes(rnd.getrandbits(8) for _ in range(w * h + 2 * cw * ch)))
elif kind == "black":
    out.write(bytes([16] * (w * h) + [128] * (2 * cw * ch)) * n)
elif kind == "parts":
    # A smooth texture whose 8x8 tiles move four ways (by tile parity), and
    # whose 4x4 blocks each add their own step: P_8x8 and sub-8x8 ground.
    def tex(x, y):
        return 40 + 9 * abs((3 * x + 2 * y) % 22 - 11) + 8 * abs((2 * y - x) % 18 - 9) + rnd.getrandbits(2)
    dirs = [(2, 1), (-1, 2), (1, -2), (-2, -1)]
    steps = [(0, 0), (1, 0), (0, 1), (-1, -1)]
    for f in range(n):
        for y in range(h):
            row = bytearray(w)
            for x in range(w):
                (dx, dy), (sx, sy) = dirs[y // 8 % 2 * 2 + x // 8 % 2], steps[y // 4 % 2 * 2 + x // 4 % 2]
                row[x] = tex(x - (dx + sx) * f, y - (dy + sy) * f)
            out.write(row)
        out.write(b"\x80" * (cw * ch * 2))
elif kind == "pixel":
    base = bytearray(rnd.getrandbits(8) >> 2 for _ in range(w * h + 2 * cw * ch))
    for f in range(n):
        if f:
            base[(f * 37) % (w * h)] ^= 0x80
        out.write(base)
PY
}
ffclip() { # ffclip NAME W H FRAMES LAVFI
    ffmpeg -nostdin -v error -f lavfi -i "$5=size=$2x$3:rate=30" -frames:v "$4" -pix_fmt yuv420p -f rawvideo -y "$1.yuv"
}
ffclip cam 176 144 12 testsrc2
ffclip cam2 96 64 6 testsrc2
ffclip big 1920 1080 2 testsrc2
clip text 320 240 12 text
clip typing 320 240 10 typing
clip noise 64 48 2 noise
clip black 48 32 3 black
clip pixel 64 64 4 pixel
clip parts 96 64 6 parts
ffclip crop 34 18 4 testsrc2
ffclip tiny 16 16 3 testsrc2
clip textcut 96 64 6 text && cat cam2.yuv textcut.yuv cam2.yuv >cut.yuv

# same NAME IN W H ARGS...: encodes, decodes with ffmpeg, compares with --recon and PSNR.
same() {
    local name=$1 in=$2 size=$3x$4 err
    shift 4
    if ! "$avila" h264 encode -i "$in" -s "$size" -o out.h264 --recon recon.yuv "$@" 2>enc.txt; then
        fail "$name" "encode failed: $(cat enc.txt)"
        return
    fi
    if ! err=$(ffmpeg -nostdin -v error -err_detect explode -i out.h264 -f rawvideo -pix_fmt yuv420p -y dec.yuv 2>&1); then
        fail "$name" "ffmpeg rejects the stream: $err"
        return
    fi
    if ! cmp -s dec.yuv recon.yuv; then
        fail "$name" "ffmpeg's decode differs from --recon: $(cmp dec.yuv recon.yuv 2>&1 | head -1), sizes $(stat -c %s dec.yuv recon.yuv | tr '\n' ' ')"
        return
    fi
    local ours theirs
    ours=$(sed -n 's/.*PSNR Y \([^ ]*\) U \([^ ]*\) V \([^ ]*\) all \([^ ]*\) .*/\1 \2 \3 \4/p' enc.txt)
    theirs=$(ffmpeg -nostdin -f rawvideo -pix_fmt yuv420p -s "$size" -i recon.yuv -f rawvideo -pix_fmt yuv420p -s "$size" -i "$in" \
        -lavfi psnr -f null - 2>&1 | sed -n 's/.*PSNR y:\([^ ]*\) u:\([^ ]*\) v:\([^ ]*\) average:\([^ ]*\) .*/\1 \2 \3 \4/p' |
        awk '{ for (i = 1; i <= 4; i++) printf "%s%s", (i > 1 ? " " : ""), ($i == "inf" ? "inf" : sprintf("%.2f", $i)); print "" }')
    if [ "$ours" != "$theirs" ]; then
        fail "$name" "PSNR: ours '$ours', ffmpeg's psnr filter '$theirs'"
        return
    fi
    pass "$name"
}

for preset in fastest fast default quality; do
    for qp in 10 26 40; do
        same "camera 176x144 $preset qp $qp: ffmpeg decodes our recon" cam.yuv 176 144 --preset $preset --qp $qp
    done
    same "text scroll 320x240 $preset qp 26" text.yuv 320 240 --preset $preset --qp 26
done
same "camera with 3 slices and keyint 4" cam.yuv 176 144 --slices 3 --keyint 4
same "camera at 300 kbit/s CBR, VBV 100 kbit" cam.yuv 176 144 --bitrate 300 --vbv 100 --keyint 6
same "text at QP 22 capped at 200 kbit/s (VBR)" text.yuv 320 240 --qp 22 --bitrate 200 --preset fast
same "camera with intra refresh every 5 pictures" cam.yuv 176 144 --intra-refresh --keyint 5 --preset fast
same "text with intra refresh, one column per picture, CBR" text.yuv 320 240 --intra-refresh --bitrate 400
for preset in default quality; do
    same "moving 8x8 tiles $preset" parts.yuv 96 64 --preset $preset --qp 26
    same "moving 8x8 tiles $preset --sub8x8" parts.yuv 96 64 --preset $preset --qp 26 --sub8x8
done
same "camera --sub8x8 qp 34" cam.yuv 176 144 --sub8x8 --qp 34
same "moving tiles --sub8x8, 3 slices, 2 threads" parts.yuv 96 64 --sub8x8 --slices 3 --threads 2
same "moving tiles --sub8x8 with intra refresh, CBR" parts.yuv 96 64 --sub8x8 --intra-refresh --bitrate 300
same "moving tiles quality --sub8x8 with intra refresh every 3" parts.yuv 96 64 --preset quality --sub8x8 --intra-refresh --keyint 3
# Trellis quantisation (always in the quality preset, --trellis elsewhere).
same "camera fastest --trellis qp 30" cam.yuv 176 144 --preset fastest --trellis --qp 30
same "camera --trellis qp 0" cam.yuv 176 144 --trellis --qp 0
same "camera --trellis qp 51" cam.yuv 176 144 --trellis --qp 51
same "moving tiles --trellis, CBR, intra refresh" parts.yuv 96 64 --trellis --bitrate 300 --intra-refresh
"$avila" h264 encode -i cam.yuv -s 176x144 --preset quality -o q.h264 2>/dev/null
"$avila" h264 encode -i cam.yuv -s 176x144 --preset quality --trellis -o qt.h264 2>/dev/null
cmp -s q.h264 qt.h264 && pass "the quality preset has trellis already" ||
    fail "the quality preset has trellis already" "--trellis changed its stream"
# The encoder's objective, squared error + lambda x bits (0.85 x 2^((26 - 12) / 3) per bit at
# QP 26), must fall with trellis: each picture's samples, its MSE from the PSNR of all planes.
cost() {
    "$avila" h264 encode -i cam.yuv -s 176x144 --qp 26 "$@" -o t.h264 2>&1 >/dev/null | tail -1 |
        awk '{ for (i = 1; i < NF; i++) { if ($(i + 1) == "kbit/s,") k = $i; if ($i == "all") a = $(i + 1) }
               mse = 65025 / 10 ^ (a / 10); printf "%.0f\n", mse * 176 * 144 * 1.5 + 0.85 * 2 ^ (14 / 3) * k * 1000 / 30 }'
}
plain=$(cost) trellis=$(cost --trellis)
[ "$trellis" -lt "$plain" ] && pass "trellis lowers error + lambda x bits ($plain -> $trellis per picture)" ||
    fail "trellis lowers error + lambda x bits" "$plain -> $trellis per picture"
# ffmpeg's macroblock maps mark 8x8 partitions '+': P_8x8 must really be there.
"$avila" h264 encode -i parts.yuv -s 96x64 --preset quality -o out.h264 2>/dev/null
p8=$(ffmpeg -nostdin -debug mb_type -i out.h264 -f null - 2>&1 | grep -v 'nal_unit\|New frame' | grep -c '+')
[ "$p8" -gt 0 ] && pass "ffmpeg's macroblock maps show P_8x8" || fail "ffmpeg's macroblock maps show P_8x8" "none"
# Typed text whose glyphs show elsewhere on the screen: copied from far away as P_8x8.
for preset in fast default quality; do
    same "typing 320x240 $preset" typing.yuv 320 240 --preset $preset
done
same "typing, 3 slices, 2 threads, intra refresh" typing.yuv 320 240 --slices 3 --threads 2 --intra-refresh --keyint 4
same "typing at 150 kbit/s CBR" typing.yuv 320 240 --bitrate 150
"$avila" h264 encode -i typing.yuv -s 320x240 -o out.h264 2>/dev/null
p8=$(ffmpeg -nostdin -debug mb_type -i out.h264 -f null - 2>&1 | grep -v 'nal_unit\|New frame' | grep -c '+')
[ "$p8" -gt 0 ] && pass "typed glyphs are P_8x8 copies in the default preset" || fail "typed glyphs are P_8x8 copies in the default preset" "none"
same "camera without deblocking" cam.yuv 176 144 --no-deblock --qp 30
same "camera fastest with deblocking" cam.yuv 176 144 --preset fastest --deblock --qp 30
# The fastest preset leaves the filter off unless asked: its stream is the --no-deblock one.
for d in "" --no-deblock --deblock; do
    "$avila" h264 encode -i cam.yuv -s 176x144 --preset fastest --qp 30 $d -o "fastest$d.h264" 2>/dev/null
done
cmp -s fastest.h264 fastest--no-deblock.h264 && ! cmp -s fastest.h264 fastest--deblock.h264 &&
    pass "the fastest preset does not deblock unless --deblock" ||
    fail "the fastest preset does not deblock unless --deblock"
same "camera qp 51" cam.yuv 176 144 --qp 51
same "camera qp 0" cam.yuv 176 144 --qp 0
same "camera qp 45, search range 64" cam.yuv 176 144 --qp 45 --search-range 64
same "noise at qp 0 (I_PCM fallback)" noise.yuv 64 48 --qp 0
same "black frames" black.yuv 48 32
same "one-pixel changes" pixel.yuv 64 64 --qp 20
same "scene cuts" cut.yuv 96 64 --qp 28
same "34x18 (cropped)" crop.yuv 34 18
same "16x16" tiny.yuv 16 16 --slices 1
same "1920x1080 fastest" big.yuv 1920 1080 --preset fastest
same "1920x1080 default, 4 slices" big.yuv 1920 1080 --slices 4
same "1920x1080 fast, 2 threads" big.yuv 1920 1080 --preset fast --threads 2
# threads_as_slices N IN W H ARGS...: N threads give the stream, the --recon and the PSNR of
# N slices (slices, deblocking, padding and PSNR sums on the threads change nothing).
threads_as_slices() {
    local n=$1 in=$2 size=$3x$4 name="$1 threads give the stream and recon of $1 slices: $2${5:+ ${*:5}}"
    shift 4
    if "$avila" h264 encode -i "$in" -s "$size" --threads "$n" -o t.h264 --recon t.yuv "$@" 2>t.txt &&
        "$avila" h264 encode -i "$in" -s "$size" --slices "$n" -o s.h264 --recon s.yuv "$@" 2>s.txt &&
        cmp -s t.h264 s.h264 && cmp -s t.yuv s.yuv &&
        [ "$(sed 's/[0-9.]* fps//' t.txt)" = "$(sed 's/[0-9.]* fps//' s.txt)" ]; then
        pass "$name"
    else
        fail "$name" "$(cmp t.h264 s.h264 2>&1; cmp t.yuv s.yuv 2>&1; tail -n1 t.txt s.txt)"
    fi
}
threads_as_slices 3 cam.yuv 176 144
threads_as_slices 2 crop.yuv 34 18
threads_as_slices 2 big.yuv 1920 1080
threads_as_slices 2 big.yuv 1920 1080 --preset fastest --deblock
threads_as_slices 2 big.yuv 1920 1080 --no-deblock

"$avila" h264 encode -i noise.yuv -s 64x48 --qp 0 -o out.h264 2>enc.txt
cat noise.yuv | "$avila" h264 encode -i - -s 64x48 --qp 0 -o - 2>/dev/null | cmp -s - out.h264 &&
    pass "standard input and output give the same stream" || fail "standard input and output give the same stream"
ffprobe -v error -show_entries stream=profile,width,height -of csv=p=0 out.h264 >probe.txt 2>&1
grep -q 'Constrained Baseline,64,48' probe.txt && pass "ffprobe sees Constrained Baseline 64x48" ||
    fail "ffprobe sees Constrained Baseline 64x48" "$(cat probe.txt)"
# A user data SEI message: ffmpeg reads back its UUID and payload (hex).
same "camera with --user-data" cam.yuv 176 144 --user-data "avila h264 test, 1 2 3"
info=$(ffmpeg -nostdin -v info -i out.h264 -vf showinfo -f null - 2>&1)
want_hex=$(printf 'avila h264 test, 1 2 3' | od -An -tx1 | tr -d ' \n')
grep -q 'UUID=2789dd68-989a-4e1c-945b-536afa8a53c9' <<<"$info" && grep -q "User Data=$want_hex" <<<"$info" &&
    pass "ffmpeg reads the user data SEI message" ||
    fail "ffmpeg reads the user data SEI message" "$(grep -i -A2 unregistered <<<"$info")"
check_exit "--user-data longer than 4000 bytes is a usage error" 2 \
    "$avila" h264 encode -i cam.yuv -s 176x144 --user-data "$(head -c 4001 /dev/zero | tr '\0' x)" -o out.h264
tap_done

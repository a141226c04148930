/*
 * apps/cmd_h264.c - `avila h264 encode`: raw I420 video to an H.264 Annex B
 * stream with media/h264.h, optionally writing the reconstruction (what a
 * decoder will show). At the end one line on stderr gives frames, fps,
 * kbit/s and PSNR per plane and over all samples; PSNR is 10 log10(255^2 /
 * MSE) with the MSE averaged over the frames, as ffmpeg's psnr filter
 * computes it (its y, u, v and average).
 * Exit status: 0 success, 1 I/O or encoder error, 2 usage error.
 */
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/cli.h"
#include "apps/cmds.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/time.h"
#include "media/h264.h"

#define CMD "h264"

const char cmd_h264_usage[] =
    "usage: avila h264 encode -i IN.yuv -s WxH [--fps N[/D]] [--qp N] [--bitrate KBPS\n"
    "                         [--vbv KBITS]] [--preset P] [--keyint N] [--intra-refresh]\n"
    "                         [--slices N] [--threads N] [--deblock | --no-deblock]\n"
    "                         [--search-range N] [--sub8x8] [--trellis] [--user-data TEXT]\n"
    "                         [--frames N] [--recon R.yuv] -o OUT.h264\n"
    "Encodes raw 8-bit I420 video (frames of W*H*3/2 bytes) as H.264 Constrained\n"
    "Baseline in Annex B form. IN '-' reads standard input, OUT '-' writes standard\n"
    "output. W and H are even, 16 to 8192. At the end prints to stderr:\n"
    "  h264: N frames, F fps, K kbit/s, PSNR Y y U u V v all a (dB)\n"
    "Options:\n"
    "  -i FILE             input video (required)\n"
    "  -s WxH              picture size (required)\n"
    "  -o FILE             output stream (required)\n"
    "  --fps N[/D]         frame rate for timing info and kbit/s (default 30)\n"
    "  --qp N              constant quantiser 0-51 (default 26)\n"
    "  --bitrate KBPS      constant bitrate in kbit/s (1000 bits/s) under a VBV\n"
    "                      buffer; with --qp: that QP, raised only when the\n"
    "                      buffer needs it (capped VBR)\n"
    "  --vbv KBITS         VBV buffer size in kbit (default: one second's worth);\n"
    "                      no picture is bigger than the buffer holds\n"
    "  --preset P          fastest, fast, default or quality (default: default)\n"
    "  --keyint N          an IDR picture every N pictures (default 0: only the first)\n"
    "  --intra-refresh     no IDR after the first: a column of intra macroblocks\n"
    "                      sweeps the picture every --keyint pictures (default:\n"
    "                      one column per picture), announced by recovery point SEI\n"
    "  --slices N          slices per picture (default 1)\n"
    "  --threads N         slices coded at once, 1-64 (default 1); a picture then\n"
    "                      has at least N slices\n"
    "  --deblock           in-loop deblocking filter on (default: on, except in\n"
    "                      the fastest preset)\n"
    "  --no-deblock        in-loop deblocking filter off\n"
    "  --search-range N    motion search range in samples, 4-256 (default: preset's)\n"
    "  --sub8x8            default preset: P_8x8 macroblocks everywhere (not only\n"
    "                      for glyph copies), whose 8x8 partitions may split into\n"
    "                      8x4, 4x8 or 4x4, as in the quality preset\n"
    "                      (slower, fewer bits)\n"
    "  --trellis           trellis quantisation in any preset (the quality preset\n"
    "                      always has it): each 4x4 block's levels chosen together\n"
    "                      for the least error + lambda x bits (slower, fewer bits)\n"
    "  --user-data TEXT    send TEXT (at most 4000 bytes) before the first picture\n"
    "                      in a user data SEI message, UUID\n"
    "                      2789dd68-989a-4e1c-945b-536afa8a53c9\n"
    "  --frames N          stop after N frames\n"
    "  --recon FILE        write the reconstructed frames (I420) to FILE\n"
    "  -h, --help          show this help\n"
    "Exit status: 0 success, 1 I/O or encoder error, 2 usage error.\n";

struct h264_job {
    struct avila_h264_config cfg;
    const char *in, *out, *recon;
    const char *user_data; /* sent with the first picture, or NULL */
    uint64_t max_frames;
};

/* Natural logarithm for x > 0 (no libm): x = m 2^k, ln m by the atanh series. */
static double ln(double x)
{
    int k = 0;
    while (x >= 2) {
        x /= 2;
        k++;
    }
    while (x < 1) {
        x *= 2;
        k--;
    }
    double z = (x - 1) / (x + 1), z2 = z * z, term = z, sum = 0;
    for (int n = 1; n < 60; n += 2) {
        sum += term / n;
        term *= z2;
    }
    return 2 * sum + k * 0.69314718055994530942;
}

static void print_psnr(FILE *f, const char *name, double mse)
{
    if (mse <= 0)
        fprintf(f, " %s inf", name);
    else
        fprintf(f, " %s %.2f", name, 10 * ln(255.0 * 255.0 / mse) / 2.30258509299404568402);
}

static int parse_size(const char *s, unsigned *w, unsigned *h)
{
    char *end;
    unsigned long a = strtoul(s, &end, 10);
    if (end == s || *end != 'x')
        return -1;
    const char *t = end + 1;
    unsigned long b = strtoul(t, &end, 10);
    if (end == t || *end || a > AVILA_H264_MAX_SIZE || b > AVILA_H264_MAX_SIZE)
        return -1;
    *w = (unsigned)a;
    *h = (unsigned)b;
    return 0;
}

static int parse_fps(const char *s, unsigned *num, unsigned *den)
{
    char *end;
    unsigned long n = strtoul(s, &end, 10), d = 1;
    if (end == s || n == 0 || n > 1000000)
        return -1;
    if (*end == '/') {
        const char *t = end + 1;
        d = strtoul(t, &end, 10);
        if (end == t || d == 0 || d > 1000000)
            return -1;
    }
    if (*end)
        return -1;
    *num = (unsigned)n;
    *den = (unsigned)d;
    return 0;
}

static int parse_preset(const char *s, enum avila_h264_preset *p)
{
    static const char *const names[] = {"fastest", "fast", "default", "quality"};
    for (unsigned i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *p = (enum avila_h264_preset)i;
            return 0;
        }
    return -1;
}

/* Writes the cropped I420 reconstruction of the last picture to fd. */
static int write_recon(const avila_h264_encoder *e, const struct avila_h264_config *c, int fd)
{
    const uint8_t *plane[3];
    ptrdiff_t stride[3];
    if (avila_h264_recon(e, plane, stride) < 0)
        return -1;
    for (unsigned i = 0; i < 3; i++) {
        unsigned w = i ? c->width / 2 : c->width, h = i ? c->height / 2 : c->height;
        for (unsigned y = 0; y < h; y++)
            if (cli_write_all(fd, plane[i] + (ptrdiff_t)y * stride[i], w) < 0)
                return -1;
    }
    return 0;
}

/* One job of avila_h264_parallel on its own thread. */
struct thread_job {
    void (*job)(void *arg, unsigned index);
    void *arg;
    unsigned index;
};

static void *thread_main(void *p)
{
    struct thread_job *j = p;
    j->job(j->arg, j->index);
    return NULL;
}

/*
 * avila_h264_parallel's run on POSIX threads: jobs 1..n-1 on new threads,
 * job 0 on this one; a job whose thread cannot start runs here too.
 */
static void run_threads(void *ctx, void (*job)(void *arg, unsigned index), void *arg, unsigned n)
{
    (void)ctx;
    pthread_t threads[64];
    struct thread_job jobs[64];
    bool started[64] = {false};
    for (unsigned i = 1; i < n && i < 64; i++) {
        jobs[i] = (struct thread_job){job, arg, i};
        started[i] = pthread_create(&threads[i], NULL, thread_main, &jobs[i]) == 0;
    }
    job(arg, 0);
    for (unsigned i = 1; i < n && i < 64; i++) {
        if (started[i])
            pthread_join(threads[i], NULL);
        else
            job(arg, i);
    }
}

/* A job waiting for another's progress gives its core away (the other may be descheduled). */
static void yield_core(void *ctx)
{
    (void)ctx;
    sched_yield();
}

static const struct avila_h264_parallel posix_threads = {run_threads, NULL, yield_core};

/* Names the format of --user-data's payload (plain text from this tool): a random UUID. */
static const uint8_t user_data_uuid[16] = {0x27, 0x89, 0xdd, 0x68, 0x98, 0x9a, 0x4e, 0x1c,
                                           0x94, 0x5b, 0x53, 0x6a, 0xfa, 0x8a, 0x53, 0xc9};

/*
 * Reads one picture, size[i] bytes into each of the three planes (the
 * file's I420 order). Returns the bytes read: 0 at the end of the input,
 * fewer than the sum only when the input ends inside the picture; or -1.
 */
static long read_picture(int in, uint8_t *const plane[3], const size_t size[3])
{
    long total = 0;
    for (int i = 0; i < 3; i++) {
        long n = cli_read_full(in, plane[i], size[i]);
        if (n < 0)
            return -1;
        total += n;
        if ((size_t)n < size[i])
            break;
    }
    return total;
}

static int encode(const struct h264_job *job)
{
    const struct avila_h264_config *c = &job->cfg;
    avila_h264_encoder *e;
    int err = avila_h264_encoder_create(&e, c, avila_allocator_libc());
    if (err < 0)
        return cli_usage_error(CMD, "cannot encode %ux%u with these options: %s", c->width,
                               c->height, avila_strerror(err));
    size_t frame_bytes = (size_t)c->width * c->height * 3 / 2;
    size_t luma = (size_t)c->width * c->height, size[3] = {luma, luma / 4, luma / 4};
    size_t cap = avila_h264_max_frame_bytes(e);
    /*
     * Rows as long as the file's (a width that is a multiple of 16): the
     * picture is read straight into the encoder's planes, with no copy.
     */
    uint8_t *plane[3];
    ptrdiff_t stride[3];
    avila_h264_input(e, plane, stride);
    bool direct = stride[0] == (ptrdiff_t)c->width && stride[1] == (ptrdiff_t)c->width / 2;
    uint8_t *frame = direct ? NULL : malloc(frame_bytes), *out = malloc(cap);
    int in = cli_open_input(CMD, job->in);
    int ofd = strcmp(job->out, "-") == 0 ? STDOUT_FILENO : cli_open_output(CMD, job->out, 0, 0644);
    int rfd = job->recon ? cli_open_output(CMD, job->recon, 0, 0644) : -1;
    int status = CLI_OK;
    if ((!direct && !frame) || !out) {
        status = cli_fail(CMD, "out of memory");
        goto done;
    }
    if (in < 0 || ofd < 0 || (job->recon && rfd < 0)) {
        status = CLI_FAIL;
        goto done;
    }
    struct cli_progress progress;
    cli_progress_start(&progress, CMD, "encode");
    uint64_t frames = 0, bytes = 0, ns = 0;
    double mse[4] = {0, 0, 0, 0}; /* Y, U, V, all samples */
    while (frames < job->max_frames) {
        if (direct) {
            avila_h264_input(e, plane, stride); /* (they change from picture to picture) */
        } else {
            plane[0] = frame;
            plane[1] = frame + luma;
            plane[2] = frame + luma * 5 / 4;
            stride[0] = c->width;
            stride[1] = stride[2] = c->width / 2;
        }
        long n = read_picture(in, plane, size);
        if (n < 0) {
            status = cli_fail(CMD, "%s: read error", job->in);
            break;
        }
        if (n == 0)
            break;
        if ((size_t)n < frame_bytes) {
            status = cli_fail(CMD, "%s: %ld trailing bytes are not a whole %ux%u frame", job->in, n,
                              c->width, c->height);
            break;
        }
        struct avila_h264_picture pic = {
            .layout = AVILA_H264_I420,
            .plane = {plane[0], plane[1], plane[2]},
            .stride = {stride[0], stride[1], stride[2]},
        };
        if (frames == 0 && job->user_data) {
            pic.user_data_uuid = user_data_uuid;
            pic.user_data = (const uint8_t *)job->user_data;
            pic.user_data_len = strlen(job->user_data);
        }
        struct avila_h264_frame_stats st;
        uint64_t t0 = avila_time_mono_ns();
        int len = avila_h264_encode(e, &pic, out, cap, &st);
        ns += avila_time_mono_ns() - t0;
        if (len < 0) {
            status =
                cli_fail(CMD, "frame %llu: %s", (unsigned long long)frames, avila_strerror(len));
            break;
        }
        if (cli_write_all(ofd, out, (size_t)len) < 0 || (rfd >= 0 && write_recon(e, c, rfd) < 0)) {
            status = cli_fail(CMD, "write error");
            break;
        }
        for (unsigned i = 0; i < 3; i++)
            mse[i] += (double)st.ssd[i] / (double)st.samples[i];
        mse[3] += (double)(st.ssd[0] + st.ssd[1] + st.ssd[2]) /
                  (double)(st.samples[0] + st.samples[1] + st.samples[2]);
        if (st.vbv_exceeded)
            fprintf(stderr, "avila h264: frame %llu is bigger than the VBV allows, even at QP 51\n",
                    (unsigned long long)frames);
        frames++;
        bytes += (uint64_t)len;
        cli_progress_update(&progress, frames, job->max_frames == UINT64_MAX ? 0 : job->max_frames);
    }
    cli_progress_end(&progress);
    if (status == CLI_OK) {
        double seconds = (double)frames * c->fps_den / c->fps_num;
        fprintf(stderr, "h264: %llu frames, %.1f fps, %.1f kbit/s, PSNR",
                (unsigned long long)frames, ns ? (double)frames * 1e9 / (double)ns : 0.0,
                seconds > 0 ? (double)bytes * 8 / seconds / 1000 : 0.0);
        static const char *const names[3] = {"Y", "U", "V"};
        for (unsigned i = 0; i < 3; i++)
            print_psnr(stderr, names[i], frames ? mse[i] / (double)frames : 0);
        print_psnr(stderr, "all", frames ? mse[3] / (double)frames : 0);
        fputs(" (dB)\n", stderr);
    }
done:
    if (rfd >= 0 && close(rfd) < 0 && status == CLI_OK)
        status = cli_fail(CMD, "%s: write error", job->recon);
    if (ofd >= 0 && ofd != STDOUT_FILENO && close(ofd) < 0 && status == CLI_OK)
        status = cli_fail(CMD, "%s: write error", job->out);
    if (in >= 0)
        cli_close_input(in);
    free(frame);
    free(out);
    avila_h264_encoder_destroy(e);
    return status;
}

int cmd_h264(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(CMD, "missing subcommand (encode)");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return cli_help(CMD);
    if (strcmp(argv[1], "encode") != 0)
        return cli_usage_error(CMD, "unknown subcommand '%s'", argv[1]);
    struct h264_job job = {.max_frames = UINT64_MAX};
    avila_h264_config_default(&job.cfg, 0, 0);
    job.cfg.parallel = &posix_threads;
    enum {
        OPT_FPS = 256,
        OPT_QP,
        OPT_BITRATE,
        OPT_VBV,
        OPT_PRESET,
        OPT_KEYINT,
        OPT_SLICES,
        OPT_DEBLOCK,
        OPT_NODEBLOCK,
        OPT_REFRESH,
        OPT_RANGE,
        OPT_SUB8x8,
        OPT_TRELLIS,
        OPT_USER_DATA,
        OPT_FRAMES,
        OPT_THREADS,
        OPT_RECON
    };
    static const struct option opts[] = {
        {"fps", required_argument, NULL, OPT_FPS},
        {"qp", required_argument, NULL, OPT_QP},
        {"bitrate", required_argument, NULL, OPT_BITRATE},
        {"vbv", required_argument, NULL, OPT_VBV},
        {"preset", required_argument, NULL, OPT_PRESET},
        {"keyint", required_argument, NULL, OPT_KEYINT},
        {"slices", required_argument, NULL, OPT_SLICES},
        {"deblock", no_argument, NULL, OPT_DEBLOCK},
        {"no-deblock", no_argument, NULL, OPT_NODEBLOCK},
        {"intra-refresh", no_argument, NULL, OPT_REFRESH},
        {"search-range", required_argument, NULL, OPT_RANGE},
        {"sub8x8", no_argument, NULL, OPT_SUB8x8},
        {"trellis", no_argument, NULL, OPT_TRELLIS},
        {"user-data", required_argument, NULL, OPT_USER_DATA},
        {"frames", required_argument, NULL, OPT_FRAMES},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"recon", required_argument, NULL, OPT_RECON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 2;
    opterr = 0;
    int ch;
    uint64_t v;
    bool qp_given = false;
    while ((ch = getopt_long(argc, argv, ":i:s:o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'i':
            job.in = optarg;
            break;
        case 'o':
            job.out = optarg;
            break;
        case 's':
            if (parse_size(optarg, &job.cfg.width, &job.cfg.height) < 0)
                return cli_usage_error(CMD, "bad size '%s' (want WxH)", optarg);
            break;
        case OPT_FPS:
            if (parse_fps(optarg, &job.cfg.fps_num, &job.cfg.fps_den) < 0)
                return cli_usage_error(CMD, "bad frame rate '%s'", optarg);
            break;
        case OPT_QP:
            if (cli_parse_count(optarg, 0, 51, &v) < 0)
                return cli_usage_error(CMD, "--qp wants 0-51");
            job.cfg.qp = (int)v;
            qp_given = true;
            break;
        case OPT_BITRATE:
            if (cli_parse_count(optarg, 1, 2000000, &v) < 0)
                return cli_usage_error(CMD, "--bitrate wants 1-2000000 (kbit/s)");
            job.cfg.bitrate_kbps = (unsigned)v;
            job.cfg.rc = AVILA_H264_RC_CBR;
            break;
        case OPT_VBV:
            if (cli_parse_count(optarg, 1, 4000000, &v) < 0)
                return cli_usage_error(CMD, "--vbv wants 1-4000000 (kbit)");
            job.cfg.vbv_kbits = (unsigned)v;
            break;
        case OPT_PRESET:
            if (parse_preset(optarg, &job.cfg.preset) < 0)
                return cli_usage_error(CMD, "unknown preset '%s'", optarg);
            break;
        case OPT_KEYINT:
            if (cli_parse_count(optarg, 0, 1u << 30, &v) < 0)
                return cli_usage_error(CMD, "bad --keyint '%s'", optarg);
            job.cfg.keyint = (unsigned)v;
            break;
        case OPT_SLICES:
            if (cli_parse_count(optarg, 1, 512, &v) < 0)
                return cli_usage_error(CMD, "--slices wants 1-512");
            job.cfg.slices = (unsigned)v;
            break;
        case OPT_REFRESH:
            job.cfg.intra_refresh = true;
            break;
        case OPT_DEBLOCK:
            job.cfg.deblocking = AVILA_H264_DEBLOCK_ON;
            break;
        case OPT_NODEBLOCK:
            job.cfg.deblocking = AVILA_H264_DEBLOCK_OFF;
            break;
        case OPT_RANGE:
            if (cli_parse_count(optarg, 4, 256, &v) < 0)
                return cli_usage_error(CMD, "--search-range wants 4-256");
            job.cfg.search_range = (unsigned)v;
            break;
        case OPT_SUB8x8:
            job.cfg.sub8x8 = true;
            break;
        case OPT_TRELLIS:
            job.cfg.trellis = true;
            break;
        case OPT_FRAMES:
            if (cli_parse_count(optarg, 1, UINT64_MAX, &v) < 0)
                return cli_usage_error(CMD, "bad --frames '%s'", optarg);
            job.max_frames = v;
            break;
        case OPT_THREADS:
            if (cli_parse_count(optarg, 1, 64, &v) < 0)
                return cli_usage_error(CMD, "--threads wants 1-64");
            job.cfg.threads = (unsigned)v;
            break;
        case OPT_RECON:
            job.recon = optarg;
            break;
        case OPT_USER_DATA:
            if (strlen(optarg) > AVILA_H264_USER_DATA_MAX)
                return cli_usage_error(CMD, "--user-data takes at most %d bytes",
                                       AVILA_H264_USER_DATA_MAX);
            job.user_data = optarg;
            break;
        case 'h':
            return cli_help(CMD);
        case ':':
            return cli_usage_error(CMD, "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(CMD, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (job.cfg.rc == AVILA_H264_RC_CBR && qp_given)
        job.cfg.rc = AVILA_H264_RC_VBR;
    if (job.cfg.vbv_kbits && job.cfg.rc == AVILA_H264_RC_CQP)
        return cli_usage_error(CMD, "--vbv needs --bitrate");
    if (optind != argc)
        return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    if (!job.in || !job.out || !job.cfg.width)
        return cli_usage_error(CMD, "-i, -s and -o are required");
    if (job.cfg.width < AVILA_H264_MIN_SIZE || job.cfg.height < AVILA_H264_MIN_SIZE ||
        job.cfg.width % 2 || job.cfg.height % 2)
        return cli_usage_error(CMD, "size %ux%u: W and H must be even, 16 to 8192", job.cfg.width,
                               job.cfg.height);
    if (job.cfg.slices > (job.cfg.height + 15) / 16)
        return cli_usage_error(CMD, "--slices %u: more slices than macroblock rows",
                               job.cfg.slices);
    return encode(&job);
}

/*
 * data/lsm_compact_pick.c - leveled compaction picking (data/lsm_version.h):
 * scores, inputs, grandparent limits, trivial moves, manual ranges. The
 * rules follow LevelDB's (db/version_set.cc): scores by file count at L0
 * and by bytes over a level target below, compaction pointers rotating
 * through each level's key space. Pure.
 */
#include "data/lsm_version_int.h"

/* Level-n inputs may grow up to this many target files of bytes (all inputs). */
#define EXPAND_LIMIT_FILES 25
/* An output file stops once it overlaps this many target files of grandparent bytes. */
#define GRANDPARENT_LIMIT_FILES 10

double avila_lsm_ver_level_score(const struct avila_lsm_vset *vs, const struct avila_lsm_version *v,
                                 int l)
{
    if (l == 0)
        return (double)v->nfiles[0] / (double)vs->opt.l0_compaction_trigger;
    if (l == AVILA_LSM_LEVELS - 1)
        return 0;
    return (double)v->level_bytes[l] / (double)avila_lsm_vset_max_bytes(vs, l);
}

/* Smallest and largest user keys over the files of fv (n > 0). */
static void range_of(const struct avila_lsm_file_vec *fv, struct avila_slice *lo,
                     struct avila_slice *hi)
{
    *lo = lsm_user_key(fv->items[0]->smallest);
    *hi = lsm_user_key(fv->items[0]->largest);
    for (size_t i = 1; i < fv->n; i++) {
        struct avila_slice s = lsm_user_key(fv->items[i]->smallest);
        struct avila_slice e = lsm_user_key(fv->items[i]->largest);
        if (avila_lsm_user_cmp(s, *lo) < 0)
            *lo = s;
        if (avila_lsm_user_cmp(e, *hi) > 0)
            *hi = e;
    }
}

static void range_of2(const struct avila_lsm_file_vec *a, const struct avila_lsm_file_vec *b,
                      struct avila_slice *lo, struct avila_slice *hi)
{
    range_of(a, lo, hi);
    if (b->n == 0)
        return;
    struct avila_slice l2, h2;
    range_of(b, &l2, &h2);
    if (avila_lsm_user_cmp(l2, *lo) < 0)
        *lo = l2;
    if (avila_lsm_user_cmp(h2, *hi) > 0)
        *hi = h2;
}

static struct avila_lsm_compaction *compaction_new(struct avila_lsm_vset *vs, int level)
{
    struct avila_lsm_compaction *c = AVILA_NEW(vs->a, struct avila_lsm_compaction);
    if (!c)
        return NULL;
    memset(c, 0, sizeof(*c));
    c->a = vs->a;
    c->vs = vs;
    c->level = level;
    c->version = vs->current;
    avila_lsm_version_ref(c->version);
    avila_lsm_file_vec_init(&c->inputs[0], vs->a);
    avila_lsm_file_vec_init(&c->inputs[1], vs->a);
    avila_lsm_file_vec_init(&c->grandparents, vs->a);
    avila_lsm_edit_init(&c->edit, vs->a);
    c->max_output_size = vs->opt.target_file_size;
    c->max_grandparent_overlap = vs->opt.target_file_size * GRANDPARENT_LIMIT_FILES;
    return c;
}

static bool any_compacting(const struct avila_lsm_file_vec *fv)
{
    for (size_t i = 0; i < fv->n; i++)
        if (fv->items[i]->compacting)
            return true;
    return false;
}

static void mark_inputs(struct avila_lsm_compaction *c, bool compacting)
{
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < c->inputs[w].n; i++)
            c->inputs[w].items[i]->compacting = compacting;
}

/*
 * True if c takes a file a running compaction takes. Disjoint inputs are
 * enough for disjoint outputs: inputs[0] is every level-n file in its
 * range, and inputs[1] every level n+1 file meeting that range, so the
 * key range of the outputs (inputs[0]'s widened to inputs[1]'s ends) holds
 * no other file of either level, and a compaction from level n elsewhere
 * that reached into it would take one of those files.
 */
static bool conflicts(const struct avila_lsm_compaction *c)
{
    return any_compacting(&c->inputs[0]) || any_compacting(&c->inputs[1]);
}

static void start_running(struct avila_lsm_compaction *c)
{
    mark_inputs(c, true);
    c->running = true;
    c->next_running = c->vs->running;
    c->vs->running = c;
}

uint64_t avila_lsm_vset_pending_outputs(const struct avila_lsm_vset *vs)
{
    uint64_t min = 0;
    for (const struct avila_lsm_compaction *r = vs->running; r; r = r->next_running)
        if (r->first_output != 0 && (min == 0 || r->first_output < min))
            min = r->first_output;
    return min;
}

void avila_lsm_compaction_free(struct avila_lsm_compaction *c)
{
    if (!c)
        return;
    if (c->running) {
        mark_inputs(c, false);
        struct avila_lsm_compaction **p = &c->vs->running;
        while (*p != c)
            p = &(*p)->next_running;
        *p = c->next_running;
    }
    avila_lsm_version_unref(c->version);
    avila_lsm_file_vec_release(&c->inputs[0]);
    avila_lsm_file_vec_release(&c->inputs[1]);
    avila_lsm_file_vec_release(&c->grandparents);
    avila_lsm_edit_release(&c->edit);
    AVILA_DELETE(c->a, c, struct avila_lsm_compaction);
}

/*
 * Given inputs[0], fills inputs[1] and the grandparents, grows inputs[0]
 * when that keeps inputs[1], and writes the edit's deletions and the
 * level's new compaction pointer.
 */
static int setup_other_inputs(struct avila_lsm_vset *vs, struct avila_lsm_compaction *c)
{
    const struct avila_lsm_version *v = c->version;
    int level = c->level, rc;
    struct avila_slice lo, hi, all_lo, all_hi;
    range_of(&c->inputs[0], &lo, &hi);
    rc = avila_lsm_version_overlapping(v, level + 1, &lo, &hi, &c->inputs[1]);
    if (rc != 0)
        return rc;
    range_of2(&c->inputs[0], &c->inputs[1], &all_lo, &all_hi);
    if (c->inputs[1].n > 0) {
        struct avila_lsm_file_vec grown, grown1;
        avila_lsm_file_vec_init(&grown, vs->a);
        avila_lsm_file_vec_init(&grown1, vs->a);
        rc = avila_lsm_version_overlapping(v, level, &all_lo, &all_hi, &grown);
        uint64_t limit = vs->opt.target_file_size * EXPAND_LIMIT_FILES;
        if (rc == 0 && grown.n > c->inputs[0].n && !any_compacting(&grown) &&
            avila_lsm_file_vec_bytes(&grown) + avila_lsm_file_vec_bytes(&c->inputs[1]) < limit) {
            struct avila_slice nlo, nhi;
            range_of(&grown, &nlo, &nhi);
            rc = avila_lsm_version_overlapping(v, level + 1, &nlo, &nhi, &grown1);
            if (rc == 0 && grown1.n == c->inputs[1].n) {
                struct avila_lsm_file_vec t = c->inputs[0];
                c->inputs[0] = grown;
                grown = t;
                lo = nlo;
                hi = nhi;
                range_of2(&c->inputs[0], &c->inputs[1], &all_lo, &all_hi);
            }
        }
        avila_lsm_file_vec_release(&grown);
        avila_lsm_file_vec_release(&grown1);
        if (rc != 0)
            return rc;
    }
    if (level + 2 < AVILA_LSM_LEVELS) {
        rc = avila_lsm_version_overlapping(v, level + 2, &all_lo, &all_hi, &c->grandparents);
        if (rc != 0)
            return rc;
    }
    /* The next compaction of this level starts after the largest input key. */
    struct avila_slice largest = c->inputs[0].items[0]->largest;
    for (size_t i = 1; i < c->inputs[0].n; i++)
        if (avila_lsm_ikey_cmp(c->inputs[0].items[i]->largest, largest) > 0)
            largest = c->inputs[0].items[i]->largest;
    rc = avila_lsm_edit_set_pointer(&c->edit, level, largest);
    for (int w = 0; w < 2 && rc == 0; w++)
        for (size_t i = 0; i < c->inputs[w].n && rc == 0; i++)
            rc = avila_lsm_edit_delete_file(&c->edit, level + w, c->inputs[w].items[i]->number);
    return rc;
}

/*
 * A compaction of level starting with file first (and for L0 the files
 * overlapping it), if it can run now. Returns 1 with *out running, 0 on
 * a conflict, or an error.
 */
static int try_pick(struct avila_lsm_vset *vs, int level, struct avila_lsm_file_meta *first,
                    struct avila_lsm_compaction **out)
{
    struct avila_lsm_compaction *c = compaction_new(vs, level);
    if (!c)
        return AVILA_ENOMEM;
    int rc = avila_lsm_ver_vec_push(&c->inputs[0], first);
    if (rc == 0 && level == 0) {
        struct avila_slice lo = lsm_user_key(first->smallest), hi = lsm_user_key(first->largest);
        rc = avila_lsm_version_overlapping(c->version, 0, &lo, &hi, &c->inputs[0]);
    }
    if (rc == 0)
        rc = setup_other_inputs(vs, c);
    if (rc != 0 || conflicts(c)) {
        avila_lsm_compaction_free(c);
        return rc;
    }
    start_running(c);
    *out = c;
    return 1;
}

/* A compaction of level that can run now: 1 with *out, 0 if none can, or an error. */
static int pick_level(struct avila_lsm_vset *vs, int level, struct avila_lsm_compaction **out)
{
    const struct avila_lsm_version *v = vs->current;
    size_t n = v->nfiles[level];
    if (level == 0) {
        /* One L0 compaction at a time: L0 files overlap, and the oldest go first. */
        for (size_t i = 0; i < n; i++)
            if (v->files[0][i]->compacting)
                return 0;
        return try_pick(vs, 0, v->files[0][n - 1], out);
    }
    /* The first file after the level's compaction pointer, wrapping around, that can run. */
    const struct avila_buf *p = &vs->pointer[level];
    size_t start = 0;
    while (p->len > 0 && start < n &&
           avila_lsm_ikey_cmp(v->files[level][start]->largest, avila_slice_make(p->data, p->len)) <=
               0)
        start++;
    for (size_t k = 0; k < n; k++) {
        struct avila_lsm_file_meta *f = v->files[level][(start + k) % n];
        if (f->compacting)
            continue;
        int rc = try_pick(vs, level, f, out);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int avila_lsm_vset_pick_compaction(struct avila_lsm_vset *vs, struct avila_lsm_compaction **out)
{
    *out = NULL;
    const struct avila_lsm_version *v = vs->current;
    double score[AVILA_LSM_LEVELS - 1];
    for (int l = 0; l < AVILA_LSM_LEVELS - 1; l++)
        score[l] = avila_lsm_ver_level_score(vs, v, l);
    /* Levels from the most due down, while due. */
    for (;;) {
        int best = -1;
        for (int l = 0; l < AVILA_LSM_LEVELS - 1; l++)
            if (score[l] >= 1 && (best < 0 || score[l] > score[best]))
                best = l;
        if (best < 0)
            return 0;
        int rc = pick_level(vs, best, out);
        if (rc != 0)
            return rc;
        score[best] = 0;
    }
}

int avila_lsm_vset_compact_range(struct avila_lsm_vset *vs, int level,
                                 const struct avila_slice *begin, const struct avila_slice *end,
                                 struct avila_lsm_compaction **out)
{
    *out = NULL;
    if (level < 0 || level >= AVILA_LSM_LEVELS - 1)
        return AVILA_EINVAL;
    struct avila_lsm_compaction *c = compaction_new(vs, level);
    if (!c)
        return AVILA_ENOMEM;
    c->manual = true;
    int rc = avila_lsm_version_overlapping(c->version, level, begin, end, &c->inputs[0]);
    if (rc == 0 && c->inputs[0].n == 0) {
        avila_lsm_compaction_free(c);
        return 0;
    }
    if (rc == 0 && level > 0) {
        /* Bound one manual step to about one output batch, like LevelDB. */
        uint64_t total = 0, limit = vs->opt.target_file_size * EXPAND_LIMIT_FILES;
        for (size_t i = 0; i < c->inputs[0].n; i++) {
            total += c->inputs[0].items[i]->size;
            if (total >= limit) {
                c->inputs[0].n = i + 1;
                break;
            }
        }
    }
    if (rc == 0)
        rc = setup_other_inputs(vs, c);
    if (rc == 0 && conflicts(c))
        rc = AVILA_ESTATE;
    if (rc != 0) {
        avila_lsm_compaction_free(c);
        return rc;
    }
    start_running(c);
    *out = c;
    return 1;
}

bool avila_lsm_compaction_is_trivial_move(const struct avila_lsm_compaction *c)
{
    return c->inputs[0].n == 1 && c->inputs[1].n == 0 &&
           avila_lsm_file_vec_bytes(&c->grandparents) <= c->max_grandparent_overlap;
}

int avila_lsm_compaction_trivial_move(struct avila_lsm_compaction *c)
{
    LSM_VER_CHECK(c->inputs[0].n == 1);
    const struct avila_lsm_file_meta *f = c->inputs[0].items[0];
    return avila_lsm_compaction_add_output(c, f->number, f->size, f->smallest, f->largest,
                                           f->smallest_seq, f->largest_seq);
}

bool avila_lsm_compaction_should_stop_before(struct avila_lsm_compaction *c,
                                             struct avila_slice ikey)
{
    struct avila_lsm_file_meta **g = c->grandparents.items;
    while (c->gp_index < c->grandparents.n &&
           avila_lsm_ikey_cmp(ikey, g[c->gp_index]->largest) > 0) {
        if (c->gp_seen_key)
            c->gp_overlap += g[c->gp_index]->size;
        c->gp_index++;
    }
    c->gp_seen_key = true;
    if (c->gp_overlap > c->max_grandparent_overlap) {
        c->gp_overlap = 0;
        return true;
    }
    return false;
}

bool avila_lsm_compaction_is_bottom_for_key(struct avila_lsm_compaction *c,
                                            struct avila_slice user_key)
{
    const struct avila_lsm_version *v = c->version;
    for (int l = c->level + 2; l < AVILA_LSM_LEVELS; l++) {
        struct avila_lsm_file_meta *const *f = v->files[l];
        while (c->level_ptr[l] < v->nfiles[l]) {
            const struct avila_lsm_file_meta *m = f[c->level_ptr[l]];
            if (avila_lsm_user_cmp(user_key, lsm_user_key(m->largest)) <= 0) {
                if (avila_lsm_user_cmp(user_key, lsm_user_key(m->smallest)) >= 0)
                    return false;
                break;
            }
            c->level_ptr[l]++;
        }
    }
    return true;
}

int avila_lsm_compaction_add_output(struct avila_lsm_compaction *c, uint64_t number, uint64_t size,
                                    struct avila_slice smallest, struct avila_slice largest,
                                    uint64_t smallest_seq, uint64_t largest_seq)
{
    struct avila_lsm_edit_file f = {.level = c->level + 1,
                                    .number = number,
                                    .size = size,
                                    .smallest = smallest,
                                    .largest = largest,
                                    .smallest_seq = smallest_seq,
                                    .largest_seq = largest_seq};
    return avila_lsm_edit_add_file(&c->edit, &f);
}

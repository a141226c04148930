/*
 * data/lsm_dbiter.c - the user-view iterator (see lsm_dbiter.h).
 *
 * Forward: find_next walks the internal iterator to the first entry that is
 * visible, not a range delete, and the newest of its user key (every entry
 * of a key already decided is skipped by comparing with saved_key), and
 * shows it unless it is a DELETE or a tombstone covers it.
 * Backward: find_prev walks back over every version of the previous user
 * key, oldest first, keeping a copy of the latest (= newest) visible one,
 * and stops on the first visible entry of an even smaller key, which it
 * leaves for the next step.
 */
#include "data/lsm_dbiter.h"

#include "data/lsm_format.h"

#define DEFAULT_MAX_BUF (AVILA_LSM_MAX_VALUE_LEN + AVILA_LSM_MAX_KEY_LEN + 64)

static int set_buf(struct avila_buf *b, struct avila_slice s)
{
    avila_buf_clear(b);
    return avila_buf_append(b, s.ptr, s.len);
}

static struct avila_slice buf_slice(const struct avila_buf *b)
{
    return avila_slice_make(b->data, b->len);
}

void avila_lsm_dbiter_release(struct avila_lsm_dbiter *it)
{
    avila_buf_release(&it->lower);
    avila_buf_release(&it->upper);
    avila_buf_release(&it->saved_key);
    avila_buf_release(&it->saved_value);
    avila_buf_release(&it->seek_key);
    it->valid = false;
}

/* The shortest key greater than every key starting with p: false if none (p is all 0xff). */
static int prefix_successor(struct avila_buf *out, struct avila_slice p, bool *has)
{
    size_t n = p.len;
    while (n > 0 && p.ptr[n - 1] == 0xff)
        n--;
    *has = n > 0;
    if (n == 0)
        return 0;
    int rc = set_buf(out, avila_slice_make(p.ptr, n));
    if (rc == 0)
        out->data[n - 1]++;
    return rc;
}

int avila_lsm_dbiter_init(struct avila_lsm_dbiter *it, const struct avila_lsm_iter *in,
                          uint64_t snapshot, const struct avila_lsm_rangedel *rd,
                          const struct avila_lsm_dbiter_options *opt,
                          const struct avila_allocator *a)
{
    *it = (struct avila_lsm_dbiter){0};
    if (in == NULL || a == NULL || (rd != NULL && !avila_lsm_rangedel_finished(rd)))
        return AVILA_EINVAL;
    size_t max = opt != NULL && opt->max_buf_bytes != 0 ? opt->max_buf_bytes : DEFAULT_MAX_BUF;
    it->in = in;
    it->rd = rd;
    it->snapshot = snapshot;
    avila_buf_init(&it->lower, a, max);
    avila_buf_init(&it->upper, a, max);
    avila_buf_init(&it->saved_key, a, max);
    avila_buf_init(&it->saved_value, a, max);
    avila_buf_init(&it->seek_key, a, max);
    if (opt == NULL)
        return 0;
    int rc = 0;
    if (opt->has_lower) {
        it->has_lower = true;
        rc = set_buf(&it->lower, opt->lower);
    }
    if (rc == 0 && opt->has_upper) {
        it->has_upper = true;
        rc = set_buf(&it->upper, opt->upper);
    }
    if (rc == 0 && opt->has_prefix && opt->prefix.len > 0) {
        /* The keys starting with p are exactly [p, successor(p)). */
        if (!it->has_lower || avila_lsm_user_cmp(buf_slice(&it->lower), opt->prefix) < 0) {
            it->has_lower = true;
            rc = set_buf(&it->lower, opt->prefix);
        }
        bool has = false;
        if (rc == 0)
            rc = prefix_successor(&it->seek_key, opt->prefix, &has);
        if (rc == 0 && has &&
            (!it->has_upper ||
             avila_lsm_user_cmp(buf_slice(&it->seek_key), buf_slice(&it->upper)) < 0)) {
            it->has_upper = true;
            rc = set_buf(&it->upper, buf_slice(&it->seek_key));
        }
        avila_buf_clear(&it->seek_key);
    }
    if (rc != 0)
        avila_lsm_dbiter_release(it);
    return rc;
}

static int fail(struct avila_lsm_dbiter *it, int rc)
{
    it->status = rc;
    it->valid = false;
    return rc;
}

/* After the internal iterator stopped being valid: its error, or 0. */
static int in_status(struct avila_lsm_dbiter *it)
{
    int rc = avila_lsm_iter_status(it->in);
    return rc < 0 ? fail(it, rc) : 0;
}

static int parse_current(const struct avila_lsm_dbiter *it, struct avila_lsm_ikey *ik)
{
    struct avila_slice k = avila_lsm_iter_key(it->in);
    return avila_lsm_ikey_parse(k.ptr, k.len, ik);
}

static bool visible(const struct avila_lsm_dbiter *it, const struct avila_lsm_ikey *ik)
{
    return ik->seq <= it->snapshot && ik->kind != AVILA_LSM_RANGE_DELETE;
}

/* True if a tombstone newer than seq (and visible) covers the user key. */
static bool range_deleted(const struct avila_lsm_dbiter *it, struct avila_slice user_key,
                          uint64_t seq)
{
    uint64_t t;
    return it->rd != NULL && avila_lsm_rangedel_max_covering(it->rd, user_key, it->snapshot, &t) &&
           t > seq;
}

/* Builds the internal key (user_key, trailer) in seek_key. */
static int make_seek_key(struct avila_lsm_dbiter *it, struct avila_slice user_key, bool extra_zero,
                         uint64_t trailer)
{
    uint8_t t[AVILA_LSM_TRAILER_LEN];
    avila_store_le64(t, trailer);
    avila_buf_clear(&it->seek_key);
    int rc = avila_buf_append(&it->seek_key, user_key.ptr, user_key.len);
    if (rc == 0 && extra_zero)
        rc = avila_buf_append_byte(&it->seek_key, 0);
    if (rc == 0)
        rc = avila_buf_append(&it->seek_key, t, sizeof(t));
    return rc;
}

/*
 * Forward from the internal iterator's position to the first key to show.
 * With skipping, every entry of a user key <= saved_key is passed over.
 */
static int find_next(struct avila_lsm_dbiter *it, bool skipping)
{
    const struct avila_lsm_iter *in = it->in;
    unsigned passed_run = 0;
    it->valid = false;
    while (avila_lsm_iter_valid(in)) {
        struct avila_lsm_ikey ik;
        if (parse_current(it, &ik) != 0)
            return fail(it, AVILA_EFORMAT);
        if (it->has_upper && avila_lsm_user_cmp(ik.user_key, buf_slice(&it->upper)) >= 0)
            return 0;
        bool passed = skipping && avila_lsm_user_cmp(ik.user_key, buf_slice(&it->saved_key)) <= 0;
        if (!passed && visible(it, &ik)) {
            if (ik.kind == AVILA_LSM_VALUE && !range_deleted(it, ik.user_key, ik.seq)) {
                it->valid = true;
                return 0;
            }
            /* The newest visible version hides the key: pass over its older ones. */
            int rc = set_buf(&it->saved_key, ik.user_key);
            if (rc != 0)
                return fail(it, rc);
            skipping = true;
        }
        int rc;
        if (passed && ++passed_run >= AVILA_LSM_DBITER_SKIP_SEEK) {
            /* Many versions of one key: (key, 0, 0) sorts at or after all of them. */
            passed_run = 0;
            rc = make_seek_key(it, buf_slice(&it->saved_key), false, 0);
            if (rc != 0)
                return fail(it, rc);
            rc = avila_lsm_iter_seek(in, buf_slice(&it->seek_key));
        } else {
            rc = avila_lsm_iter_next(in);
        }
        if (rc < 0)
            return fail(it, rc);
    }
    return in_status(it);
}

/*
 * Backward from the internal iterator's position (at or before the last
 * entry of the keys left to consider) to the last key to show; its key and
 * value are copied into saved_key and saved_value.
 */
static int find_prev(struct avila_lsm_dbiter *it)
{
    const struct avila_lsm_iter *in = it->in;
    it->valid = false;
    for (;;) {
        bool have = false;
        enum avila_lsm_kind kind = AVILA_LSM_DELETE;
        uint64_t seq = 0;
        while (avila_lsm_iter_valid(in)) {
            struct avila_lsm_ikey ik;
            if (parse_current(it, &ik) != 0)
                return fail(it, AVILA_EFORMAT);
            if (it->has_lower && avila_lsm_user_cmp(ik.user_key, buf_slice(&it->lower)) < 0)
                break;
            if (visible(it, &ik)) {
                int c = have ? avila_lsm_user_cmp(ik.user_key, buf_slice(&it->saved_key)) : 1;
                if (c < 0)
                    break; /* an older key: the one collected is complete */
                int rc = c == 0 ? 0 : set_buf(&it->saved_key, ik.user_key);
                if (rc == 0 && ik.kind == AVILA_LSM_VALUE)
                    rc = set_buf(&it->saved_value, avila_lsm_iter_value(in));
                if (rc != 0)
                    return fail(it, rc);
                have = true;
                kind = ik.kind;
                seq = ik.seq;
            }
            int rc = avila_lsm_iter_prev(in);
            if (rc < 0)
                return fail(it, rc);
        }
        if (!avila_lsm_iter_valid(in) && in_status(it) < 0)
            return it->status;
        if (!have)
            return 0;
        if (kind == AVILA_LSM_VALUE && !range_deleted(it, buf_slice(&it->saved_key), seq)) {
            it->valid = true;
            return 0;
        }
    }
}

/*
 * Puts the internal iterator on its last entry whose user key is < key
 * (or <= key when or_equal), or not valid if there is none.
 */
static int position_before(struct avila_lsm_dbiter *it, struct avila_slice key, bool or_equal)
{
    /* No entry sorts before (k, trailer all ones): the seek lands on k's first entry. */
    int rc = make_seek_key(it, key, or_equal, UINT64_MAX);
    if (rc != 0)
        return fail(it, rc);
    rc = avila_lsm_iter_seek(it->in, buf_slice(&it->seek_key));
    if (rc < 0)
        return fail(it, rc);
    if (avila_lsm_iter_valid(it->in))
        rc = avila_lsm_iter_prev(it->in);
    else if ((rc = in_status(it)) == 0)
        rc = avila_lsm_iter_seek_last(it->in);
    if (rc < 0)
        return fail(it, rc);
    if (!avila_lsm_iter_valid(it->in))
        return in_status(it);
    return 0;
}

static void reset(struct avila_lsm_dbiter *it, bool backward)
{
    it->status = 0;
    it->valid = false;
    it->backward = backward;
}

int avila_lsm_dbiter_seek(struct avila_lsm_dbiter *it, struct avila_slice user_key)
{
    reset(it, false);
    if (it->has_lower && avila_lsm_user_cmp(user_key, buf_slice(&it->lower)) < 0)
        user_key = buf_slice(&it->lower);
    /* (key, snapshot, 0xff) sorts after every entry of key newer than the snapshot. */
    uint64_t snap = it->snapshot > AVILA_LSM_MAX_SEQ ? AVILA_LSM_MAX_SEQ : it->snapshot;
    int rc = make_seek_key(it, user_key, false, snap << 8 | 0xff);
    if (rc != 0)
        return fail(it, rc);
    rc = avila_lsm_iter_seek(it->in, buf_slice(&it->seek_key));
    if (rc < 0)
        return fail(it, rc);
    return find_next(it, false);
}

int avila_lsm_dbiter_seek_first(struct avila_lsm_dbiter *it)
{
    if (it->has_lower)
        return avila_lsm_dbiter_seek(it, buf_slice(&it->lower));
    reset(it, false);
    int rc = avila_lsm_iter_seek_first(it->in);
    if (rc < 0)
        return fail(it, rc);
    return find_next(it, false);
}

int avila_lsm_dbiter_seek_last(struct avila_lsm_dbiter *it)
{
    reset(it, true);
    int rc;
    if (it->has_upper) {
        rc = position_before(it, buf_slice(&it->upper), false);
    } else {
        rc = avila_lsm_iter_seek_last(it->in);
        if (rc < 0)
            rc = fail(it, rc);
    }
    if (rc < 0)
        return rc;
    return find_prev(it);
}

int avila_lsm_dbiter_seek_for_prev(struct avila_lsm_dbiter *it, struct avila_slice user_key)
{
    if (it->has_upper && avila_lsm_user_cmp(user_key, buf_slice(&it->upper)) >= 0)
        return avila_lsm_dbiter_seek_last(it);
    reset(it, true);
    int rc = position_before(it, user_key, true);
    if (rc < 0)
        return rc;
    return find_prev(it);
}

int avila_lsm_dbiter_next(struct avila_lsm_dbiter *it)
{
    if (!it->valid)
        return it->status;
    int rc;
    if (it->backward) {
        /* The internal iterator is before saved_key's entries: step onto them, then past. */
        it->backward = false;
        rc = avila_lsm_iter_valid(it->in) ? avila_lsm_iter_next(it->in)
                                          : avila_lsm_iter_seek_first(it->in);
    } else {
        struct avila_slice k = avila_lsm_iter_key(it->in);
        rc = set_buf(&it->saved_key, avila_slice_make(k.ptr, k.len - AVILA_LSM_TRAILER_LEN));
        if (rc == 0)
            rc = avila_lsm_iter_next(it->in);
    }
    if (rc < 0)
        return fail(it, rc);
    return find_next(it, true);
}

int avila_lsm_dbiter_prev(struct avila_lsm_dbiter *it)
{
    if (!it->valid)
        return it->status;
    if (!it->backward) {
        /* Step back over every entry of the current key (its newer, invisible ones too). */
        struct avila_slice k = avila_lsm_iter_key(it->in);
        int rc = set_buf(&it->saved_key, avila_slice_make(k.ptr, k.len - AVILA_LSM_TRAILER_LEN));
        if (rc != 0)
            return fail(it, rc);
        it->backward = true;
        for (;;) {
            rc = avila_lsm_iter_prev(it->in);
            if (rc < 0)
                return fail(it, rc);
            if (!avila_lsm_iter_valid(it->in)) {
                it->valid = false;
                return in_status(it);
            }
            struct avila_lsm_ikey ik;
            if (parse_current(it, &ik) != 0)
                return fail(it, AVILA_EFORMAT);
            if (avila_lsm_user_cmp(ik.user_key, buf_slice(&it->saved_key)) < 0)
                break;
        }
    }
    return find_prev(it);
}

bool avila_lsm_dbiter_valid(const struct avila_lsm_dbiter *it)
{
    return it->valid;
}

struct avila_slice avila_lsm_dbiter_key(const struct avila_lsm_dbiter *it)
{
    if (it->backward)
        return buf_slice(&it->saved_key);
    struct avila_slice k = avila_lsm_iter_key(it->in);
    return avila_slice_make(k.ptr, k.len - AVILA_LSM_TRAILER_LEN);
}

struct avila_slice avila_lsm_dbiter_value(const struct avila_lsm_dbiter *it)
{
    if (it->backward)
        return buf_slice(&it->saved_value);
    return avila_lsm_iter_value(it->in);
}

int avila_lsm_dbiter_status(const struct avila_lsm_dbiter *it)
{
    return it->status;
}

/*
 * net/timer.c - the hierarchical timing wheel (see timer.h). Pure.
 *
 * Invariant, with n the wheel's time: a waiting timer with deadline e > n
 * sits at level L = (index of the highest bit where e and n differ) / 6, in
 * slot digit_L(e). Because e and n agree above that digit and e > n,
 * digit_L(e) > digit_L(n): every occupied slot of a level lies strictly
 * ahead of the wheel's position on that level, and never "behind" it, so
 * slots never wrap. It follows that every timer on level L has an earlier
 * deadline than every timer on a level above L (they agree with n on digit
 * L, which is smaller than digit_L of the higher timers' slot start), so
 * the next thing to happen is always the first occupied slot of the lowest
 * occupied level. Advancing n to that slot's first tick keeps the invariant
 * for every other timer; the slot's own timers are placed again relative to
 * the new n, which puts them on lower levels, or on the due list when their
 * deadline is that very tick. Level 0 slots hold a single deadline each, so
 * they move to the due list whole.
 *
 * Timers whose deadline differs from n above bit 35 (every one 2^36 or
 * more ticks ahead, and nearer ones past the end of n's aligned 2^36 block)
 * wait on the overflow list, which is placed again when n reaches the
 * aligned 2^36 block of overflow_min, a lower bound of their deadlines
 * (exact after each sorting; a cancel can only make it too low, never too
 * high, so sorting happens early at worst, never late).
 */
#include "net/timer.h"

#define SLOT_MASK     ((uint64_t)AVILA_TIMER_SLOTS - 1)
#define WHEEL_LISTS   ((size_t)AVILA_TIMER_LEVELS * AVILA_TIMER_SLOTS)
#define LIST_OVERFLOW WHEEL_LISTS       /* beyond the horizon */
#define LIST_OVERDUE  (WHEEL_LISTS + 1) /* armed with a deadline already reached */
#define LIST_DUE      (WHEEL_LISTS + 2) /* queued for pop, in order */
#define HORIZON_BITS  (AVILA_TIMER_SLOT_BITS * AVILA_TIMER_LEVELS)
#define HORIZON_BLOCK (~(AVILA_TIMER_HORIZON_TICKS - 1))

_Static_assert(AVILA_TIMER_SLOTS == 64, "one uint64_t occupancy bitmap per level");
_Static_assert(HORIZON_BITS < 64, "the levels cover less than the whole tick range");
_Static_assert(HORIZON_BITS >= 32, "the levels cover at least 2^32 ticks");
_Static_assert(AVILA_ARRAY_LEN(((struct avila_timer_wheel *)0)->lists) == LIST_DUE + 1,
               "one list per slot, plus overflow, overdue and due");

/* ------------------------------------------------------------ lists */

static void list_init(struct avila_timer_link *head)
{
    head->next = head;
    head->prev = head;
}

static int list_empty(const struct avila_timer_link *head)
{
    return head->next == head;
}

static void list_append(struct avila_timer_link *head, struct avila_timer_link *l)
{
    l->prev = head->prev;
    l->next = head;
    head->prev->next = l;
    head->prev = l;
}

/* Moves every link of src, in order, to the end of dst; src ends empty. */
static void list_splice_tail(struct avila_timer_link *dst, struct avila_timer_link *src)
{
    if (list_empty(src))
        return;
    struct avila_timer_link *first = src->next, *last = src->prev;
    first->prev = dst->prev;
    dst->prev->next = first;
    last->next = dst;
    dst->prev = last;
    list_init(src);
}

static struct avila_timer *timer_of(struct avila_timer_link *l)
{
    return AVILA_TIMER_CONTAINER(l, struct avila_timer, link);
}

/* ------------------------------------------------------------ placement */

/* The first tick of the block of 64^(level+1) ticks that holds n. */
static uint64_t block_start(uint64_t n, unsigned level)
{
    return n & ~(((uint64_t)1 << (AVILA_TIMER_SLOT_BITS * (level + 1))) - 1);
}

/* Puts the idle-or-detached t on the list its deadline calls for, relative to w->now. */
static void place(struct avila_timer_wheel *w, struct avila_timer *t)
{
    uint64_t e = t->expires;
    if (e <= w->now) {
        list_append(&w->lists[LIST_OVERDUE], &t->link);
        return;
    }
    unsigned msb = 63u - (unsigned)__builtin_clzll(e ^ w->now);
    unsigned level = msb / AVILA_TIMER_SLOT_BITS;
    if (level >= AVILA_TIMER_LEVELS) {
        if (e < w->overflow_min)
            w->overflow_min = e;
        list_append(&w->lists[LIST_OVERFLOW], &t->link);
        return;
    }
    unsigned slot = (unsigned)(e >> (AVILA_TIMER_SLOT_BITS * level)) & SLOT_MASK;
    list_append(&w->lists[level * AVILA_TIMER_SLOTS + slot], &t->link);
    w->occupied[level] |= (uint64_t)1 << slot;
}

/*
 * Moves the timers of list src (detached, n already at their slot's first
 * tick) to where they belong now: the due list for deadline n, lower levels
 * for the rest. Keeps their relative order, so equal deadlines stay FIFO.
 */
static void replace_all(struct avila_timer_wheel *w, struct avila_timer_link *src)
{
    struct avila_timer_link *l = src->next;
    while (l != src) {
        struct avila_timer_link *next = l->next;
        struct avila_timer *t = timer_of(l);
        if (t->expires == w->now)
            list_append(&w->lists[LIST_DUE], l);
        else
            place(w, t);
        l = next;
    }
    list_init(src);
}

/* The lowest level with an occupied slot, or AVILA_TIMER_LEVELS. */
static unsigned lowest_level(const struct avila_timer_wheel *w)
{
    unsigned level = 0;
    while (level < AVILA_TIMER_LEVELS && w->occupied[level] == 0)
        level++;
    return level;
}

/* ------------------------------------------------------------ API */

void avila_timer_init(struct avila_timer *t)
{
    t->link.next = NULL;
    t->link.prev = NULL;
    t->expires = 0;
}

void avila_timer_wheel_init(struct avila_timer_wheel *w, uint64_t now)
{
    w->now = now;
    w->overflow_min = UINT64_MAX;
    w->count = 0;
    for (size_t i = 0; i < AVILA_TIMER_LEVELS; i++)
        w->occupied[i] = 0;
    for (size_t i = 0; i < AVILA_ARRAY_LEN(w->lists); i++)
        list_init(&w->lists[i]);
}

int avila_timer_is_armed(const struct avila_timer *t)
{
    return t->link.next != NULL;
}

uint64_t avila_timer_expires(const struct avila_timer *t)
{
    return t->expires;
}

size_t avila_timer_wheel_count(const struct avila_timer_wheel *w)
{
    return w->count;
}

uint64_t avila_timer_wheel_now(const struct avila_timer_wheel *w)
{
    return w->now;
}

int avila_timer_cancel(struct avila_timer_wheel *w, struct avila_timer *t)
{
    struct avila_timer_link *prev = t->link.prev, *next = t->link.next;
    if (next == NULL)
        return 0;
    prev->next = next;
    next->prev = prev;
    t->link.next = NULL;
    t->link.prev = NULL;
    w->count--;
    /*
     * The list is empty now exactly when both neighbours are the same link,
     * which can then only be the list head: clear its slot's bit.
     */
    if (prev == next) {
        size_t idx = (size_t)(prev - w->lists);
        if (idx < WHEEL_LISTS)
            w->occupied[idx / AVILA_TIMER_SLOTS] &= ~((uint64_t)1 << (idx % AVILA_TIMER_SLOTS));
        else if (idx == LIST_OVERFLOW)
            w->overflow_min = UINT64_MAX;
    }
    return 1;
}

void avila_timer_arm(struct avila_timer_wheel *w, struct avila_timer *t, uint64_t expires)
{
    avila_timer_cancel(w, t);
    t->expires = expires;
    place(w, t);
    w->count++;
}

int avila_timer_wheel_next(const struct avila_timer_wheel *w, uint64_t *deadline)
{
    if (w->count == 0)
        return AVILA_ENOTFOUND;
    if (!list_empty(&w->lists[LIST_DUE]) || !list_empty(&w->lists[LIST_OVERDUE])) {
        *deadline = w->now;
        return 0;
    }
    unsigned level = lowest_level(w);
    if (level < AVILA_TIMER_LEVELS) {
        unsigned slot = (unsigned)__builtin_ctzll(w->occupied[level]);
        *deadline =
            block_start(w->now, level) + ((uint64_t)slot << (AVILA_TIMER_SLOT_BITS * level));
        return 0;
    }
    /* Only the overflow list is left, and overflow_min bounds it from below. */
    *deadline = w->overflow_min;
    return 0;
}

int avila_timer_wheel_advance(struct avila_timer_wheel *w, uint64_t now)
{
    list_splice_tail(&w->lists[LIST_DUE], &w->lists[LIST_OVERDUE]);
    for (;;) {
        unsigned level = lowest_level(w);
        if (level < AVILA_TIMER_LEVELS) {
            unsigned slot = (unsigned)__builtin_ctzll(w->occupied[level]);
            uint64_t at =
                block_start(w->now, level) + ((uint64_t)slot << (AVILA_TIMER_SLOT_BITS * level));
            if (at > now)
                break;
            struct avila_timer_link *src = &w->lists[level * AVILA_TIMER_SLOTS + slot];
            w->occupied[level] &= ~((uint64_t)1 << slot);
            w->now = at;
            if (level == 0)
                list_splice_tail(&w->lists[LIST_DUE], src);
            else
                replace_all(w, src);
        } else if (!list_empty(&w->lists[LIST_OVERFLOW])) {
            /*
             * Only far timers are left: jump straight to the 2^36 block of
             * the earliest (or of a lower bound of it, after cancels).
             */
            uint64_t at = w->overflow_min & HORIZON_BLOCK;
            if (at > now)
                break;
            struct avila_timer_link far;
            list_init(&far);
            list_splice_tail(&far, &w->lists[LIST_OVERFLOW]);
            w->overflow_min = UINT64_MAX;
            if (at > w->now)
                w->now = at;
            replace_all(w, &far);
        } else {
            break;
        }
    }
    if (now > w->now)
        w->now = now;
    return !list_empty(&w->lists[LIST_DUE]);
}

struct avila_timer *avila_timer_wheel_pop(struct avila_timer_wheel *w)
{
    struct avila_timer_link *head = &w->lists[LIST_DUE];
    if (list_empty(head))
        return NULL;
    struct avila_timer_link *l = head->next;
    head->next = l->next;
    l->next->prev = head;
    l->next = NULL;
    l->prev = NULL;
    w->count--;
    return timer_of(l);
}

size_t avila_timer_wheel_expire(struct avila_timer_wheel *w, uint64_t now, avila_timer_fn *fn,
                                void *ctx)
{
    size_t n = 0;
    struct avila_timer *t;
    avila_timer_wheel_advance(w, now);
    while ((t = avila_timer_wheel_pop(w)) != NULL) {
        fn(t, ctx);
        n++;
    }
    return n;
}

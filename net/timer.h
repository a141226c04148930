/*
 * net/timer.h - timers on a hierarchical timing wheel: O(1) arm and cancel,
 * expiry that costs per occupied slot rather than per tick, so a million
 * timers and hour-long jumps of the clock are cheap. Pure: no clock reads,
 * no allocation. The scheme is Varghese and Lauck's hierarchical wheel
 * ("Hashed and Hierarchical Timing Wheels", SOSP 1987, scheme 7); no
 * standard is implemented.
 *
 * Time. The wheel counts in ticks, a uint64_t the caller supplies: the
 * event loop uses milliseconds of the monotonic clock (avila_time_mono_ms),
 * so one tick is 1 ms; any other unit works the same way. Time never wraps
 * (2^64 ms is 584 million years) and never goes backwards: an advance to an
 * earlier time than the wheel's changes nothing but still hands out timers
 * that are already due.
 *
 * Precision. A timer fires at exactly its tick: none is handed out before
 * the wheel's time reaches its deadline, and every timer armed before an
 * advance whose now is >= its deadline is handed out by that advance. The
 * wheel itself does not round (higher levels are cascaded down until a
 * timer sits in the slot of its own tick). The only rounding is the
 * caller's, turning its clock into ticks: with floored milliseconds, a
 * timer armed at now + d fires after between d - 1 and d ms of real time
 * have passed (plus however late the loop gets to advance), so arm at
 * now + d + 1 when at least d ms must pass.
 *
 * Ordering. An advance moves the due timers, in order, onto a list that
 * avila_timer_wheel_pop hands out (one "pass"). In a pass, first come the
 * timers that were armed with a deadline the wheel's time had already
 * reached (in a past pass, or in the past outright), in the order they were
 * armed; then every other due timer in non-decreasing deadline order, and
 * timers with equal deadlines in the order they were (last) armed.
 *
 * Arming during a pass. A timer armed or re-armed while a pass is being
 * handed out (from a callback, say) with a deadline <= the wheel's time
 * does NOT fire in that pass; it is due at once and comes out at the start
 * of the next advance. So a callback that re-arms its own timer at "now"
 * cannot make expiry loop forever. Cancelling a timer that is due but not
 * yet handed out removes it from the pass: it never fires.
 *
 * Layout. AVILA_TIMER_LEVELS levels of 64 slots (one uint64_t occupancy
 * bitmap per level); level L holds the timers whose deadline first differs
 * from the wheel's time in bits [6L, 6L + 6), in the slot of that digit.
 * The levels hold the deadlines in the wheel's current aligned block of
 * 2^36 ticks (about 795 days of ms); later ones wait on an overflow list
 * that is sorted into the wheel again when the wheel's time reaches the
 * block of the earliest of them. Inside the levels a timer moves down at
 * most AVILA_TIMER_LEVELS - 1 times; a far timer is also looked at each
 * time the overflow list is sorted.
 *
 * Ownership. Timers are intrusive: the caller embeds a struct avila_timer
 * in its own object (AVILA_TIMER_CONTAINER gets back to it) and keeps that
 * memory alive and in place while the timer is armed. The wheel is
 * caller-allocated, holds pointers into itself and MUST NOT be moved or
 * copied after avila_timer_wheel_init. A timer belongs to at most one wheel
 * at a time, and every call on an armed timer MUST name that wheel. Not
 * thread-safe: one wheel per event loop thread.
 */
#ifndef AVILA_NET_TIMER_H
#define AVILA_NET_TIMER_H

#include "core/error.h"
#include "core/platform.h"

/* log2 of the slots per level; 64 slots fit one bitmap word. */
#define AVILA_TIMER_SLOT_BITS 6
#define AVILA_TIMER_SLOTS     (1u << AVILA_TIMER_SLOT_BITS)
#define AVILA_TIMER_LEVELS    6
/* The span of the levels: the aligned block of ticks they hold, and the overflow's unit. */
#define AVILA_TIMER_HORIZON_TICKS ((uint64_t)1 << (AVILA_TIMER_SLOT_BITS * AVILA_TIMER_LEVELS))

/* A doubly-linked list link; private. */
struct avila_timer_link {
    struct avila_timer_link *next;
    struct avila_timer_link *prev;
};

/*
 * A timer, embedded in the caller's object. All fields are private; a
 * zero-filled timer (or one passed to avila_timer_init) is idle, that is
 * not armed.
 */
struct avila_timer {
    struct avila_timer_link link; /* NULL pointers when idle */
    uint64_t expires;             /* the deadline, in ticks */
};

/* Caller-allocated; all fields are private. 6264 bytes on LP64. */
struct avila_timer_wheel {
    uint64_t now;          /* ticks up to which due timers were collected */
    uint64_t overflow_min; /* <= every overflow deadline; UINT64_MAX when empty */
    size_t count;          /* armed timers */
    uint64_t occupied[AVILA_TIMER_LEVELS];
    /* levels x slots, then the overflow, overdue and due lists */
    struct avila_timer_link lists[AVILA_TIMER_LEVELS * AVILA_TIMER_SLOTS + 3];
};

/* The object of type `type` whose member `member` is the timer at ptr. */
#define AVILA_TIMER_CONTAINER(ptr, type, member)                                                   \
    ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* A callback for avila_timer_wheel_expire: t is idle when it is called. */
typedef void avila_timer_fn(struct avila_timer *t, void *ctx);

/* Makes t idle. MUST NOT be called on an armed timer (cancel it instead). */
void avila_timer_init(struct avila_timer *t);

/* Starts an empty wheel whose time is now. */
void avila_timer_wheel_init(struct avila_timer_wheel *w, uint64_t now);

/*
 * Arms t to fire at tick expires (absolute), in O(1). An armed timer is
 * re-armed: cancelled, then armed with the new deadline (it then counts as
 * armed last for the ordering of equal deadlines). A deadline <= the
 * wheel's time is due at the next advance (see "Arming during a pass"). t
 * MUST be idle or armed on w, and stay in place until it is handed out or
 * cancelled.
 */
void avila_timer_arm(struct avila_timer_wheel *w, struct avila_timer *t, uint64_t expires);

/*
 * Disarms t in O(1), whether it is waiting or already due but not handed
 * out. Returns 1 if t was armed, 0 if it was idle (then nothing changes).
 * An armed t MUST be armed on w. Afterwards the wheel holds no pointer to t.
 */
int avila_timer_cancel(struct avila_timer_wheel *w, struct avila_timer *t);

/* 1 if t is armed (waiting, or due and not yet handed out), else 0. */
int avila_timer_is_armed(const struct avila_timer *t);

/* The deadline t was last armed with (meaningless if it never was). */
uint64_t avila_timer_expires(const struct avila_timer *t);

/* Number of armed timers, due ones not yet handed out included. */
size_t avila_timer_wheel_count(const struct avila_timer_wheel *w);

/* The wheel's time: the largest now ever passed to init or advance. */
uint64_t avila_timer_wheel_now(const struct avila_timer_wheel *w);

/*
 * When the event loop should next advance the wheel. Returns 0 and sets
 * *deadline, or AVILA_ENOTFOUND if no timer is armed (*deadline is left
 * alone). *deadline is never later than the earliest armed deadline (no
 * timer is missed by sleeping until it) but may be earlier: it is the
 * wheel's time if a timer is already due, the exact earliest deadline if
 * that falls in the wheel's current 64-tick block, and otherwise the first
 * tick of the earliest occupied slot of a higher level (an early wake-up
 * that cascades that slot; at most one per level per timer). O(levels).
 */
int avila_timer_wheel_next(const struct avila_timer_wheel *w, uint64_t *deadline);

/*
 * Advances the wheel's time to now (no effect on the time if now is
 * earlier) and queues every timer whose deadline is <= now, in the order
 * described above, for avila_timer_wheel_pop. Cascades the higher-level
 * slots it reaches; skips empty slots with the bitmaps, so the cost is one
 * step per occupied slot, not per tick, however far time jumps. Returns 1
 * if a timer is due (pop has something), else 0.
 */
int avila_timer_wheel_advance(struct avila_timer_wheel *w, uint64_t now);

/*
 * Hands out the next due timer, now idle (the wheel no longer refers to it:
 * the caller may re-arm or free it), or NULL when the pass is over. O(1).
 */
struct avila_timer *avila_timer_wheel_pop(struct avila_timer_wheel *w);

/*
 * One pass: advance(w, now), then pop every due timer and call fn(timer,
 * ctx) for each. fn MAY cancel or arm any timer on w, its own included (see
 * "Arming during a pass"), and MAY free the object holding its idle timer;
 * it MUST NOT advance or expire w. Returns the number of callbacks made.
 */
size_t avila_timer_wheel_expire(struct avila_timer_wheel *w, uint64_t now, avila_timer_fn *fn,
                                void *ctx);

#endif

/*
 * data/lsm_version.h - the file set of the LSM store: version edits, the
 * MANIFEST that logs them, the CURRENT file that names the MANIFEST,
 * immutable refcounted versions (which SSTables make up each level), the
 * version set that recovers, logs and installs them, and leveled
 * compaction picking (like LevelDB's). Pure: all file access goes through
 * a struct avila_lsm_vfs (data/lsm_vfs.h), memory through an allocator.
 *
 * Version edit format (one MANIFEST record, data/lsm_wal.h framing). A
 * sequence of fields, each a varint tag followed by its varints and
 * length-prefixed byte strings (varints as data/lsm_format.h):
 *   1 LOG_NUMBER      number          WAL files below it are obsolete
 *   2 NEXT_FILE       number          next file number to hand out
 *   3 LAST_SEQ        seq             last sequence number used
 *   4 COMPACT_POINTER level, klen, key (an internal key)
 *   5 DELETED_FILE    level, number
 *   6 NEW_FILE        level, number, size, klen, smallest, klen, largest,
 *                     smallest_seq, largest_seq
 * Tags 1-3 appear at most once per edit. Anything else is AVILA_EFORMAT:
 * an unknown tag, a truncated field, a level >= AVILA_LSM_LEVELS, a key
 * that is not a well-formed internal key (8..AVILA_LSM_MAX_KEY_LEN + 8
 * bytes, known kind), a file whose smallest key sorts after its largest
 * or whose smallest_seq exceeds largest_seq, a sequence number above
 * AVILA_LSM_MAX_SEQ, a file number 0.
 *
 * MANIFEST-NNNNNN: a log (data/lsm_wal.h) whose first record is a
 * snapshot edit of the whole state (LOG_NUMBER, NEXT_FILE, LAST_SEQ, every
 * compaction pointer and every file as NEW_FILE) and whose later records
 * are the edits applied since. CURRENT holds "MANIFEST-NNNNNN\n" and is
 * replaced atomically (temp file, sync, rename, sync of the directory).
 *
 * Concurrency: nothing here takes a lock. The caller MUST serialise every
 * call on a version set, and every ref/unref of its versions, with one
 * mutex of its own (the DB's). A version is immutable: once a thread holds
 * a ref (taken under that mutex), it may read the version and its file
 * metadata without the mutex until it drops the ref (under the mutex).
 * Picking knows the compactions still running (picked, not yet freed)
 * and never picks a file one of them rewrites (see avila_lsm_compaction).
 */
#ifndef AVILA_DATA_LSM_VERSION_H
#define AVILA_DATA_LSM_VERSION_H

#include <stdbool.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/platform.h"
#include "data/lsm_format.h"
#include "data/lsm_vfs.h"
#include "data/lsm_wal.h"

/* Levels L0..L6. L0 files may overlap; L1.. files are disjoint and sorted. */
#define AVILA_LSM_LEVELS 7
/* Longest internal key in an edit (a user key and its trailer). */
#define AVILA_LSM_EDIT_MAX_IKEY (AVILA_LSM_MAX_KEY_LEN + AVILA_LSM_TRAILER_LEN)
/* Longest directory path the version set accepts (names are appended to it). */
#define AVILA_LSM_MAX_DIR_LEN 4000
/* Room for "DIR/NAME" paths: the directory, a slash, the longest name, NUL. */
#define AVILA_LSM_PATH_MAX (AVILA_LSM_MAX_DIR_LEN + 48)
/* Largest CURRENT file read at recovery (it holds one short line). */
#define AVILA_LSM_CURRENT_MAX 64

/* ---------------------------------------------------------------- file names */

/* Kinds of files in a DB directory (see avila_lsm_file_name). */
enum avila_lsm_file_kind {
    AVILA_LSM_FILE_TABLE = 0, /* NNNNNN.sst */
    AVILA_LSM_FILE_WAL,       /* NNNNNN.wal */
    AVILA_LSM_FILE_MANIFEST,  /* MANIFEST-NNNNNN */
    AVILA_LSM_FILE_CURRENT,   /* CURRENT (number 0) */
    AVILA_LSM_FILE_LOCK,      /* LOCK (number 0) */
    AVILA_LSM_FILE_TEMP,      /* CURRENT.tmp (number 0): a CURRENT being written */
};

/*
 * Writes "dir/NAME" for a file of kind and number (NNNNNN: the number in
 * decimal, zero-padded to 6 digits, more when larger) into out with a NUL.
 * Returns the length without the NUL; AVILA_ENOSPC if it does not fit in
 * cap; AVILA_EINVAL for a dir longer than AVILA_LSM_MAX_DIR_LEN.
 */
int avila_lsm_file_path(char *out, size_t cap, const char *dir, enum avila_lsm_file_kind kind,
                        uint64_t number);

/*
 * Parses a directory entry name (no directory part). Returns 0 with *kind
 * and *number (0 for CURRENT, LOCK and the temp file) set, or
 * AVILA_ENOTFOUND for a name that is none of ours (the DB leaves those
 * alone).
 */
int avila_lsm_file_parse(struct avila_slice name, enum avila_lsm_file_kind *kind, uint64_t *number);

/* ---------------------------------------------------------------- version edits */

/* A file added by an edit. The keys are internal keys. */
struct avila_lsm_edit_file {
    int level;
    uint64_t number;
    uint64_t size; /* bytes */
    struct avila_slice smallest, largest;
    uint64_t smallest_seq, largest_seq;
};

/* A file removed by an edit. */
struct avila_lsm_edit_delete {
    int level;
    uint64_t number;
};

/* Where the next compaction of a level starts (after this internal key). */
struct avila_lsm_edit_pointer {
    int level;
    struct avila_slice key;
};

/*
 * A version edit. Caller-allocated; the has_* flags, scalars and arrays
 * are readable (n_* entries each); the edit owns all of its memory (an
 * arena), so every slice in it lives until avila_lsm_edit_release or
 * avila_lsm_edit_clear. Fill it only through the functions below.
 */
struct avila_lsm_edit {
    bool has_log_number, has_next_file, has_last_seq;
    uint64_t log_number, next_file, last_seq;
    struct avila_lsm_edit_pointer *pointers;
    struct avila_lsm_edit_delete *deletes;
    struct avila_lsm_edit_file *files;
    size_t n_pointers, n_deletes, n_files;
    /* private */
    size_t cap_pointers, cap_deletes, cap_files;
    struct avila_arena arena;
};

/* Starts an empty edit taking memory from a (MUST outlive it). */
void avila_lsm_edit_init(struct avila_lsm_edit *e, const struct avila_allocator *a);

/* Empties the edit (frees its memory; it stays usable). */
void avila_lsm_edit_clear(struct avila_lsm_edit *e);

/* Frees the edit's memory. */
void avila_lsm_edit_release(struct avila_lsm_edit *e);

void avila_lsm_edit_set_log_number(struct avila_lsm_edit *e, uint64_t number);
void avila_lsm_edit_set_next_file(struct avila_lsm_edit *e, uint64_t number);
void avila_lsm_edit_set_last_seq(struct avila_lsm_edit *e, uint64_t seq);

/*
 * Adds a compaction pointer (key copied). Returns 0; AVILA_EINVAL for a
 * bad level or a malformed internal key; AVILA_ENOMEM.
 */
int avila_lsm_edit_set_pointer(struct avila_lsm_edit *e, int level, struct avila_slice ikey);

/* Adds a deletion. Returns 0; AVILA_EINVAL (bad level, number 0); AVILA_ENOMEM. */
int avila_lsm_edit_delete_file(struct avila_lsm_edit *e, int level, uint64_t number);

/*
 * Adds a file (its keys copied). Returns 0; AVILA_EINVAL when it breaks a
 * rule of the format above (bad level, number 0, malformed keys, smallest
 * after largest, seqs out of order or range); AVILA_ENOMEM.
 */
int avila_lsm_edit_add_file(struct avila_lsm_edit *e, const struct avila_lsm_edit_file *f);

/*
 * Appends the encoded edit to out. Returns 0 or out's error (out then
 * holds an unknown prefix of the encoding past its old length).
 */
int avila_lsm_edit_encode(const struct avila_lsm_edit *e, struct avila_buf *out);

/*
 * Decodes p[0..len) into e, which is cleared first. Returns 0;
 * AVILA_EFORMAT for anything the format above forbids (e then holds an
 * unknown part of the input: clear or release it); AVILA_ENOMEM.
 */
int avila_lsm_edit_decode(const uint8_t *p, size_t len, struct avila_lsm_edit *e);

/* ---------------------------------------------------------------- versions */

/*
 * One SSTable as versions see it. Shared by every version that holds it
 * (refcounted by them); read-only for everyone. The key bytes live in the
 * same allocation, as long as the metadata.
 */
struct avila_lsm_file_meta {
    uint64_t number;
    uint64_t size;
    struct avila_slice smallest, largest; /* internal keys */
    uint64_t smallest_seq, largest_seq;
    /* private */
    size_t refs;
    size_t alloc_size;
    bool compacting; /* an input of a running compaction (see avila_lsm_compaction) */
};

struct avila_lsm_vset;

/*
 * A version: the files of each level. Immutable once installed;
 * refcounted (avila_lsm_version_ref / _unref under the caller's mutex).
 * files[l][0 .. nfiles[l]) are readable: L0 newest first (by file
 * number, descending), L1.. by smallest key, disjoint. Other fields private.
 */
struct avila_lsm_version {
    struct avila_lsm_file_meta **files[AVILA_LSM_LEVELS];
    size_t nfiles[AVILA_LSM_LEVELS];
    uint64_t level_bytes[AVILA_LSM_LEVELS];
    /* private */
    struct avila_lsm_vset *vs;
    struct avila_lsm_version *prev, *next; /* the set's list of live versions */
    size_t refs;
    size_t cap[AVILA_LSM_LEVELS];
};

/* Takes a reference on v. */
void avila_lsm_version_ref(struct avila_lsm_version *v);

/* Drops a reference; the last one frees v (and files no version holds). */
void avila_lsm_version_unref(struct avila_lsm_version *v);

/*
 * Calls fn for each file of v that may hold an entry for user_key at or
 * below sequence number seq (a snapshot; AVILA_LSM_MAX_SEQ - 1 for the
 * newest), in read order: the L0 files whose range holds user_key, newest
 * first, then in each level L1..L6 the one file found by binary search for
 * the internal key (user_key, seq) (a user key's entries may be split over
 * two files of a level: the search picks the one holding those at or
 * below seq). A largest key that is a range tombstone's end
 * (end, AVILA_LSM_MAX_SEQ, AVILA_LSM_RANGE_DELETE) is exclusive. fn
 * returns 0 to go on, anything else to stop; that value is returned (0
 * when fn never stopped). Reading the files is fn's work.
 */
int avila_lsm_version_for_key(const struct avila_lsm_version *v, struct avila_slice user_key,
                              uint64_t seq,
                              int (*fn)(void *ctx, int level, struct avila_lsm_file_meta *f),
                              void *ctx);

/* A growable list of file pointers (borrowed from a version). Fields readable. */
struct avila_lsm_file_vec {
    struct avila_lsm_file_meta **items;
    size_t n, cap;
    const struct avila_allocator *a;
};

void avila_lsm_file_vec_init(struct avila_lsm_file_vec *fv, const struct avila_allocator *a);
void avila_lsm_file_vec_release(struct avila_lsm_file_vec *fv);

/*
 * Sets out (cleared first) to the files of level whose user-key range
 * meets [begin, end] (inclusive; a NULL pointer is unbounded on that
 * side). For L0 the range grows transitively: when a chosen file reaches
 * past the range, the range widens and the search starts over, so that no
 * L0 file outside the set overlaps the set's range. The pointers are
 * borrowed from v. Returns 0, AVILA_EINVAL (bad level) or AVILA_ENOMEM.
 */
int avila_lsm_version_overlapping(const struct avila_lsm_version *v, int level,
                                  const struct avila_slice *begin, const struct avila_slice *end,
                                  struct avila_lsm_file_vec *out);

/* True if some file of a level above level (deeper: level + 1 ..) meets [begin, end] by user key.
 */
bool avila_lsm_version_deeper_overlap(const struct avila_lsm_version *v, int level,
                                      struct avila_slice begin, struct avila_slice end);

/* ---------------------------------------------------------------- the version set */

/* Options (zero fields take the defaults). */
struct avila_lsm_vset_options {
    size_t l0_compaction_trigger;      /* L0 files that make a compaction due: 4 */
    uint64_t max_bytes_for_level_base; /* L1's target size: 64 MiB */
    unsigned level_multiplier;         /* each level's target is this times the last: 10 */
    uint64_t target_file_size;         /* compaction output file size: 4 MiB */
    uint64_t max_manifest_bytes;       /* a MANIFEST past this is replaced: 64 MiB */
};

#define AVILA_LSM_DEFAULT_L0_TRIGGER 4
/* RocksDB's base is 4 memtables (256 MiB over 64 MiB); ours over a 16 MiB memtable. */
#define AVILA_LSM_DEFAULT_LEVEL_BASE       ((uint64_t)64 << 20)
#define AVILA_LSM_DEFAULT_LEVEL_MULTIPLIER 10
#define AVILA_LSM_DEFAULT_TARGET_FILE_SIZE ((uint64_t)4 << 20)
#define AVILA_LSM_DEFAULT_MAX_MANIFEST     ((uint64_t)64 << 20)

/* Counters the DB adds to (the version set only reports them). */
struct avila_lsm_io_stats {
    uint64_t user_bytes;      /* bytes of user writes (WAL payload) */
    uint64_t flush_bytes;     /* bytes of SSTables written by flushes */
    uint64_t compact_read;    /* bytes of SSTables read by compactions */
    uint64_t compact_written; /* bytes of SSTables written by compactions */
};

/* Per-level figures of the current version. */
struct avila_lsm_level_stats {
    size_t files;
    uint64_t bytes;
    double score; /* >= 1: a compaction is due */
};

/*
 * The version set. Caller-allocated; every field is private except io,
 * which the DB updates. Serialise every call with the caller's mutex.
 */
struct avila_lsm_vset {
    struct avila_lsm_io_stats io;
    /* private */
    const struct avila_lsm_vfs *vfs;
    const struct avila_allocator *a;
    struct avila_lsm_vset_options opt;
    char dir[AVILA_LSM_MAX_DIR_LEN + 1];
    struct avila_lsm_version *current;
    struct avila_lsm_version live; /* list head of versions alive */
    uint64_t next_file, last_seq, log_number;
    uint64_t manifest_number;  /* the MANIFEST being written (or last written) */
    uint64_t durable_manifest; /* the one CURRENT names durably */
    struct avila_lsm_file *manifest_file;
    struct avila_lsm_wal_writer *manifest;      /* NULL: the next apply starts a new MANIFEST */
    struct avila_buf pointer[AVILA_LSM_LEVELS]; /* compaction pointers (internal keys) */
    struct avila_buf scratch;
    struct avila_lsm_compaction *running; /* picked and not yet freed */
};

/*
 * Opens the version set of the DB directory dir (which MUST exist) on vfs:
 * recovers it from CURRENT and its MANIFEST, or, when there is no CURRENT
 * and create is true, makes a fresh one (an empty state, MANIFEST-000001
 * and CURRENT, synced). vfs, a and the storage of vs MUST outlive vs; dir
 * and opt (NULL: defaults) are copied.
 * Recovery replays every edit of the MANIFEST (a torn tail is dropped, as
 * the WAL contract says) and checks the result: every level beyond L0
 * sorted and disjoint, no file twice, the next file number above every
 * file and the MANIFEST's own, the last sequence at or above every file's.
 * The next log_and_apply writes a new MANIFEST (the old one is never
 * appended to again). Recovery costs O(n log n) in the adds and deletes
 * the MANIFEST holds, whatever the number of edits.
 * Returns 0; AVILA_ENOTFOUND when there is no CURRENT and create is
 * false, or CURRENT names a MANIFEST that is absent; AVILA_EFORMAT for a
 * CURRENT or MANIFEST that is damaged or inconsistent; AVILA_EINVAL for a
 * bad dir or option; AVILA_ENOMEM; the VFS's error. On error nothing
 * needs releasing.
 */
int avila_lsm_vset_open(struct avila_lsm_vset *vs, const struct avila_lsm_vfs *vfs,
                        const struct avila_allocator *a, const char *dir,
                        const struct avila_lsm_vset_options *opt, bool create);

/*
 * Frees the set: the current version is dropped; versions others still
 * hold MUST have been unreferenced before (checked by an assert).
 */
void avila_lsm_vset_close(struct avila_lsm_vset *vs);

/*
 * Applies edit to the current version: builds the new version, appends
 * the edit to the MANIFEST as one record and syncs it, then installs the
 * new version as current. The edit is completed in place first: the log
 * number and last sequence where it has none, and always the set's next
 * file number (numbers handed out so far are logged with it). When there
 * is no MANIFEST being written (after open, after a failure) or it passed
 * max_manifest_bytes, a new one is written instead: a snapshot of the new
 * state, synced, then CURRENT switched to it. The edit's log_number MUST
 * NOT go down (nor name a number not handed out), its last_seq neither
 * (and it MUST be at or above every file's largest_seq), its next_file
 * MUST NOT pass the set's, and its files MUST have numbers the set handed
 * out (all checked: AVILA_EINVAL). Pass a compaction's edit against the
 * version it was picked from or a later one with its inputs still in it.
 * Cost: O(files) to build the new version, O(files log files) to check it.
 * Returns 0; AVILA_EINVAL when the edit does not apply (deletes a file
 * the version lacks, adds one twice, breaks the order of L1..); AVILA_ENOMEM;
 * the VFS's error. On any error the current version stays and nothing is
 * installed; after a VFS error the next call starts a new MANIFEST. The
 * failed edit may still reach the disk (its record may have been written
 * before the sync failed): the caller MUST keep the files it adds until a
 * later log_and_apply succeeds.
 */
int avila_lsm_vset_log_and_apply(struct avila_lsm_vset *vs, struct avila_lsm_edit *edit);

/* The current version (borrowed: ref it to keep it past the next apply). */
struct avila_lsm_version *avila_lsm_vset_current(const struct avila_lsm_vset *vs);

/* Hands out a new file number (for an SSTable, a WAL). */
uint64_t avila_lsm_vset_new_file_number(struct avila_lsm_vset *vs);

/*
 * Makes sure number is never handed out again (recovery found a file, a
 * WAL say, numbered beyond what the MANIFEST logged: numbers handed out
 * are logged only with the next log_and_apply).
 */
void avila_lsm_vset_mark_file_number_used(struct avila_lsm_vset *vs, uint64_t number);

/* The next file number that would be handed out. */
uint64_t avila_lsm_vset_next_file(const struct avila_lsm_vset *vs);

/* The last sequence number used; the DB sets it as writes go (it never goes down). */
uint64_t avila_lsm_vset_last_seq(const struct avila_lsm_vset *vs);
void avila_lsm_vset_set_last_seq(struct avila_lsm_vset *vs, uint64_t seq);

/* The log number: WAL files below it are obsolete (set through edits). */
uint64_t avila_lsm_vset_log_number(const struct avila_lsm_vset *vs);

/* The number of the MANIFEST in use (0 before the first one of this open). */
uint64_t avila_lsm_vset_manifest_number(const struct avila_lsm_vset *vs);

/*
 * Calls fn with the number of every file some live version references, and
 * of every MANIFEST that CURRENT may name after a crash (numbers may
 * repeat). Files the DB made that are neither here nor in flight are
 * obsolete. fn returns 0 to go on; anything else stops and is returned.
 */
int avila_lsm_vset_live_files(const struct avila_lsm_vset *vs,
                              int (*fn)(void *ctx, uint64_t number), void *ctx);

/* Fills stats[AVILA_LSM_LEVELS] from the current version. */
void avila_lsm_vset_level_stats(const struct avila_lsm_vset *vs,
                                struct avila_lsm_level_stats stats[AVILA_LSM_LEVELS]);

/* Target size of level (1..): base, times the multiplier per level below. */
uint64_t avila_lsm_vset_max_bytes(const struct avila_lsm_vset *vs, int level);

/* ---------------------------------------------------------------- compactions */

/*
 * A compaction: files of level (inputs[0]) and of level + 1 (inputs[1])
 * merged into new files at level + 1. It holds a ref on the version it
 * was picked from. edit already deletes every input and moves the level's
 * compaction pointer; the compaction writer adds its outputs
 * (avila_lsm_compaction_add_output) and hands edit to log_and_apply,
 * which applies it to the version current then.
 *
 * Compactions run side by side. From the pick until it is freed, a
 * compaction is running: its inputs are marked, and no other compaction
 * is picked that takes a marked file or a second set of level-0 files.
 * So running compactions touch disjoint files and key ranges of each
 * level, and their edits apply in any order. Fields readable; do not
 * change them except first_output.
 */
struct avila_lsm_compaction {
    int level;
    struct avila_lsm_version *version;
    struct avila_lsm_file_vec inputs[2];
    struct avila_lsm_file_vec grandparents; /* level + 2 files overlapping the inputs */
    uint64_t max_output_size;
    uint64_t max_grandparent_overlap; /* bytes: cut an output file past this */
    bool manual;
    struct avila_lsm_edit edit;
    /* Set by the writer: its output files take numbers from here on (0: none yet). */
    uint64_t first_output;
    /* private */
    const struct avila_allocator *a;
    struct avila_lsm_vset *vs;
    struct avila_lsm_compaction *next_running;
    bool running;
    size_t gp_index;
    uint64_t gp_overlap;
    bool gp_seen_key;
    size_t level_ptr[AVILA_LSM_LEVELS];
};

/*
 * Picks the compaction most due that can run beside the running ones:
 * levels in order of score, those of at least 1 (L0: file count over
 * l0_compaction_trigger; Ln: bytes over the level's target). Inputs: for
 * Ln the first file after the level's compaction pointer (wrapping
 * around) that leads to no conflict; for L0 the oldest file and every L0
 * file overlapping it (transitively); then the level + 1 files
 * overlapping them; level-n inputs grow when that adds no level + 1 file
 * and stays under 25 target files of bytes. Returns 1 with *out a new
 * running compaction (free with avila_lsm_compaction_free), 0 when none
 * is due or every due one conflicts (*out NULL), or AVILA_ENOMEM.
 */
int avila_lsm_vset_pick_compaction(struct avila_lsm_vset *vs, struct avila_lsm_compaction **out);

/*
 * A manual compaction of the user keys [begin, end] (NULL: unbounded) at
 * level (0 .. AVILA_LSM_LEVELS - 2). Returns 1 with *out, 0 when the level
 * has no file in the range, AVILA_ESTATE when it would conflict with a
 * running compaction (the caller waits for those first), AVILA_EINVAL,
 * AVILA_ENOMEM.
 */
int avila_lsm_vset_compact_range(struct avila_lsm_vset *vs, int level,
                                 const struct avila_slice *begin, const struct avila_slice *end,
                                 struct avila_lsm_compaction **out);

/*
 * The smallest first_output of the running compactions that set one, or
 * 0: table files numbered from there on may be outputs in progress.
 */
uint64_t avila_lsm_vset_pending_outputs(const struct avila_lsm_vset *vs);

/* Ends the compaction's run (its inputs unmarked), drops its ref on its version, frees it.
 * c may be NULL. */
void avila_lsm_compaction_free(struct avila_lsm_compaction *c);

/*
 * True if the compaction can move its one input file down a level without
 * rewriting it: one file at level, none overlapping at level + 1, and at
 * most max_grandparent_overlap bytes of level + 2 overlapping it.
 */
bool avila_lsm_compaction_is_trivial_move(const struct avila_lsm_compaction *c);

/* For a trivial move: adds the input file at level + 1 to edit. Returns 0 or AVILA_ENOMEM. */
int avila_lsm_compaction_trivial_move(struct avila_lsm_compaction *c);

/*
 * Called with each internal key the compaction writes, in order: true if
 * the current output file should end before ikey (the output so far
 * overlaps more than max_grandparent_overlap bytes of level + 2).
 */
bool avila_lsm_compaction_should_stop_before(struct avila_lsm_compaction *c,
                                             struct avila_slice ikey);

/*
 * Called with user keys in ascending order: true if no level below the
 * output level holds a file whose range has user_key, so a tombstone for
 * it (older than every snapshot) may be dropped.
 */
bool avila_lsm_compaction_is_bottom_for_key(struct avila_lsm_compaction *c,
                                            struct avila_slice user_key);

/* Adds an output file (at level + 1) to the compaction's edit. Errors as avila_lsm_edit_add_file.
 */
int avila_lsm_compaction_add_output(struct avila_lsm_compaction *c, uint64_t number, uint64_t size,
                                    struct avila_slice smallest, struct avila_slice largest,
                                    uint64_t smallest_seq, uint64_t largest_seq);

/* Total bytes of a file list. */
uint64_t avila_lsm_file_vec_bytes(const struct avila_lsm_file_vec *fv);

#endif

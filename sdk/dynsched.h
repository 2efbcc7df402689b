/* dynsched.h — the module SDK: what a module may call and how it declares itself.
 *
 * A module is a relocatable ELF object (built with dynsched_add_module() from
 * dynsched_module.cmake). It reaches the kernel only through the functions
 * below, which the kernel exports by name; anything else it needs must come
 * from another module's exports. C and C++ alike.
 *
 * Two run models:
 *   - a job (run to completion): `entry` runs once per release and returns;
 *     the mission gives it an interval (seed 001's recurring task) or makes
 *     it a onetime task;
 *   - a loop: `entry` never returns; it yields, sleeps or waits (seed 002).
 *
 * Every module declares exactly one descriptor with DYN_MODULE(...).
 *
 * State: the kernel allocates `state_size` bytes for the task and hands them
 * to every call of `entry`. They are zero-filled before the first run; at a
 * boot from the store they hold the last checkpoint (or zeros, if the
 * module could not take it); in a live update the new version's state is
 * zero-filled, then filled by its restore hook (or by a copy): see
 * "Checkpoint and restore" below. A job keeps what it needs from one run to
 * the next there, not in static variables: statics are not checkpointed.
 *
 * A library module (entry = NULL) runs no task: it exports functions
 * (DYN_EXPORT) that other modules import by name; the loader links the
 * importers to it, and a live update of it relinks them.
 */
#ifndef DYNSCHED_H
#define DYNSCHED_H

#include <stddef.h>
#include <stdint.h>
#include <string.h> /* the C library subset the kernel exports: see below */

#ifdef __cplusplus
extern "C" {
#endif

typedef int64_t dyn_time_t; /* microseconds of mission time */

#define DYN_US(x) ((dyn_time_t)(x))
#define DYN_MS(x) ((dyn_time_t)(x) * 1000)
#define DYN_S(x) ((dyn_time_t)(x) * 1000000)

/* ---- kernel API --------------------------------------------------------- */

void dyn_yield(void);                     /* give the CPU to the next ready task */
void dyn_sleep(dyn_time_t duration);      /* block for at least `duration` */
void dyn_busy(dyn_time_t duration);       /* use `duration` of CPU (simulated work on the host) */
dyn_time_t dyn_now(void);                 /* mission time */

/* A consistent point: the task has no external dependency and no transaction
 * in flight (seed 000, step 3). A live update waiting for this task happens
 * here: the state is checkpointed, the new version restores it, and this call
 * does not return — the new version starts from its entry. If no update
 * waits, or the new version refused the state, it returns at once. Every
 * return of a job's entry is a consistent point too. */
void dyn_checkpoint(void);

/* Notifications (seed 003): 24-bit message, 8-bit repeat count. A task driven
 * by a scenario is woken only by the meta-scheduler; a notification sent to it
 * between its runs waits, as a message, for its next run. */
int dyn_notify_wait(dyn_time_t timeout, uint32_t* message, uint8_t* repeats); /* 1 if one arrived; timeout < 0: forever */
int dyn_notify_send(const char* task, uint32_t message, uint8_t repeats);     /* 0 on success, -1 no such task / bad value */

/* The settings of the scenario (seed 003) that drives the calling task: read
 * only, and only its own; ground commands change them, and a call sees the
 * settings in force. Returns 0 with *out filled, or -1 if the calling task is
 * not driven by a scenario. */
struct dyn_scenario {
  uint32_t id;             /* sent as the wake message (24 bits) */
  uint8_t week_mask;       /* bit 0 = Monday .. bit 6 = Sunday */
  uint8_t hour_start;      /* window [hour_start, hour_end); start > end wraps midnight */
  uint8_t hour_end;
  uint8_t repeats;         /* 0 = once per window; n = every 60 min / n, at least 5 min */
  uint8_t priority;        /* 0 off, 1 when free, 3 always */
  uint8_t report;          /* 0 off, 1 pad, 2 force pad, 3 force */
  uint8_t budget_percent;  /* share of the power budget one run takes */
  uint8_t power;           /* DYN_POWER_* flags */
};
#define DYN_POWER_BATTERY 0x01  /* may run on battery */
#define DYN_POWER_SOLAR 0x02    /* may run while the array produces */
#define DYN_POWER_CHARGING 0x04 /* may run while the battery charges */
#define DYN_POWER_MUTEX 0x08    /* needs the battery mutex */
#define DYN_POWER_OVERRIDE 0x10 /* critical: runs even when the battery is almost drained */
int dyn_scenario_settings(struct dyn_scenario* out);

/* Logging: severity 0 = debug, 1 = info, 2 = warning, 3 = error.
 * A message is at most DYN_LOG_LINE_MAX bytes; a longer one is cut and ends
 * in " [cut]". The console shows it whole; the log store (seed 003's logger,
 * 48-byte entries) keeps it whole too: a message longer than 48 bytes is
 * stored as several entries that `dynsched log` prints as one line. */
#define DYN_LOG_LINE_MAX 255
void dyn_log(int severity, const char* message);
/* The same, formatted like snprintf (the conversions listed under "format"
 * below), e.g. dyn_logf(1, "sun angle %d.%03d deg", mdeg / 1000, mdeg % 1000).
 * A format the runtime cannot print logs nothing. */
void dyn_logf(int severity, const char* format, ...) __attribute__((format(printf, 2, 3)));

/* Per-task heap: every block is tracked by the task register and returned
 * when the task is unloaded or replaced, even if the module forgets. */
void* dyn_malloc(size_t size);
void dyn_free(void* block);

/* The C library a module gets, through the C library's own headers
 * (docs/modules.md, "The C library a module gets"):
 *   memory   malloc calloc realloc free aligned_alloc posix_memalign strdup
 *            strndup: the task's own heap (dyn_malloc), 16-byte aligned (a
 *            larger alignment is refused), every block returned with the task
 *   stop     abort, assert (__assert_fail / __assert_func): the task is
 *            stopped with an Aborted fault record, the rest runs on
 *   C++      operator new/delete (scalar, array, sized) over the task's heap
 *            (no memory: an Aborted fault), __cxa_pure_virtual (Aborted)
 *   format   snprintf vsnprintf sprintf vsprintf: d i u x X o c s p n % with
 *            flags, width, precision and hh h l ll z t j; f e g (and F E G)
 *            exact, rounded to nearest-even, as glibc prints them (precision
 *            at most 500); no locale
 *   sort     qsort (heapsort: in place, no allocation) bsearch
 *   time     clock_gettime (every clock reads mission time) time; clock is
 *            the task's own CPU time
 *   string   memcpy memmove memset memcmp memchr strlen strnlen strcmp
 *            strncmp strcasecmp strncasecmp strchr strrchr strstr strpbrk
 *            strspn strcspn strcpy strncpy strcat strncat
 *   convert  strtol strtoul strtoll strtoull atoi atol atoll abs labs llabs;
 *            strtod atof (the runtime's own: decimal and hexadecimal, inf,
 *            nan, correctly rounded like glibc's, no allocation)
 *   ctype    isalnum isalpha isblank iscntrl isdigit isgraph islower isprint
 *            ispunct isspace isupper isxdigit tolower toupper (and, on the
 *            host, glibc's __ctype_b_loc / __ctype_tolower_loc /
 *            __ctype_toupper_loc that its <ctype.h> macros read)
 * Refused (a module that calls one is refused at load, naming it): stdio
 * streams and printf, the environment (getenv), exit, signals, threads,
 * locale, rand/srand, strtok (state shared by every task), strtof, errno
 * (__errno_location: one per thread, shared by every task), and everything
 * else not listed. */

/* ---- module descriptor -------------------------------------------------- */

/* Checkpoint and restore (live update, and a boot from the store).
 *
 * At a consistent point of the running version (old), the runtime asks it
 * for its state, then hands that to the new version:
 *
 *   1. old's checkpoint hook writes its state to `out`, at most `capacity`
 *      bytes (the old state_size + 1024), and returns the length, or -1 to
 *      refuse (the update is aborted; old goes on). Without a hook, the
 *      state's bytes are taken as they are (length = old state_size).
 *   2. The runtime seals those bytes into a checkpoint: its own 60-byte
 *      header (module name, version, the writer's state_schema, length,
 *      CRC) before them. Hooks never see the header.
 *   3. new's state is zero-filled, then its restore hook is called with
 *      exactly the bytes of step 1 (`in`, `length`) and `from_schema` = the
 *      writer's state_schema (its version unless DYN_MODULE_SCHEMA named
 *      one; a hook-less writer passes its schema too). It may transform any
 *      layout it knows and returns 0, or -1 to refuse (the update rolls
 *      back; old goes on, its state untouched). Without a restore hook, the
 *      bytes are copied only if from_schema is new's state_schema and the
 *      length is new's state_size; otherwise the update is not swapped
 *      ("the old state (schema 1, 48 B) is not of its schema 2 and size 88 B").
 *
 * The same checkpoint is stored and restored at the next boot the same way.
 * A minimal v1 -> v2 transformation (v2 adds a field):
 *
 *   struct state_v1 { uint32_t samples; int32_t angle; };
 *   struct state    { uint32_t samples; int32_t angle; int32_t max_angle; };
 *   static int32_t restore(void* s, const void* in, uint32_t length, uint32_t from_schema) {
 *     struct state* st = s;
 *     if (from_schema == 1 && length == sizeof(struct state_v1)) {
 *       const struct state_v1* old = in;
 *       st->samples = old->samples;
 *       st->angle = st->max_angle = old->angle;
 *       return 0;
 *     }
 *     if (from_schema == 2 && length == sizeof *st) { memcpy(st, in, length); return 0; }
 *     return -1;  // a layout this version does not know
 *   }
 *   DYN_MODULE(sun_sensor, 2, run, sizeof(struct state), NULL, restore);
 *
 * Hooks run in the task's own context, never the kernel's, with a CPU budget
 * of 100 ms for the old checkpoint hook, the new version's constructors and
 * its restore hook together (the task's watchdog, if shorter). One that
 * hangs, faults or blocks is stopped: a stopped checkpoint hook aborts the
 * update (the old version goes on), a stopped constructor or restore hook
 * rolls it back. */

/* Turns the module's state into checkpoint bytes: writes at most `capacity`
 * bytes to `out`, returns the length or -1. */
typedef int32_t (*dyn_checkpoint_fn)(const void* state, void* out, uint32_t capacity);
/* Restores state from checkpoint bytes whose state layout is `from_schema`
 * (the writer's state_schema: by default its version); it may transform any
 * older layout it knows. Returns 0, or -1 to refuse (the update then rolls back). */
typedef int32_t (*dyn_restore_fn)(void* state, const void* in, uint32_t length, uint32_t from_schema);

struct dyn_module {
  uint32_t magic;      /* DYN_MODULE_MAGIC */
  uint32_t abi;        /* DYN_MODULE_ABI */
  const char* name;    /* at most 31 bytes, no control characters; a new version must keep it (a rename is said in the [[update]]) */
  uint32_t version;
  uint32_t state_size; /* bytes of state the kernel allocates and hands to entry */
  void (*entry)(void* state);
  dyn_checkpoint_fn checkpoint; /* may be NULL: state is copied as is */
  dyn_restore_fn restore;       /* may be NULL: state is copied as is if the size matches */
  uint32_t state_schema;        /* layout of the state; versions that keep the layout keep the schema */
};

#define DYN_MODULE_MAGIC 0x4d4e5944u /* "DYNM" */
#define DYN_MODULE_ABI 2u

/* C++ gives a namespace-scope const internal linkage: the descriptor must be
 * extern "C" to be found by name. */
#ifdef __cplusplus
#define DYN_MODULE_LINKAGE extern "C"
#else
#define DYN_MODULE_LINKAGE
#endif

/* DYN_MODULE(name, version, entry, state_size, checkpoint, restore): the state
 * schema is the version. DYN_MODULE_SCHEMA(..., schema) names it explicitly,
 * for a version that changes the code but keeps the state layout. A module
 * without a restore hook takes a checkpoint (at boot, or in a live update)
 * only as a plain copy of a state of its own schema and size; any other
 * state needs a restore hook, which is told the writer's schema. */
#define DYN_MODULE(NAME, VERSION, ENTRY, STATE_SIZE, CHECKPOINT, RESTORE) \
  DYN_MODULE_SCHEMA(NAME, VERSION, ENTRY, STATE_SIZE, CHECKPOINT, RESTORE, VERSION)
#define DYN_MODULE_SCHEMA(NAME, VERSION, ENTRY, STATE_SIZE, CHECKPOINT, RESTORE, SCHEMA)                      \
  DYN_MODULE_LINKAGE const struct dyn_module dyn_module_descriptor = {                                      \
      DYN_MODULE_MAGIC, DYN_MODULE_ABI,  #NAME,     (VERSION), (uint32_t)(STATE_SIZE), (ENTRY), (CHECKPOINT), \
      (RESTORE),        (uint32_t)(SCHEMA)}

/* Marks a function or object as exported to other modules. The SDK builds
 * modules with -fvisibility=hidden: only what is marked (or has default
 * visibility some other way) is exported; every other symbol is the
 * module's own, invisible to other modules. An object built without the SDK
 * exports what its ELF visibility says (default and protected symbols). */
#define DYN_EXPORT __attribute__((visibility("default")))

#ifdef __cplusplus
}
#endif

#endif /* DYNSCHED_H */

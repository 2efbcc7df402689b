/* image_runtime.c — the other side of the comparison in bench/delta_sizes.sh:
 * the same module code statically linked into one whole image, as a
 * firmware without a loader would ship it. This file stands in for the
 * kernel: the dynsched.h API as plain functions, a main that runs the
 * image's modules in order and, on Cortex-M3, the vector table and reset
 * handler. Like the kernel, it holds the whole C library subset a module may
 * call (dynsched.h lists it), used or not: the kernel exports it by name, so
 * a firmware built around the same runtime would carry it too. The image is
 * linked, never run: what counts is the bytes a change moves.
 *
 * The script renames each module's descriptor (dyn_module_descriptor) to
 * dyn_image_module_<n> with objcopy, so several modules fit in one image. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#if defined(__arm__)
#include <malloc.h> /* memalign: newlib-nano has no posix_memalign, nor an aligned_alloc that links */
#endif

#include "dynsched.h"

#define IMAGE_MODULES_MAX 4
extern const struct dyn_module dyn_image_module_0 __attribute__((weak));
extern const struct dyn_module dyn_image_module_1 __attribute__((weak));
extern const struct dyn_module dyn_image_module_2 __attribute__((weak));
extern const struct dyn_module dyn_image_module_3 __attribute__((weak));

static volatile dyn_time_t image_time;     /* mission time, advanced by sleeps and busy work */
static char image_log[2048];               /* the last log lines, for a debugger or a downlink */
static size_t image_log_at;

void dyn_yield(void) {}
void dyn_sleep(dyn_time_t duration) { image_time += duration; }
void dyn_busy(dyn_time_t duration) { image_time += duration; }
dyn_time_t dyn_now(void) { return image_time; }
void dyn_checkpoint(void) {}

int dyn_notify_wait(dyn_time_t timeout, uint32_t* message, uint8_t* repeats) {
  (void)message, (void)repeats;
  if (timeout > 0) image_time += timeout;
  return 0;
}

int dyn_notify_send(const char* task, uint32_t message, uint8_t repeats) {
  (void)task, (void)message, (void)repeats;
  return -1;
}

int dyn_scenario_settings(struct dyn_scenario* out) {
  (void)out;
  return -1;
}

void dyn_log(int severity, const char* message) {
  size_t length = strnlen(message, DYN_LOG_LINE_MAX);
  if (length + 3 > sizeof image_log) return;
  if (image_log_at + length + 3 > sizeof image_log) image_log_at = 0;
  image_log[image_log_at++] = (char)('0' + (severity & 3));
  image_log[image_log_at++] = ' ';
  memcpy(image_log + image_log_at, message, length);
  image_log_at += length;
  image_log[image_log_at++] = '\n';
}

void dyn_logf(int severity, const char* format, ...) {
  char line[DYN_LOG_LINE_MAX + 1];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (n >= 0) dyn_log(severity, line);
}

void* dyn_malloc(size_t size) { return malloc(size); }
void dyn_free(void* block) { free(block); }

/* C++ modules with abstract classes may reference it from a vtable. */
__attribute__((weak)) void __cxa_pure_virtual(void) { abort(); }

/* What the kernel exports besides its own API (dynsched.h, "The C library a
 * module gets"), minus the clocks: every entry is kept in the image. */
typedef void (*image_function)(void);
#define F(name) (image_function)(name)
#if defined(__arm__)
#define ALIGNED_ALLOCATORS F(memalign)
#else
#define ALIGNED_ALLOCATORS F(aligned_alloc), F(posix_memalign)
#endif
static const image_function image_exports[] = {
    F(malloc),  F(calloc),      F(realloc),     F(free),      ALIGNED_ALLOCATORS, F(strdup),
    F(strndup), F(abort),       F(snprintf),    F(vsnprintf), F(sprintf),       F(vsprintf),       F(qsort),
    F(bsearch), F(memcpy),      F(memmove),     F(memset),    F(memcmp),        F(memchr),         F(strlen),
    F(strnlen), F(strcmp),      F(strncmp),     F(strcasecmp), F(strncasecmp),  F(strchr),         F(strrchr),
    F(strstr),  F(strpbrk),     F(strspn),      F(strcspn),   F(strcpy),        F(strncpy),        F(strcat),
    F(strncat), F(strtol),      F(strtoul),     F(strtoll),   F(strtoull),      F(atoi),           F(atol),
    F(atoll),   F(abs),         F(labs),        F(llabs),     F(strtod),        F(atof),           F(isalnum),
    F(isalpha), F(isblank),     F(iscntrl),     F(isdigit),   F(isgraph),       F(islower),        F(isprint),
    F(ispunct), F(isspace),     F(isupper),     F(isxdigit),  F(tolower),       F(toupper),        F(dyn_yield),
    F(dyn_sleep), F(dyn_busy),  F(dyn_now),     F(dyn_checkpoint), F(dyn_notify_wait), F(dyn_notify_send),
    F(dyn_scenario_settings), F(dyn_log), F(dyn_logf), F(dyn_malloc), F(dyn_free)};
#undef ALIGNED_ALLOCATORS
#undef F
/* Read through a volatile pointer, so the linker keeps every entry. */
const image_function* volatile image_export_table = image_exports;

int main(void) {
  if (image_export_table[0] == NULL) return 1;
  const struct dyn_module* const modules[IMAGE_MODULES_MAX] = {&dyn_image_module_0, &dyn_image_module_1,
                                                               &dyn_image_module_2, &dyn_image_module_3};
  for (int i = 0; i < IMAGE_MODULES_MAX; i++) {
    const struct dyn_module* m = modules[i];
    if (m == NULL || m->entry == NULL) continue; /* absent, or a library module */
    void* state = calloc(1, m->state_size ? m->state_size : 1);
    m->entry(state); /* a job returns; a loop module runs from here on */
    free(state);
  }
  return 0;
}

#if defined(__arm__)
/* Cortex-M3: the reset handler sets up C (data from flash, zeroed bss,
 * constructors: a C++ module's .init_array) and calls main. */
extern uint32_t image_data_load[], image_data_start[], image_data_end[], image_bss_start[], image_bss_end[];
extern uint32_t image_stack_top[];
extern void __libc_init_array(void);

void image_reset(void) {
  for (uint32_t *from = image_data_load, *to = image_data_start; to < image_data_end;) *to++ = *from++;
  for (uint32_t* to = image_bss_start; to < image_bss_end;) *to++ = 0;
  __libc_init_array();
  main();
  for (;;) {
  }
}

static void image_fault(void) {
  for (;;) {
  }
}

/* Stack top, reset, then NMI .. SysTick and 16 external interrupts. */
__attribute__((section(".vectors"), used)) static void (*const image_vectors[32])(void) = {
    (void (*)(void))image_stack_top, image_reset, image_fault, image_fault, image_fault, image_fault,
    image_fault, 0, 0, 0, 0, image_fault, image_fault, 0, image_fault, image_fault,
    image_fault, image_fault, image_fault, image_fault, image_fault, image_fault, image_fault, image_fault,
    image_fault, image_fault, image_fault, image_fault, image_fault, image_fault, image_fault, image_fault};

/* newlib's start-up calls these when there is no crt0; nothing to do here. */
void _init(void) {}
void _fini(void) {}
#endif

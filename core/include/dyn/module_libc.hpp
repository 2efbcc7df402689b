// module_libc.hpp — the C runtime the kernel gives modules (module_libc.cpp).
//
// These are exported to modules under their C names (malloc, snprintf, ...;
// the table is kernel_exports(), kernel_api.cpp); inside the kernel they
// carry a dyn_libc_ prefix so they never stand in for the kernel's own C
// library. docs/modules.md lists what exists and what is refused.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdint>

namespace dyn {
// What clock() counts per second, as the C library modules are compiled against defines it.
#if defined(__GLIBC__)
inline constexpr std::int64_t kLibcClocksPerSecond = 1000000;
#else
inline constexpr std::int64_t kLibcClocksPerSecond = 1000;  // newlib's CLOCKS_PER_SEC
#endif
}  // namespace dyn

extern "C" {
void* dyn_libc_malloc(std::size_t size);
void dyn_libc_free(void* block);
void* dyn_libc_calloc(std::size_t count, std::size_t size);
void* dyn_libc_realloc(void* block, std::size_t size);
void* dyn_libc_aligned_alloc(std::size_t alignment, std::size_t size);
int dyn_libc_posix_memalign(void** out, std::size_t alignment, std::size_t size);
std::size_t dyn_libc_strnlen(const char* text, std::size_t limit);
void* dyn_libc_memchr(const void* bytes, int value, std::size_t n);
char* dyn_libc_strchr(const char* text, int c);
char* dyn_libc_strrchr(const char* text, int c);
char* dyn_libc_strstr(const char* text, const char* part);
char* dyn_libc_strpbrk(const char* text, const char* set);
int dyn_libc_strcasecmp(const char* a, const char* b);
int dyn_libc_strncasecmp(const char* a, const char* b, std::size_t n);
char* dyn_libc_strdup(const char* text);
char* dyn_libc_strndup(const char* text, std::size_t limit);
[[noreturn]] void dyn_libc_abort(void);
[[noreturn]] void dyn_libc_assert_fail(const char* assertion, const char* file, unsigned line, const char* function);
// The same, naming `caller` as where the task stopped (a wrapper's caller).
[[noreturn]] void dyn_libc_assert_fail_from(const char* assertion, const char* file, unsigned line,
                                            const char* function, void* caller);
[[noreturn]] void dyn_libc_assert_func(const char* file, int line, const char* function, const char* assertion);
int dyn_libc_snprintf(char* out, std::size_t room, const char* fmt, ...);
int dyn_libc_vsnprintf(char* out, std::size_t room, const char* fmt, va_list args);
int dyn_libc_sprintf(char* out, const char* fmt, ...);
int dyn_libc_vsprintf(char* out, const char* fmt, va_list args);
double dyn_libc_strtod(const char* text, char** end);
double dyn_libc_atof(const char* text);
long dyn_libc_strtol(const char* text, char** end, int base);
long long dyn_libc_strtoll(const char* text, char** end, int base);
unsigned long dyn_libc_strtoul(const char* text, char** end, int base);
unsigned long long dyn_libc_strtoull(const char* text, char** end, int base);
int dyn_libc_atoi(const char* text);
long dyn_libc_atol(const char* text);
long long dyn_libc_atoll(const char* text);
int dyn_libc_isalnum(int c);
int dyn_libc_isalpha(int c);
int dyn_libc_isblank(int c);
int dyn_libc_iscntrl(int c);
int dyn_libc_isdigit(int c);
int dyn_libc_isgraph(int c);
int dyn_libc_islower(int c);
int dyn_libc_isprint(int c);
int dyn_libc_ispunct(int c);
int dyn_libc_isspace(int c);
int dyn_libc_isupper(int c);
int dyn_libc_isxdigit(int c);
int dyn_libc_tolower(int c);
int dyn_libc_toupper(int c);
void* dyn_libc_operator_new(std::size_t size);
void dyn_libc_operator_delete(void* block);
void dyn_libc_operator_delete_sized(void* block, std::size_t size);
[[noreturn]] void dyn_libc_pure_virtual(void);
void dyn_libc_qsort(void* base, std::size_t count, std::size_t size, int (*compare)(const void*, const void*));
void* dyn_libc_bsearch(const void* key, const void* base, std::size_t count, std::size_t size,
                       int (*compare)(const void*, const void*));
struct dyn_libc_timespec {  // struct timespec of both C libraries: a 64-bit time_t, then long
  std::int64_t tv_sec;
  long tv_nsec;
};
int dyn_libc_clock_gettime(int clock, struct dyn_libc_timespec* out);
std::int64_t dyn_libc_time(std::int64_t* out);
long dyn_libc_clock(void);
}

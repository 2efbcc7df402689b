/* mathlib — a library module: exports checksum and integer-math routines to
 * other modules (beacon, attitude), and as a job re-checks them against known
 * answers, so a corrupted upload shows up in the log instead of in a frame. */
#include "mathlib.h"

#include "dynsched.h"

/* One source, three versions (live update of a module others import from):
 *   1  the original;
 *   2  the same results, and it counts CRC calls in an exported variable,
 *      so a test can see importers reach the new code after a relink;
 *   3  renames mathlib_crc16 (an export importers use disappears: such an
 *      update is refused);
 *   4  version 2 whose self-test hangs (its watchdog stops it during
 *      probation; the update rolls back and importers are relinked to the
 *      version before). */
#ifndef MATHLIB_VERSION
#define MATHLIB_VERSION 1
#endif

#if MATHLIB_VERSION == 2 || MATHLIB_VERSION == 4
DYN_EXPORT uint32_t mathlib_crc_calls;
#endif

#if MATHLIB_VERSION == 3
#define mathlib_crc16 mathlib_crc16_ccitt
#endif

/* Bit by bit instead of a 512-byte table: the module is uplinked, and a
 * beacon frame is a few dozen bytes. */
DYN_EXPORT uint16_t mathlib_crc16(const void* data, size_t length) {
#if MATHLIB_VERSION == 2 || MATHLIB_VERSION == 4
  mathlib_crc_calls++;
#endif
  const uint8_t* bytes = (const uint8_t*)data;
  uint16_t crc = 0xFFFFu;
  for (size_t i = 0; i < length; i++) {
    crc = (uint16_t)(crc ^ (uint16_t)(bytes[i] << 8));
    for (int bit = 0; bit < 8; bit++) {
      crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
  }
  return crc;
}

/* Digit-by-digit square root: shifts and adds only, so the Cortex-M3 build
 * needs no libgcc helper. */
DYN_EXPORT uint32_t mathlib_isqrt(uint32_t value) {
  uint32_t root = 0;
  uint32_t bit = 1u << 30;
  while (bit > value) {
    bit >>= 2;
  }
  while (bit != 0) {
    if (value >= root + bit) {
      value -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return root;
}

struct mathlib_state {
  uint32_t runs;
  uint32_t failures;
};

static void mathlib_self_test(void* state) {
  struct mathlib_state* self = (struct mathlib_state*)state;
#if MATHLIB_VERSION == 4
  for (volatile uint32_t spin = 0;; spin = spin + 1) {
  } /* the bug: never returns */
#endif
  static const char check_input[] = "123456789";
  int ok = mathlib_crc16(check_input, sizeof check_input - 1) == 0x29B1u;
  ok = ok && mathlib_isqrt(0) == 0 && mathlib_isqrt(15) == 3 && mathlib_isqrt(16) == 4;
  ok = ok && mathlib_isqrt(0xFFFFFFFFu) == 0xFFFFu;
  self->runs++;
  if (!ok) {
    self->failures++;
    dyn_log(3, "mathlib: self-test failed: known answers differ (corrupted upload?)");
  } else if (self->runs == 1) {
    dyn_log(1, "mathlib: self-test passed");
  }
}

/* Every version keeps version 1's state layout, so every one declares schema 1:
 * without hooks, state is carried over only between versions of one schema. */
DYN_MODULE_SCHEMA(mathlib, MATHLIB_VERSION, mathlib_self_test, sizeof(struct mathlib_state), NULL, NULL, 1);

/* mathlib.h — the functions the mathlib module exports to other modules.
 *
 * A module that includes this header imports these symbols; the loader
 * resolves them against the loaded mathlib module, so mathlib must be loaded
 * first and cannot be unloaded while an importer is loaded. */
#ifndef MATHLIB_H
#define MATHLIB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor):
 * the check value of "123456789" is 0x29B1. */
uint16_t mathlib_crc16(const void* data, size_t length);

/* floor(sqrt(value)), exact for every 32-bit input. */
uint32_t mathlib_isqrt(uint32_t value);

#ifdef __cplusplus
}
#endif

#endif /* MATHLIB_H */

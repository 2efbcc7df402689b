/* beacon — a job module: each release builds the next beacon frame in its
 * state, checksums it with mathlib_crc16 (imported from the mathlib module),
 * spends 2 ms "keying the transmitter" and logs the frame in hex.
 *
 * Frame layout (big-endian): callsign[6] | sequence u32 | mission time u64 (µs)
 * | CRC-16/CCITT-FALSE u16 over everything before it. */
#include "dynsched.h"
#include "mathlib.h"

/* One source, several versions (live update demos and tests):
 *   1  the original;
 *   2  a new state layout (adds an update counter before the frame) with
 *      checkpoint/restore hooks that also read version 1's raw state;
 *   3  version 2 with a bug: its second run never returns (the watchdog stops
 *      it; the update rolls back to the version before);
 *   4  refuses every state it is offered (the update rolls back at once). */
#ifndef BEACON_VERSION
#define BEACON_VERSION 1
#endif

enum {
  BEACON_CALLSIGN_LENGTH = 6,
  BEACON_FRAME_LENGTH = BEACON_CALLSIGN_LENGTH + 4 + 8 + 2,
};

/* Invariant: `frame` always holds the last complete frame (CRC included), so
 * a live update may resend it as is. */
#if BEACON_VERSION == 1
struct beacon_state {
  uint32_t sequence;
  uint8_t frame[BEACON_FRAME_LENGTH];
};
#else
struct beacon_state {
  uint32_t sequence;
  uint32_t updates_survived; /* new in version 2: counts live updates */
  uint32_t runs_this_version;
  uint8_t frame[BEACON_FRAME_LENGTH];
};

/* Version 1 had no hooks: its checkpoint is its raw state. */
struct beacon_state_v1 {
  uint32_t sequence;
  uint8_t frame[BEACON_FRAME_LENGTH];
};

/* The checkpoint format of versions >= 2: the fields that matter, in order. */
static int32_t beacon_checkpoint(const void* state, void* out, uint32_t capacity) {
  const struct beacon_state* self = (const struct beacon_state*)state;
  if (capacity < 8 + BEACON_FRAME_LENGTH) return -1;
  memcpy(out, &self->sequence, 4);
  memcpy((uint8_t*)out + 4, &self->updates_survived, 4);
  memcpy((uint8_t*)out + 8, self->frame, BEACON_FRAME_LENGTH);
  return 8 + BEACON_FRAME_LENGTH;
}

static int32_t beacon_restore(void* state, const void* in, uint32_t length, uint32_t from_schema) {
  struct beacon_state* self = (struct beacon_state*)state;
#if BEACON_VERSION == 4
  (void)self, (void)in, (void)length, (void)from_schema;
  return -1; /* this version cannot read any state */
#else
  if (from_schema == 1 && length == sizeof(struct beacon_state_v1)) {
    const struct beacon_state_v1* old = (const struct beacon_state_v1*)in;
    self->sequence = old->sequence; /* code_change: the v1 layout, transformed */
    memcpy(self->frame, old->frame, BEACON_FRAME_LENGTH);
    self->updates_survived = 1;
  } else if (from_schema >= 2 && length == 8 + BEACON_FRAME_LENGTH) {
    memcpy(&self->sequence, in, 4);
    memcpy(&self->updates_survived, (const uint8_t*)in + 4, 4);
    memcpy(self->frame, (const uint8_t*)in + 8, BEACON_FRAME_LENGTH);
    self->updates_survived++;
  } else {
    return -1; /* a layout this version does not know */
  }
  self->runs_this_version = 0;
  return 0;
#endif
}
#endif

static const char beacon_callsign[BEACON_CALLSIGN_LENGTH + 1] = "DYNSAT";
static const char beacon_log_prefix[] = "beacon: frame ";
static const char beacon_hex_digits[] = "0123456789abcdef";

static uint8_t* put_be(uint8_t* out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) {
    *out++ = (uint8_t)(value >> (8 * i));
  }
  return out;
}

static void beacon_log_frame(const uint8_t* frame) {
  size_t prefix_length = sizeof beacon_log_prefix - 1;
  /* From the task's heap, not the stack: the kernel returns the block even if
   * the task is killed mid-release. */
  char* text = (char*)dyn_malloc(prefix_length + 2 * BEACON_FRAME_LENGTH + 1);
  if (text == NULL) {
    dyn_log(2, "beacon: no heap for the frame log; frame sent but not logged");
    return;
  }
  memcpy(text, beacon_log_prefix, prefix_length);
  char* out = text + prefix_length;
  for (int i = 0; i < BEACON_FRAME_LENGTH; i++) {
    *out++ = beacon_hex_digits[frame[i] >> 4];
    *out++ = beacon_hex_digits[frame[i] & 0x0F];
  }
  *out = '\0';
  dyn_log(1, text);
  dyn_free(text);
}

static void beacon_release(void* state) {
  struct beacon_state* self = (struct beacon_state*)state;
#if BEACON_VERSION >= 2
  self->runs_this_version++;
#endif
#if BEACON_VERSION == 3
  if (self->runs_this_version == 2) {
    for (volatile uint32_t spin = 0;; spin = spin + 1) {
    } /* the bug: never returns */
  }
#endif
  uint8_t* out = self->frame;
  memcpy(out, beacon_callsign, BEACON_CALLSIGN_LENGTH);
  out += BEACON_CALLSIGN_LENGTH;
  out = put_be(out, ++self->sequence, 4);
  out = put_be(out, (uint64_t)dyn_now(), 8);
  uint16_t crc = mathlib_crc16(self->frame, (size_t)(out - self->frame));
  put_be(out, crc, 2);

  dyn_busy(DYN_MS(2)); /* the transmitter's key-up time */
  beacon_log_frame(self->frame);
}

#if BEACON_VERSION == 1
DYN_MODULE(beacon, 1, beacon_release, sizeof(struct beacon_state), NULL, NULL);
#else
DYN_MODULE(beacon, BEACON_VERSION, beacon_release, sizeof(struct beacon_state), beacon_checkpoint, beacon_restore);
#endif

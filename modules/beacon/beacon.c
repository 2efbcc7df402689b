/* beacon — a job module: each release builds the next beacon frame in its
 * state, checksums it with mathlib_crc16 (imported from the mathlib module),
 * spends 2 ms "keying the transmitter" and logs the frame in hex.
 *
 * Frame layout (big-endian): callsign[6] | sequence u32 | mission time u64 (µs)
 * | CRC-16/CCITT-FALSE u16 over everything before it. */
#include "dynsched.h"
#include "mathlib.h"

enum {
  BEACON_CALLSIGN_LENGTH = 6,
  BEACON_FRAME_LENGTH = BEACON_CALLSIGN_LENGTH + 4 + 8 + 2,
};

/* Invariant: `frame` always holds the last complete frame (CRC included), so
 * a live update may resend it as is. */
struct beacon_state {
  uint32_t sequence;
  uint8_t frame[BEACON_FRAME_LENGTH];
};

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

DYN_MODULE(beacon, 1, beacon_release, sizeof(struct beacon_state), NULL, NULL);

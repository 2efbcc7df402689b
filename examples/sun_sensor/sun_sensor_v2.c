/* sun_sensor_v2.c — version 2 also keeps the highest angle seen: its state
 * grows, and its restore hook turns version 1's state into the new layout. */
#include "dynsched.h"

struct state_v1 { /* version 1's layout (schema 1), as it arrives in the checkpoint */
  uint32_t samples;
  int32_t angle_mdeg;
};

struct state {
  uint32_t samples;
  int32_t angle_mdeg;
  int32_t max_mdeg; /* new in version 2 */
};

static int32_t read_sun_angle_mdeg(void) {
  const dyn_time_t orbit = DYN_S(95 * 60);
  return (int32_t)(dyn_now() % orbit * 360000 / orbit);
}

static void run(void* s) {
  struct state* st = s;
  st->angle_mdeg = read_sun_angle_mdeg();
  if (st->angle_mdeg > st->max_mdeg) st->max_mdeg = st->angle_mdeg;
  st->samples++;
  dyn_logf(1, "sun at %d.%03d deg (max %d.%03d), sample %u", (int)(st->angle_mdeg / 1000),
           (int)(st->angle_mdeg % 1000), (int)(st->max_mdeg / 1000), (int)(st->max_mdeg % 1000), (unsigned)st->samples);
}

/* `in` holds what the old version's checkpoint hook wrote — version 1 has
 * none, so its state as it is — and from_schema is the writer's schema. */
static int32_t restore(void* s, const void* in, uint32_t length, uint32_t from_schema) {
  struct state* st = s; /* zero-filled */
  if (from_schema == 1 && length == sizeof(struct state_v1)) {
    const struct state_v1* old = in;
    st->samples = old->samples;
    st->angle_mdeg = old->angle_mdeg;
    st->max_mdeg = old->angle_mdeg;
    return 0;
  }
  if (from_schema == 2 && length == sizeof *st) { /* our own layout: a reboot, or a reinstall */
    memcpy(st, in, length);
    return 0;
  }
  return -1; /* a layout this version does not know: refuse, the update rolls back */
}

DYN_MODULE(sun_sensor, 2, run, sizeof(struct state), NULL, restore);

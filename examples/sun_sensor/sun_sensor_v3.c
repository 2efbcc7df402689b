/* sun_sensor_v3.c — version 3 averages the last readings, with a bug: once
 * the sun passes 180 degrees its loop never ends. The watchdog stops the
 * run and the update rolls back to version 2, from its checkpoint. */
#include "dynsched.h"

struct state {
  uint32_t samples;
  int32_t angle_mdeg;
  int32_t max_mdeg;
};

static int32_t read_sun_angle_mdeg(void) {
  const dyn_time_t orbit = DYN_S(95 * 60);
  return (int32_t)(dyn_now() % orbit * 360000 / orbit);
}

static void run(void* s) {
  struct state* st = s;
  int32_t sum = 0;
  for (int32_t i = 0; i < 4; i += st->angle_mdeg < 180000 ? 1 : 0) /* the bug */
    sum += read_sun_angle_mdeg();
  st->angle_mdeg = sum / 4;
  if (st->angle_mdeg > st->max_mdeg) st->max_mdeg = st->angle_mdeg;
  st->samples++;
  dyn_logf(1, "sun at %d.%03d deg (averaged), sample %u", (int)(st->angle_mdeg / 1000), (int)(st->angle_mdeg % 1000),
           (unsigned)st->samples);
}

/* The same layout as version 2 (schema 3 would be a new one): copied as it is. */
DYN_MODULE_SCHEMA(sun_sensor, 3, run, sizeof(struct state), NULL, NULL, 2);

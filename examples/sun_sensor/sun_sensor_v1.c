/* sun_sensor_v1.c — reads the coarse sun sensor once a run and logs the sun's angle. */
#include "dynsched.h"

struct state {
  uint32_t samples;   /* readings taken */
  int32_t angle_mdeg; /* the last one, in millidegrees */
};

/* The sensor, simulated: the sun sweeps 360 degrees in a 95-minute orbit. */
static int32_t read_sun_angle_mdeg(void) {
  const dyn_time_t orbit = DYN_S(95 * 60);
  return (int32_t)(dyn_now() % orbit * 360000 / orbit);
}

static void run(void* s) {
  struct state* st = s; /* zero-filled before the first run */
  st->angle_mdeg = read_sun_angle_mdeg();
  st->samples++;
  dyn_logf(1, "sun at %d.%03d deg, sample %u", (int)(st->angle_mdeg / 1000), (int)(st->angle_mdeg % 1000),
           (unsigned)st->samples);
}

DYN_MODULE(sun_sensor, 1, run, sizeof(struct state), NULL, NULL);

/* lz4_check.c — lz4 (block, HC and frame formats) from the python-lz4 sdist. */
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "lz4.h"
#include "lz4frame.h"
#include "lz4hc.h"

enum { kSize = 64 * 1024 };

void corpus_check(void) {
  uint8_t* input = malloc(kSize);
  const int bound = LZ4_compressBound(kSize);
  char* packed = malloc((size_t)bound);
  uint8_t* back = malloc(kSize);
  corpus_input(input, kSize, 7);

  const int n = LZ4_compress_default((const char*)input, packed, kSize, bound);
  const int m = LZ4_decompress_safe(packed, (char*)back, n, kSize);
  REPORT("lz4 block: %d -> %d bytes, fingerprint %08x, round trip %s", kSize, n,
         (unsigned)corpus_fingerprint((const uint8_t*)packed, (size_t)n),
         m == kSize && memcmp(back, input, kSize) == 0 ? "ok" : "FAILED");

  for (int level = 3; level <= 12; level += 9) {
    const int h = LZ4_compress_HC((const char*)input, packed, kSize, bound, level);
    const int hm = LZ4_decompress_safe(packed, (char*)back, h, kSize);
    REPORT("lz4 hc level %d: %d bytes, fingerprint %08x, round trip %s", level, h,
           (unsigned)corpus_fingerprint((const uint8_t*)packed, (size_t)h),
           hm == kSize && memcmp(back, input, kSize) == 0 ? "ok" : "FAILED");
  }

  LZ4F_preferences_t prefs;
  memset(&prefs, 0, sizeof prefs);
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  const size_t frame_bound = LZ4F_compressFrameBound(kSize, &prefs);
  char* frame = malloc(frame_bound);
  const size_t f = LZ4F_compressFrame(frame, frame_bound, input, kSize, &prefs);
  LZ4F_dctx* d = NULL;
  size_t out_size = kSize, in_size = f, status = 1;
  if (!LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION))) {
    status = LZ4F_decompress(d, back, &out_size, frame, &in_size, NULL);
    LZ4F_freeDecompressionContext(d);
  }
  REPORT("lz4 frame: %zu bytes, fingerprint %08x, round trip %s", f,
         (unsigned)corpus_fingerprint((const uint8_t*)frame, f),
         !LZ4F_isError(f) && status == 0 && out_size == kSize && memcmp(back, input, kSize) == 0 ? "ok" : "FAILED");
  free(frame);
  free(back);
  free(packed);
  free(input);
}

CORPUS_MODULE(corpus_lz4);

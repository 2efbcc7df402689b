#!/usr/bin/env python3
"""Writes a C module of about 100 KB of code with about 5 000 relocations, for
the load-and-link benchmark: N functions, each doing some arithmetic and
calling several others (PLT32/PC32), plus a table of function pointers
(R_X86_64_64) and calls into the kernel API (trampolines)."""
import sys

N = int(sys.argv[2]) if len(sys.argv) > 2 else 400
CALLS = 11
out = [
    '#include "dynsched.h"',
    "typedef unsigned (*fn_t)(unsigned);",
]
for i in range(N):
    out.append(f"unsigned big_f{i}(unsigned x);")
for i in range(N):
    body = [f"__attribute__((noinline)) unsigned big_f{i}(unsigned x) {{", "  unsigned acc = x * 2654435761u;"]
    for k in range(CALLS):
        callee = (i * 7 + k * 13 + 1) % N
        body.append(f"  if (acc & {1 << k}u) acc ^= big_f{callee}(acc + {k});")
    body.append("  return acc;")
    body.append("}")
    out.extend(body)
out.append("fn_t const big_table[] = {" + ", ".join(f"big_f{i}" for i in range(N)) + "};")
out.append("static void run(void* s) { (void)s; dyn_log(0, \"big\"); dyn_busy(DYN_US(100)); }")
out.append("DYN_MODULE(big, 1, run, 4, 0, 0);")
open(sys.argv[1], "w").write("\n".join(out) + "\n")

#!/usr/bin/env bash
# Issue 13's benchmarks on the Cortex-M3 (QEMU mps2-an385), deterministic:
# guest instructions per kernel event (-icount shift=0: one instruction per
# virtual nanosecond, which the port's clock reads) and the footprint of the
# linked firmware images (arm-none-eabi-size, -Os, --gc-sections), the kernel
# alone, with all four policies, and the update-capable kernel (tables,
# loader, update manager, store: footprint_update), each split by part.
# Events: cooperative yield (round robin; priority policy, equal
# priorities), preemptive wake, interrupt wake (NVIC STIR,
# post_from_interrupt, PendSV), message; FreeRTOS side by side and the
# profile method: docs/performance.md.
#   bench/qemu_events.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset mps2-an385 >/dev/null
cmake --build --preset mps2-an385 >/dev/null
images=build/mps2-an385/ports/mps2_an385
echo "## instructions per event"
timeout 300 qemu-system-arm -M mps2-an385 -nographic -monitor none -serial stdio \
  -semihosting-config enable=on,target=native -icount shift=0,align=off,sleep=off \
  -kernel "$images/bench_events_mps2_an385.elf" | tr -d '\r'
echo
echo "## footprint (bytes; flash = text + data, RAM = data + bss)"
arm-none-eabi-size "$images"/footprint_kernel_one_policy.elf "$images"/footprint_kernel_all_policies.elf \
  "$images"/footprint_update.elf "$images"/conformance_mps2_an385.elf
for image in footprint_kernel_one_policy footprint_update; do
  echo
  echo "### $image: by part (from its link map)"
  python3 bench/footprint_breakdown.py "$images/$image.map"
done

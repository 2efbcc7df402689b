// compiler_helpers.cpp — the names of the ARM EABI run-time helpers (compiler_helpers.hpp).
#include "dyn/compiler_helpers.hpp"

namespace dyn {

namespace {
// ARM RTABI (IHI 0043) chapters 4.1-4.3, and libgcc's bit routines GCC calls on ARMv7-M.
const char* const kArmHelpers[] = {
    // 64-bit integers
    "__aeabi_lasr", "__aeabi_lcmp", "__aeabi_ldivmod", "__aeabi_llsl", "__aeabi_llsr", "__aeabi_lmul",
    "__aeabi_ulcmp", "__aeabi_uldivmod",
    // 32-bit division (Cortex-M3 divides in hardware; other cores and -Os code may call these)
    "__aeabi_idiv", "__aeabi_idivmod", "__aeabi_uidiv", "__aeabi_uidivmod",
    // double precision
    "__aeabi_cdcmpeq", "__aeabi_cdcmple", "__aeabi_cdrcmple", "__aeabi_d2f", "__aeabi_d2iz", "__aeabi_d2lz",
    "__aeabi_d2uiz", "__aeabi_d2ulz", "__aeabi_dadd", "__aeabi_dcmpeq", "__aeabi_dcmpge", "__aeabi_dcmpgt",
    "__aeabi_dcmple", "__aeabi_dcmplt", "__aeabi_dcmpun", "__aeabi_ddiv", "__aeabi_dmul", "__aeabi_drsub",
    "__aeabi_dsub", "__aeabi_i2d", "__aeabi_l2d", "__aeabi_ui2d", "__aeabi_ul2d",
    // single precision
    "__aeabi_cfcmpeq", "__aeabi_cfcmple", "__aeabi_cfrcmple", "__aeabi_f2d", "__aeabi_f2iz", "__aeabi_f2lz",
    "__aeabi_f2uiz", "__aeabi_f2ulz", "__aeabi_fadd", "__aeabi_fcmpeq", "__aeabi_fcmpge", "__aeabi_fcmpgt",
    "__aeabi_fcmple", "__aeabi_fcmplt", "__aeabi_fcmpun", "__aeabi_fdiv", "__aeabi_fmul", "__aeabi_frsub",
    "__aeabi_fsub", "__aeabi_i2f", "__aeabi_l2f", "__aeabi_ui2f", "__aeabi_ul2f",
    // memory (clang and some GCC builds call the EABI names)
    "__aeabi_memclr", "__aeabi_memclr4", "__aeabi_memclr8", "__aeabi_memcpy", "__aeabi_memcpy4", "__aeabi_memcpy8",
    "__aeabi_memmove", "__aeabi_memmove4", "__aeabi_memmove8", "__aeabi_memset", "__aeabi_memset4", "__aeabi_memset8",
    // bit operations
    "__clzdi2", "__clzsi2", "__ctzdi2", "__ctzsi2", "__ffsdi2", "__popcountdi2", "__popcountsi2",
    "__bswapdi2", "__bswapsi2",
    // newlib's <ctype.h> macros read this table (glibc's read __ctype_b_loc, exported on the host)
    "_ctype_",
};
}  // namespace

std::span<const char* const> arm_compiler_helpers() noexcept { return kArmHelpers; }

}  // namespace dyn

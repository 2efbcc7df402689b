// error_text.hpp — the text of an error code: on the host and the ground, a
// sentence that says what went wrong and what to do; in a terse flight
// build (CMake DYN_TERSE_ERRORS, on in the mps2-an385 preset) only the
// code's name, which the ground reads up in the enum's header, where each
// code says the same (kilobytes of sentences a spacecraft never shows
// anyone stay on the ground).
//   case ElfErrc::BadMagic: return DYN_ERROR_TEXT("BadMagic", "the file does not start with ...");
#pragma once

#if defined(DYN_TERSE_ERRORS) && DYN_TERSE_ERRORS
#define DYN_ERROR_TEXT(name, sentence) name
#else
#define DYN_ERROR_TEXT(name, sentence) sentence
#endif

# dynsched_module.cmake — builds loadable modules: one relocatable ELF object
# (ET_REL) per module, which the kernel's loader links against the API in
# dynsched.h at run time.
#
#   find_package(dynsched REQUIRED)          # the installed SDK (docs/modules.md), or
#   include(<checkout>/sdk/dynsched_module.cmake)   # straight from a source tree
#   dynsched_add_module(<name> SOURCES <files...>
#                       [TARGET host|cortex-m3]   # default host
#                       [PIC ON|OFF]              # default ON for host, OFF for cortex-m3
#                       [OUTPUT_DIR <dir>]        # default CMAKE_CURRENT_BINARY_DIR
#                       [COMPILE_OPTIONS <opts...>]
#                       [EXPORTS <symbols...> | NO_EXPORTS])
#
# Produces <OUTPUT_DIR>/<name>.o and a custom target <name> (part of ALL) that
# builds it. The path is returned as ${<name>_MODULE_PATH} in the caller's
# scope and as the target property DYN_MODULE_PATH.
#
# Why custom commands and not add_library(OBJECT): a module must be built with
# exactly the flags below, whatever the project adds with add_compile_options
# (-fsanitize=address would make every module import __asan_* symbols that the
# kernel does not export) and whatever the build type adds (-g would put debug
# sections into a file that is uplinked at 9600 bit/s). The Cortex-M3 variant
# needs a second compiler, and CMake allows one per language per project.
#
# Sources ending in .c are C (gnu11); .cc, .cpp and .cxx are C++20; .S and .s
# are assembly (through the C compiler); .o objects and .a archives are taken
# as they are (an archive gives only the members the module needs, as libgcc.a
# would). Several inputs are combined with `ld -r` into one object; a single
# source is compiled straight to <name>.o.
#
# What the module exports: by default the symbols of default visibility (the
# SDK compiles with -fvisibility=hidden; mark exports DYN_EXPORT). A library
# whose headers give its whole API default visibility (lz4, zlib, ...) would
# export it all; EXPORTS <symbols...> exports exactly those (whatever the
# visibility its headers give them: with EXPORTS the sources are compiled
# with default visibility, then every other definition but the module
# descriptor is made local), NO_EXPORTS keeps none — so two modules can each
# carry a private copy of such a library, and a library whose headers say
# nothing of visibility (xxHash) can still export its API.
#
# DYN_MODULE_CORTEX_M3_AVAILABLE is TRUE when arm-none-eabi-gcc, -g++ and -ld
# were found; callers build their TARGET cortex-m3 variants only then.
#
# Requires CMake 3.25 (the project's minimum): DEPFILE for custom commands on
# every generator (3.20), cmake_path (3.20).

include_guard(GLOBAL)

find_program(DYN_ARM_GCC arm-none-eabi-gcc)
find_program(DYN_ARM_GXX arm-none-eabi-g++)
find_program(DYN_ARM_LD arm-none-eabi-ld)
find_program(DYN_ARM_OBJCOPY arm-none-eabi-objcopy)
# A cache entry, not a directory variable: the guard above skips a second
# include(), and sibling directories must still see it.
if(DYN_ARM_GCC AND DYN_ARM_GXX AND DYN_ARM_LD)
  set(DYN_MODULE_CORTEX_M3_AVAILABLE TRUE CACHE INTERNAL "arm-none-eabi tools for cortex-m3 modules found")
else()
  set(DYN_MODULE_CORTEX_M3_AVAILABLE FALSE CACHE INTERNAL "arm-none-eabi tools for cortex-m3 modules found")
endif()

# The flag lists are set by this macro inside dynsched_add_module, not at
# include time: directory variables would be missing in every directory that
# did not include this file itself.
macro(_dynsched_module_flags)
  # dynsched.h: beside this file in a source tree, or where the installed
  # package's config put it (dynschedConfig.cmake sets the property).
  get_property(sdk_include_dir GLOBAL PROPERTY DYNSCHED_SDK_INCLUDE_DIR)
  if(NOT sdk_include_dir)
    set(sdk_include_dir "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
  endif()
  # Flags for every target. Each one is here because of what the loader accepts
  # or what the module costs on the uplink.
  set(DYN_MODULE_COMMON_FLAGS
      # Size matters (uplink), but -O2 is what the loaded-vs-linked test compares
      # against: the same code must behave the same loaded and linked.
      -O2
      # The stack protector reads a canary from TLS (%fs:0x28 on x86-64) or from
      # __stack_chk_guard and calls __stack_chk_fail: neither is exported by the
      # kernel, and the target has no TLS.
      -fno-stack-protector
      # No .eh_frame / .ARM.exidx: modules never throw or unwind (no exceptions,
      # no backtraces through module code), and the tables cost about 10 % of the
      # object size on the uplink plus a relocation per function.
      -fno-asynchronous-unwind-tables
      -fno-unwind-tables
      # Tentative definitions become ordinary .bss definitions (the GCC >= 10
      # default, spelled out for older compilers): COMMON symbols would make the
      # loader allocate storage outside any section. A source can still ask for
      # -fcommon in COMPILE_OPTIONS (the loader test does).
      -fno-common
      # No .comment section naming the compiler version: bytes on the uplink
      # that nothing on board reads.
      -fno-ident
      # A module exports only what it marks DYN_EXPORT (or what its own headers
      # give default visibility): everything else is its own, so two modules
      # may each carry a private copy of the same library, and the export
      # table holds only the module's interface.
      -fvisibility=hidden
      # No -g: debug sections are not SHF_ALLOC and the loader ignores them, but
      # they are uplinked. Add -g in COMPILE_OPTIONS for a ground-only build.
      -Wall
      -Wextra
      "-I${sdk_include_dir}")

  # gnu11, not c11: real code expects the POSIX declarations (CLOCK_MONOTONIC,
  # posix_memalign, strnlen, ...) that strict ISO mode hides from the C library's headers.
  set(DYN_MODULE_C_FLAGS -std=gnu11)

  set(DYN_MODULE_CXX_FLAGS
      -std=c++20
      # Exceptions need the unwinder and __cxa_throw/__gxx_personality_v0 from
      # libstdc++/libgcc; none of it is exported.
      -fno-exceptions
      # RTTI makes every polymorphic class reference the typeinfo vtables of
      # libstdc++ (_ZTVN10__cxxabiv117__class_type_infoE), which are not exported.
      -fno-rtti
      # Function-local statics would be guarded by __cxa_guard_acquire/release;
      # a module's statics are initialised by its own task only.
      -fno-threadsafe-statics
      # Destructors of static objects go into .fini_array (recorded, never run:
      # the runtime reclaims every byte) instead of being registered with
      # __cxa_atexit(.., __dso_handle), which the kernel does not export.
      -fno-use-cxa-atexit)

  # Host (x86-64 Linux). PIC ON: -fPIC; OFF: -fno-pic. Both load: module memory
  # is mapped in the low 2 GiB (MAP_32BIT), so the absolute 32-bit addresses of
  # -fno-pic code (R_X86_64_32/32S) fit, and calls into the kernel go through
  # trampolines, so PLT32/PC32 to kernel functions stay in range.
  set(DYN_MODULE_HOST_PIC_FLAGS
      -fPIC
      # A module's references to its own globals are bound to its own definitions
      # by the loader (an ET_REL has no interposition), so let GCC call and
      # inline them directly instead of assuming another module could replace them.
      -fno-semantic-interposition)
  set(DYN_MODULE_HOST_NOPIC_FLAGS -fno-pic)
  set(DYN_MODULE_HOST_FLAGS)
  if(CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    # Distributions that turn on CET by default add endbr64 to every function and
    # an SHF_ALLOC .note.gnu.property section the loader would have to map.
    list(APPEND DYN_MODULE_HOST_FLAGS -fcf-protection=none)
    # A frame larger than a page probes every page it spans, so a deep frame
    # hits the guard page below the task's stack (a contained fault) instead
    # of jumping over it into whatever is mapped below. Inline probes: no symbol needed.
    list(APPEND DYN_MODULE_HOST_FLAGS -fstack-clash-protection)
  endif()

  # Cortex-M3 (Thumb-2, no FPU). PIC defaults to OFF: -fPIC on bare-metal ARM
  # addresses data through a GOT (_GLOBAL_OFFSET_TABLE_, R_ARM_GOT_BREL,
  # R_ARM_BASE_PREL) that the loader would have to build; -fno-pic needs only
  # R_ARM_ABS32 and the Thumb branch relocations.
  set(DYN_MODULE_CORTEX_M3_FLAGS
      -mcpu=cortex-m3
      -mthumb
      # No hosted C library on the target; the module gets the five mem*/strlen
      # routines from the kernel and nothing else. (This also implies -fno-builtin:
      # GCC still emits memcpy/memset calls for large copies, it just no longer
      # expands small ones inline.)
      -ffreestanding)
  set(DYN_MODULE_CORTEX_M3_PIC_FLAGS -fPIC)
  set(DYN_MODULE_CORTEX_M3_NOPIC_FLAGS -fno-pic)
endmacro()

function(dynsched_add_module name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_EXPORTS" "TARGET;PIC;OUTPUT_DIR" "SOURCES;COMPILE_OPTIONS;EXPORTS")
  if(arg_NO_EXPORTS AND arg_EXPORTS)
    message(FATAL_ERROR "dynsched_add_module(${name}): EXPORTS and NO_EXPORTS exclude each other")
  endif()
  set(restrict_exports FALSE)
  set(export_flags)
  if(arg_NO_EXPORTS OR arg_EXPORTS)
    set(restrict_exports TRUE)
  endif()
  if(arg_EXPORTS)
    set(export_flags -fvisibility=default)  # the list decides, not the headers (objcopy localizes the rest)
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "dynsched_add_module(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "dynsched_add_module(${name}): SOURCES is empty; a module needs at least one source file")
  endif()
  if(NOT arg_TARGET)
    set(arg_TARGET host)
  endif()
  if(NOT arg_OUTPUT_DIR)
    set(arg_OUTPUT_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  cmake_path(ABSOLUTE_PATH arg_OUTPUT_DIR BASE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}" NORMALIZE)
  _dynsched_module_flags()

  if(arg_TARGET STREQUAL "host")
    if(CMAKE_CROSSCOMPILING)
      message(FATAL_ERROR "dynsched_add_module(${name}): TARGET host needs a host compiler, "
                          "but this project is cross-compiling; build host modules from a host configuration")
    endif()
    if(NOT DEFINED arg_PIC)
      set(arg_PIC ON)
    endif()
    set(cc "${CMAKE_C_COMPILER}")
    set(cxx "${CMAKE_CXX_COMPILER}")
    set(ld "${CMAKE_LINKER}")
    if(NOT ld)
      find_program(DYN_HOST_LD ld REQUIRED)
      set(ld "${DYN_HOST_LD}")
    endif()
    set(objcopy "${CMAKE_OBJCOPY}")
    if(NOT objcopy)
      find_program(DYN_HOST_OBJCOPY objcopy)
      set(objcopy "${DYN_HOST_OBJCOPY}")
    endif()
    set(target_flags ${DYN_MODULE_HOST_FLAGS})
    if(arg_PIC)
      list(APPEND target_flags ${DYN_MODULE_HOST_PIC_FLAGS})
    else()
      list(APPEND target_flags ${DYN_MODULE_HOST_NOPIC_FLAGS})
    endif()
  elseif(arg_TARGET STREQUAL "cortex-m3")
    if(NOT DYN_MODULE_CORTEX_M3_AVAILABLE)
      message(FATAL_ERROR "dynsched_add_module(${name}): TARGET cortex-m3 needs arm-none-eabi-gcc, -g++ and -ld "
                          "in PATH; check DYN_MODULE_CORTEX_M3_AVAILABLE before asking for it")
    endif()
    if(NOT DEFINED arg_PIC)
      set(arg_PIC OFF)
    endif()
    set(cc "${DYN_ARM_GCC}")
    set(cxx "${DYN_ARM_GXX}")
    set(ld "${DYN_ARM_LD}")
    set(objcopy "${DYN_ARM_OBJCOPY}")
    set(target_flags ${DYN_MODULE_CORTEX_M3_FLAGS})
    if(arg_PIC)
      list(APPEND target_flags ${DYN_MODULE_CORTEX_M3_PIC_FLAGS})
    else()
      list(APPEND target_flags ${DYN_MODULE_CORTEX_M3_NOPIC_FLAGS})
    endif()
  else()
    message(FATAL_ERROR "dynsched_add_module(${name}): TARGET must be host or cortex-m3, not '${arg_TARGET}'")
  endif()

  set(output "${arg_OUTPUT_DIR}/${name}.o")
  set(work_dir "${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/${name}.dynmodule")
  list(LENGTH arg_SOURCES source_count)

  if(restrict_exports AND NOT objcopy)
    message(FATAL_ERROR "dynsched_add_module(${name}): EXPORTS/NO_EXPORTS need objcopy for ${arg_TARGET}")
  endif()
  # Compiled straight to <name>.o only when there is one source to compile and nothing to do after.
  set(direct FALSE)
  if(source_count EQUAL 1 AND NOT restrict_exports)
    list(GET arg_SOURCES 0 only)
    if(NOT only MATCHES "\\.(o|a)$")
      set(direct TRUE)
    endif()
  endif()

  set(objects)
  set(index 0)
  foreach(source IN LISTS arg_SOURCES)
    cmake_path(ABSOLUTE_PATH source BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
    cmake_path(GET source EXTENSION LAST_ONLY extension)
    cmake_path(GET source STEM LAST_ONLY stem)
    if(extension MATCHES "^\\.(o|a)$")
      list(APPEND objects "${source}")  # taken as it is; `ld -r` pulls what the module needs from an archive
      continue()
    endif()
    if(extension MATCHES "^\\.(S|s)$")
      set(compiler "${cc}")
      set(language_flags)
    elseif(extension STREQUAL ".c")
      set(compiler "${cc}")
      set(language_flags ${DYN_MODULE_C_FLAGS})
    elseif(extension MATCHES "^\\.(cc|cpp|cxx)$")
      set(compiler "${cxx}")
      if(NOT cxx)
        message(FATAL_ERROR "dynsched_add_module(${name}): ${source} is C++ but the project did not enable CXX")
      endif()
      set(language_flags ${DYN_MODULE_CXX_FLAGS})
    else()
      message(FATAL_ERROR "dynsched_add_module(${name}): cannot tell the language of ${source} "
                          "(expected .c, .cc, .cpp, .cxx, .S or .s, or an .o or .a to link in)")
    endif()

    if(direct)
      set(object "${output}")
      set(depfile "${work_dir}/${name}.o.d")
    else()
      # The index keeps a.c and sub/a.c apart.
      set(object "${work_dir}/${index}_${stem}.o")
      set(depfile "${object}.d")
    endif()
    add_custom_command(
      OUTPUT "${object}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${work_dir}" "${arg_OUTPUT_DIR}"
      COMMAND "${compiler}" ${DYN_MODULE_COMMON_FLAGS} ${language_flags} ${target_flags} ${export_flags} ${arg_COMPILE_OPTIONS}
              -MD -MF "${depfile}" -c "${source}" -o "${object}"
      DEPENDS "${source}"
      DEPFILE "${depfile}"
      COMMENT "Module ${name} (${arg_TARGET}): compiling ${source}"
      COMMAND_EXPAND_LISTS VERBATIM)
    list(APPEND objects "${object}")
    math(EXPR index "${index} + 1")
  endforeach()

  if(NOT direct)
    # `ld -r` keeps the input sections apart and the relocations unresolved:
    # the result is still one ET_REL the loader relocates as a whole.
    set(post)
    if(restrict_exports)
      # Every definition but the listed exports and the descriptor becomes local.
      set(keep "${work_dir}/exports.txt")
      list(JOIN arg_EXPORTS "\n" keep_lines)
      file(CONFIGURE OUTPUT "${keep}" CONTENT "dyn_module_descriptor\n${keep_lines}\n" @ONLY)
      set(post COMMAND "${objcopy}" "--keep-global-symbols=${keep}" "${output}")
    endif()
    add_custom_command(
      OUTPUT "${output}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${arg_OUTPUT_DIR}"
      COMMAND "${ld}" -r -o "${output}" ${objects}
      ${post}
      DEPENDS ${objects} ${keep}
      COMMENT "Module ${name} (${arg_TARGET}): combining ${source_count} inputs"
      VERBATIM)
  endif()

  add_custom_target(${name} ALL DEPENDS "${output}")
  set_target_properties(${name} PROPERTIES DYN_MODULE_PATH "${output}" DYN_MODULE_TARGET "${arg_TARGET}")
  set(${name}_MODULE_PATH "${output}" PARENT_SCOPE)
endfunction()

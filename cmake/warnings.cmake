# Warnings are errors for our own targets only; third-party headers come in as SYSTEM.
# -Wno-restrict: GCC 12 reports false overlaps inside std::string concatenation
# at -O3 (GCC bug 105329); the warning has nothing to say about our code.
function(dyn_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX,C>:-Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion>
    $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>>:-Wno-restrict>)
endfunction()

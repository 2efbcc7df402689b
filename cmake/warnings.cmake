# Warnings are errors for our own targets only; third-party headers come in as SYSTEM.
function(dyn_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX,C>:-Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion>)
endfunction()

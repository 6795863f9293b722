# Warning and sanitizer flags live on INTERFACE targets that only first-party
# code links, so third-party headers are never held to our warning level.
add_library(comity_warnings INTERFACE)
target_compile_options(comity_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-align -Wimplicit-fallthrough -Wmissing-declarations)
if(COMITY_WERROR)
  target_compile_options(comity_warnings INTERFACE -Werror)
endif()

add_library(comity_sanitizers INTERFACE)
if(COMITY_SANITIZE)
  target_compile_options(comity_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(comity_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# ThreadSanitizer: the server's threads, the committer, the sweeper and the
# store's connections (make build-tsan).
if(COMITY_TSAN)
  target_compile_options(comity_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(comity_sanitizers INTERFACE -fsanitize=thread)
endif()

# Fuzzing: instrument first-party code for coverage and ASan/UBSan; the fuzz
# target itself links libFuzzer's main.
if(COMITY_FUZZ)
  target_compile_options(comity_sanitizers INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(comity_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

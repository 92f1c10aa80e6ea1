# Sanitizer and fuzzing build modes, one option each; each wants its own build directory.
#  SPECGATE_SANITIZE:  AddressSanitizer (with LeakSanitizer) + UBSan, gcc or clang (.ci/run sanitize).
#  SPECGATE_LIBFUZZER: clang only; the libraries get -fsanitize=fuzzer-no-link,address,undefined and
#                      the targets in tests/fuzz/libfuzzer/ link with -fsanitize=fuzzer (make fuzz).
#  SPECGATE_TSAN:      ThreadSanitizer (gcc or clang) over the server and proxy (.ci/run tsan).
option(SPECGATE_SANITIZE "Build with AddressSanitizer and UBSan" OFF)
option(SPECGATE_LIBFUZZER "Build the libFuzzer targets (clang; ASan + UBSan)" OFF)
option(SPECGATE_TSAN "Build with ThreadSanitizer" OFF)

set(SPECGATE_ANY_SANITIZER OFF)
if(SPECGATE_SANITIZE OR SPECGATE_LIBFUZZER OR SPECGATE_TSAN)
  set(SPECGATE_ANY_SANITIZER ON)
endif()
if(SPECGATE_TSAN AND (SPECGATE_SANITIZE OR SPECGATE_LIBFUZZER))
  message(FATAL_ERROR "SPECGATE_TSAN cannot be combined with SPECGATE_SANITIZE or SPECGATE_LIBFUZZER: "
                      "ThreadSanitizer and AddressSanitizer exclude each other; use separate build directories")
endif()

if(SPECGATE_SANITIZE OR SPECGATE_LIBFUZZER)
  # UBSan findings abort (like ASan's) so a fuzzer stops on them and a test binary fails.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
endif()
if(SPECGATE_LIBFUZZER)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SPECGATE_LIBFUZZER needs clang (configure with -DCMAKE_CXX_COMPILER=clang++); "
                        "this is ${CMAKE_CXX_COMPILER_ID}")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
# clang's UBSan flags RapidJSON 1.1.0 where gcc's does not: the sources that include it get
# cmake/rapidjson_ubsan_ignorelist.txt (it says why). Called after add_subdirectory(validator).
function(specgate_rapidjson_ignorelist)
  if((SPECGATE_SANITIZE OR SPECGATE_LIBFUZZER) AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set_source_files_properties(
      ${CMAKE_SOURCE_DIR}/validator/document/json_text.cpp ${CMAKE_SOURCE_DIR}/validator/traffic/har.cpp
      ${CMAKE_SOURCE_DIR}/validator/traffic/traffic_reader.cpp
      DIRECTORY ${CMAKE_SOURCE_DIR}/validator
      PROPERTIES COMPILE_OPTIONS "-fsanitize-ignorelist=${CMAKE_SOURCE_DIR}/cmake/rapidjson_ubsan_ignorelist.txt")
  endif()
endfunction()
if(SPECGATE_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

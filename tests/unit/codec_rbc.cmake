# Codec (draft-deng 4.3) and RBC (draft-deng 5) unit tests.
# Included from tests/unit/CMakeLists.txt.

add_executable(test_codec ${CMAKE_CURRENT_SOURCE_DIR}/test_codec.c)
target_link_libraries(test_codec PRIVATE vrrp_ha_san)
target_compile_options(test_codec PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.codec COMMAND test_codec)

add_executable(test_rbc ${CMAKE_CURRENT_SOURCE_DIR}/test_rbc.c)
target_link_libraries(test_rbc PRIVATE vrrp_ha_san)
target_compile_options(test_rbc PRIVATE ${VRRP_HA_WARNINGS})
# Allocation-failure test: the test wraps malloc/realloc/calloc (GNU ld).
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  target_compile_definitions(test_rbc PRIVATE TEST_RBC_WRAP_MALLOC)
  target_link_options(test_rbc PRIVATE -Wl,--wrap=malloc,--wrap=realloc,--wrap=calloc)
endif()
add_test(NAME unit.rbc COMMAND test_rbc)

# The fuzz target built as a plain program replays the committed corpus.
add_executable(fuzz_codec_replay ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_codec.c
                                 ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_main.c)
target_include_directories(fuzz_codec_replay PRIVATE ${PROJECT_SOURCE_DIR}/tests/fuzz)
target_link_libraries(fuzz_codec_replay PRIVATE vrrp_ha_san)
target_compile_options(fuzz_codec_replay PRIVATE ${VRRP_HA_WARNINGS})
add_test(NAME unit.codec_corpus
         COMMAND fuzz_codec_replay ${CMAKE_CURRENT_SOURCE_DIR}/corpus/codec)

# The same file as a libFuzzer target (clang only, opt-in):
#   cmake -DCMAKE_C_COMPILER=clang -DVRRP_HA_FUZZ=ON ..
#   ./tests/unit/fuzz_codec -max_total_time=60 new-corpus/ ../tests/unit/corpus/codec
option(VRRP_HA_FUZZ "Build the libFuzzer target fuzz_codec (clang)" OFF)
if(VRRP_HA_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "VRRP_HA_FUZZ needs clang (libFuzzer)")
  endif()
  # codec.c and rbc.c are compiled in so they get coverage instrumentation.
  add_executable(fuzz_codec
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_codec.c
    ${PROJECT_SOURCE_DIR}/vrrp_ha/src/wire/draft.c
    ${PROJECT_SOURCE_DIR}/vrrp_ha/src/rbc.c)
  target_include_directories(fuzz_codec PRIVATE ${PROJECT_SOURCE_DIR}/vrrp_ha/include
                                                ${PROJECT_SOURCE_DIR}/tests/fuzz)
  target_compile_definitions(fuzz_codec PRIVATE VRRP_HA_LIBFUZZER)
  target_compile_options(fuzz_codec PRIVATE -g -fsanitize=fuzzer,address,undefined)
  target_link_options(fuzz_codec PRIVATE -fsanitize=fuzzer,address,undefined)
endif()

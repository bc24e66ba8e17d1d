# Kafka record decoder fuzz target (JSON and binary record format v1): a libFuzzer binary
# with MQTTIDS_FUZZ=ON (clang), and always a replay driver that runs the committed corpus.
add_executable(replay_fuzz_codec ${CMAKE_CURRENT_LIST_DIR}/fuzz_codec.c ${CMAKE_CURRENT_LIST_DIR}/replay_main.c)
target_include_directories(replay_fuzz_codec PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(replay_fuzz_codec PRIVATE mqttids_core)
add_test(NAME fuzz.codec_corpus COMMAND replay_fuzz_codec ${CMAKE_CURRENT_LIST_DIR}/corpus_codec)
set_tests_properties(fuzz.codec_corpus PROPERTIES LABELS fuzz)
if(MQTTIDS_FUZZ)
  add_executable(fuzz_codec ${CMAKE_CURRENT_LIST_DIR}/fuzz_codec.c)
  target_include_directories(fuzz_codec PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(fuzz_codec PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_codec PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_codec PRIVATE mqttids_core)
endif()
if(MQTTIDS_FUZZ)
  # a bounded fuzzing run (MQTTIDS_FUZZ_SECONDS) from the committed corpus; new inputs go
  # to a temporary folder, crashes to the build folder
  set(MQTTIDS_FUZZ_SECONDS 60 CACHE STRING "seconds of each bounded libFuzzer run in ctest")
  add_test(NAME fuzz.codec_run COMMAND sh -c "d=$(mktemp -d) && $<TARGET_FILE:fuzz_codec> -max_total_time=${MQTTIDS_FUZZ_SECONDS} -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 \"$d\" ${CMAKE_CURRENT_LIST_DIR}/corpus_codec; r=$?; rm -rf \"$d\"; exit $r")
  set_tests_properties(fuzz.codec_run PROPERTIES LABELS "fuzz;kafka" TIMEOUT 600)
endif()

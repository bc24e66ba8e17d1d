# CSV reader fuzz target: a libFuzzer binary with MQTTIDS_FUZZ=ON (clang), and always a
# replay driver that runs the committed corpus in ctest (both sanitizer and release builds).
add_executable(replay_fuzz_csv ${CMAKE_CURRENT_LIST_DIR}/fuzz_csv.c ${CMAKE_CURRENT_LIST_DIR}/replay_main.c)
target_link_libraries(replay_fuzz_csv PRIVATE mqttids_core)
add_test(NAME fuzz.csv_corpus COMMAND replay_fuzz_csv ${CMAKE_CURRENT_LIST_DIR}/corpus_csv)
set_tests_properties(fuzz.csv_corpus PROPERTIES LABELS fuzz)
if(MQTTIDS_FUZZ)
  add_executable(fuzz_csv ${CMAKE_CURRENT_LIST_DIR}/fuzz_csv.c)
  target_compile_options(fuzz_csv PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_csv PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_csv PRIVATE mqttids_core)
endif()

# Model-file reader fuzz target: a libFuzzer binary with MQTTIDS_FUZZ=ON (clang), and always a
# replay driver that runs the committed corpus (small lr/rf/nn models and broken variants).
add_executable(replay_fuzz_model ${CMAKE_CURRENT_LIST_DIR}/fuzz_model.c ${CMAKE_CURRENT_LIST_DIR}/replay_main.c)
target_include_directories(replay_fuzz_model PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(replay_fuzz_model PRIVATE mqttids_core)
add_test(NAME fuzz.model_corpus COMMAND replay_fuzz_model ${CMAKE_CURRENT_LIST_DIR}/corpus_model)
set_tests_properties(fuzz.model_corpus PROPERTIES LABELS fuzz)
if(MQTTIDS_FUZZ)
  add_executable(fuzz_model ${CMAKE_CURRENT_LIST_DIR}/fuzz_model.c)
  target_include_directories(fuzz_model PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(fuzz_model PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_model PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_model PRIVATE mqttids_core)
endif()

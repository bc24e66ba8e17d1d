# mqttids_fuzz_target(NAME CORPUS_LABELS RUN_LABELS MAX_LEN): the fuzz target fuzz_NAME.c, always
# as a replay driver that runs the committed corpus corpus_NAME in ctest (fuzz.NAME_corpus, in
# both sanitizer and release builds), and with MQTTIDS_FUZZ=ON (clang) as a libFuzzer binary;
# unless RUN_LABELS is empty, also a bounded fuzzing run from the corpus (fuzz.NAME_run,
# MQTTIDS_FUZZ_SECONDS, inputs up to MAX_LEN bytes; new inputs go to a temporary folder,
# crashes to the build folder). Used by the fuzz_*.cmake next to it.
include_guard(GLOBAL)
if(MQTTIDS_FUZZ)
  set(MQTTIDS_FUZZ_SECONDS 60 CACHE STRING "seconds of each bounded libFuzzer run in ctest")
endif()

function(mqttids_fuzz_target name corpus_labels run_labels max_len)
  set(dir ${CMAKE_CURRENT_FUNCTION_LIST_DIR})
  add_executable(replay_fuzz_${name} ${dir}/fuzz_${name}.c ${dir}/replay_main.c)
  target_include_directories(replay_fuzz_${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(replay_fuzz_${name} PRIVATE mqttids_core)
  add_test(NAME fuzz.${name}_corpus COMMAND replay_fuzz_${name} ${dir}/corpus_${name})
  set_tests_properties(fuzz.${name}_corpus PROPERTIES LABELS "${corpus_labels}")
  if(NOT MQTTIDS_FUZZ)
    return()
  endif()
  add_executable(fuzz_${name} ${dir}/fuzz_${name}.c)
  target_include_directories(fuzz_${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_${name} PRIVATE mqttids_core)
  if(run_labels)
    add_test(NAME fuzz.${name}_run COMMAND sh -c "d=$(mktemp -d) && $<TARGET_FILE:fuzz_${name}> -max_total_time=${MQTTIDS_FUZZ_SECONDS} -max_len=${max_len} -rss_limit_mb=2048 -print_final_stats=1 \"$d\" ${dir}/corpus_${name}; r=$?; rm -rf \"$d\"; exit $r")
    set_tests_properties(fuzz.${name}_run PROPERTIES LABELS "${run_labels}" TIMEOUT 600)
  endif()
endfunction()

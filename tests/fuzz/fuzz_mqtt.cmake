# Capture decoder fuzz target (link/IP/TCP/reassembly/MQTT): a libFuzzer binary with
# MQTTIDS_FUZZ=ON (clang), and always a replay driver that runs the committed corpus in ctest.
add_executable(replay_fuzz_mqtt ${CMAKE_CURRENT_LIST_DIR}/fuzz_mqtt.c ${CMAKE_CURRENT_LIST_DIR}/replay_main.c)
target_include_directories(replay_fuzz_mqtt PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(replay_fuzz_mqtt PRIVATE mqttids_core)
add_test(NAME fuzz.mqtt_corpus COMMAND replay_fuzz_mqtt ${CMAKE_CURRENT_LIST_DIR}/corpus_mqtt)
set_tests_properties(fuzz.mqtt_corpus PROPERTIES LABELS "fuzz;capture")
if(MQTTIDS_FUZZ)
  add_executable(fuzz_mqtt ${CMAKE_CURRENT_LIST_DIR}/fuzz_mqtt.c)
  target_include_directories(fuzz_mqtt PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(fuzz_mqtt PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_mqtt PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_mqtt PRIVATE mqttids_core)
  # a bounded fuzzing run (MQTTIDS_FUZZ_SECONDS, default 60) from the committed corpus;
  # new inputs go to a temporary folder, crashes to the build folder
  set(MQTTIDS_FUZZ_SECONDS 60 CACHE STRING "seconds of each bounded libFuzzer run in ctest")
  add_test(NAME fuzz.mqtt_run COMMAND sh -c "d=$(mktemp -d) && $<TARGET_FILE:fuzz_mqtt> -max_total_time=${MQTTIDS_FUZZ_SECONDS} -max_len=8192 -rss_limit_mb=2048 -print_final_stats=1 \"$d\" ${CMAKE_CURRENT_LIST_DIR}/corpus_mqtt; r=$?; rm -rf \"$d\"; exit $r")
  set_tests_properties(fuzz.mqtt_run PROPERTIES LABELS "fuzz;capture" TIMEOUT 600)
endif()

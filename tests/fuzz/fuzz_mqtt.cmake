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
endif()

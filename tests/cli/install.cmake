# The installed library links from another program (pkg-config and CMake package config).
add_test(NAME cli.install_consumer COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/install.sh ${PROJECT_BINARY_DIR}
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(cli.install_consumer PROPERTIES LABELS cli)

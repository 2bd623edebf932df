# Shell-level tests of the `cavity` binary (labels cli;fast). Each script gets the binary path
# and a scratch directory.
foreach(t bad_input store jobs plot mpi quantity adversarial dmft)
  add_test(NAME cli_${t}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_${t}.sh ${CMAKE_BINARY_DIR}/cavity
            ${CMAKE_CURRENT_BINARY_DIR}/cli_${t})
  set_tests_properties(cli_${t} PROPERTIES LABELS "cli;fast" TIMEOUT 120)
endforeach()

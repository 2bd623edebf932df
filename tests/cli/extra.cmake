# Shell-level tests of the `cavity` binary (labels cli;fast). Each script gets the binary path
# and a scratch directory.
foreach(t bad_input store jobs plot mpi quantity adversarial dmft compat models hardening symbols
        spectral nn_models autoencoder)
  add_test(NAME cli_${t}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_${t}.sh ${CMAKE_BINARY_DIR}/cavity
            ${CMAKE_CURRENT_BINARY_DIR}/cli_${t})
  set_tests_properties(cli_${t} PROPERTIES LABELS "cli;fast" TIMEOUT 300)
endforeach()
# The numbers of the compat test are those of the release build; the sanitizer run skips it.
set_tests_properties(cli_compat PROPERTIES LABELS "cli;fast;compat")
# The full-size compare tables of every model against those of the previous version (slow).
add_test(NAME cli_slow_compat
  COMMAND env CAVITY_COMPAT_FULL=1 bash ${CMAKE_CURRENT_LIST_DIR}/test_compat.sh
          ${CMAKE_BINARY_DIR}/cavity ${CMAKE_CURRENT_BINARY_DIR}/cli_slow_compat)
set_tests_properties(cli_slow_compat PROPERTIES LABELS "cli;slow" TIMEOUT 3600)
# Fuzz test of the command line: 2000 random argument vectors from the registry, fixed seed
# (tests/cli/fuzz.py). In the sanitizer build it also catches memory errors and leaks.
add_test(NAME cli_fuzz
  COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/fuzz.py ${CMAKE_BINARY_DIR}/cavity
          ${CMAKE_CURRENT_BINARY_DIR}/cli_fuzz 2000 1)
set_tests_properties(cli_fuzz PROPERTIES LABELS "cli;fast;fuzz" TIMEOUT 1200)
# Multi-threaded sweeps of every model; the ThreadSanitizer build runs this one (label tsan).
add_test(NAME cli_tsan COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_tsan.sh ${CMAKE_BINARY_DIR}/cavity
  ${CMAKE_CURRENT_BINARY_DIR}/cli_tsan)
set_tests_properties(cli_tsan PROPERTIES LABELS "cli;fast;tsan" TIMEOUT 1200)
# Store safety (foreign WAL, damaged pages, names, reused failures, tampered rows) and a full
# disk (loop-mounted file systems; skipped without the privileges to mount).
foreach(t store_safety store_full)
  add_test(NAME cli_${t}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_${t}.sh ${CMAKE_BINARY_DIR}/cavity
            ${CMAKE_CURRENT_BINARY_DIR}/cli_${t})
  set_tests_properties(cli_${t} PROPERTIES LABELS "cli;fast" TIMEOUT 300)
endforeach()

# Tests of the Python package (pytest, tests/python): labels python;fast. They need a Python 3
# with numpy, pandas and pytest (Debian: python3-numpy python3-pandas python3-pytest; figures
# python3-matplotlib); /usr/bin/python3 is preferred, whose packages are Debian's. The package
# loads the shared library of this build (CAVITY_LIBRARY), so the sanitizer builds, whose
# library needs its runtime preloaded, leave these tests out.
if(NOT CAVITY_SANITIZE AND NOT CAVITY_TSAN)
  set(CAVITY_PYTEST "")
  foreach(py /usr/bin/python3 python3)
    execute_process(COMMAND ${py} -c "import numpy, pandas, pytest" RESULT_VARIABLE rc
      OUTPUT_QUIET ERROR_QUIET)
    if(rc EQUAL 0)
      set(CAVITY_PYTEST ${py})
      break()
    endif()
  endforeach()
  if(CAVITY_PYTEST)
    set(_dir ${CMAKE_CURRENT_LIST_DIR})
    set(_env CAVITY_CLI=${CMAKE_BINARY_DIR}/cavity CAVITY_LIBRARY=$<TARGET_FILE:cavity_shared>
      CAVITY_BUILD=${CMAKE_BINARY_DIR} PYTHONPATH=${CMAKE_SOURCE_DIR}/python
      PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg OMP_NUM_THREADS=1)
    foreach(t tables bad_input interrupt install examples)
      add_test(NAME python_${t}
        COMMAND ${CMAKE_COMMAND} -E env ${_env}
                ${CAVITY_PYTEST} -m pytest -q -p no:cacheprovider --rootdir=${_dir}
                ${_dir}/test_${t}.py
        WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
      set_tests_properties(python_${t} PROPERTIES LABELS "python;fast" TIMEOUT 900)
    endforeach()
  else()
    message(STATUS "cavity: no Python 3 with numpy, pandas and pytest: the Python tests are "
                   "not registered (scripts/setup.sh installs them)")
  endif()
endif()

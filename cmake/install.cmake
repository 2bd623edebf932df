# Installation (cmake --install build [--prefix DIR]): the libraries (static libcavity.a and
# shared libcavity.so), the public headers, a pkg-config file (cavity.pc), CMake package files
# (find_package(cavity): targets cavity::cavity, the shared library, and cavity::cavity_static),
# the `cavity` command, its man page cavity(1) and bash completion. Every file is placed
# relative to the prefix, so an installed tree can be moved.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(cavity PROPERTIES EXPORT_NAME cavity_static)
set_target_properties(cavity_shared PROPERTIES EXPORT_NAME cavity)
install(TARGETS cavity cavity_shared EXPORT cavityTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS cavity_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/cavity DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

set(CAVITY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cavity)
install(EXPORT cavityTargets NAMESPACE cavity:: DESTINATION ${CAVITY_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/cavityConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cavityConfig.cmake INSTALL_DESTINATION ${CAVITY_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cavityConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cavityConfig.cmake ${CMAKE_BINARY_DIR}/cavityConfigVersion.cmake
  DESTINATION ${CAVITY_CMAKE_DIR})

# pkg-config: the prefix is found from the .pc file's own place (${pcfiledir}).
file(RELATIVE_PATH CAVITY_PC_UP /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" CAVITY_PC_UP "${CAVITY_PC_UP}")
set(CAVITY_PC_REQUIRES_PRIVATE "sqlite3 libcjson")
if(CAVITY_HAVE_MPI)
  string(APPEND CAVITY_PC_REQUIRES_PRIVATE " ompi-c")
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/cavity.pc.in ${CMAKE_BINARY_DIR}/cavity.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cavity.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES ${CMAKE_SOURCE_DIR}/docs/cavity.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/scripts/cavity-completion.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME cavity)

# install.cmake — `cmake --install` puts the host tool on the PATH and the
# module SDK where find_package(dynsched) finds it:
#   <prefix>/bin/dynsched
#   <prefix>/include/dynsched.h
#   <prefix>/<libdir>/cmake/dynsched/{dynschedConfig,dynschedConfigVersion,dynsched_module}.cmake
#   <prefix>/share/doc/dynsched/{README.md, modules.md, live-update.md, mission-file.md, logger.md}
#   <prefix>/share/dynsched/modules/<module>/*.o   the example modules (the example missions name them),
#                                                  where the installed tool looks by default
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(DYN_INSTALL_BINDIR "${CMAKE_INSTALL_BINDIR}")
set(DYN_INSTALL_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
set(DYN_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/dynsched")

install(TARGETS dynsched RUNTIME DESTINATION "${DYN_INSTALL_BINDIR}")
install(FILES sdk/dynsched.h DESTINATION "${DYN_INSTALL_INCLUDEDIR}")

configure_package_config_file(cmake/dynschedConfig.cmake.in "${CMAKE_CURRENT_BINARY_DIR}/dynschedConfig.cmake"
                              INSTALL_DESTINATION "${DYN_INSTALL_CMAKEDIR}"
                              PATH_VARS DYN_INSTALL_INCLUDEDIR DYN_INSTALL_BINDIR)
# 0.x: a minor version may change the module ABI (DYN_MODULE_ABI), so only the same minor is compatible.
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/dynschedConfigVersion.cmake"
                                 VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/dynschedConfig.cmake" "${CMAKE_CURRENT_BINARY_DIR}/dynschedConfigVersion.cmake"
              sdk/dynsched_module.cmake
        DESTINATION "${DYN_INSTALL_CMAKEDIR}")
# The README and every page it links to, laid out as in the checkout (README.md beside docs/).
install(FILES README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY docs/ DESTINATION "${CMAKE_INSTALL_DOCDIR}/docs" FILES_MATCHING PATTERN "*.md" PATTERN "*.svg")
install(DIRECTORY "${PROJECT_BINARY_DIR}/modules/" DESTINATION "${CMAKE_INSTALL_DATADIR}/dynsched/modules"
        FILES_MATCHING PATTERN "*.o" PATTERN "CMakeFiles" EXCLUDE)

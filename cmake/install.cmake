# install.cmake: `cmake --install BUILD --prefix P` installs what a device vendor takes:
#   lib/libmk_core.a (the sans-I/O core), lib/libmk_io.a (the POSIX UDP loop, optional),
#   lib/libmk_extra.a (what the profile leaves out of the core: minike_tools.h's functions a
#   host program may want, e.g. error text and key export; a device image need not link it),
#   include/minike.h, include/minike_tools.h (+ include/minike/mk_io.h), lib/pkgconfig/minike.pc,
#   lib/libmk_tiny.a + include/minike_tiny.h + lib/pkgconfig/minike-tiny.pc (the template core),
#   lib/cmake/minike/{minikeConfig,minikeConfigVersion,minikeTargets}.cmake  -> minike::core,
#   minike::tools, minike::io, minike::tiny. Included from the top-level CMakeLists.txt after the mk_core/mk_io
#   targets.
# The build tree's usage requirements name source paths and this machine's library files; for
# the installed package they are rewritten with $<BUILD_INTERFACE>/$<INSTALL_INTERFACE> here,
# and the crypto libraries are found again on the consumer's machine (minikeConfig.cmake).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(MK_PACKAGE_VERSION 0.1.0)
# The build's switches (MK_PROFILE_MINIMAL, MK_NATT, MK_RPK, MK_TRACE, MK_SUITES_ALL, MK_MAX_MSG)
# change sizeof(mk_ike) and the API: a consumer must compile minike.h with exactly the library's
# values. find_package gets them from the exported INTERFACE_COMPILE_DEFINITIONS; the pkg-config
# Cflags carry the same list.
get_target_property(_mk_defs mk_core INTERFACE_COMPILE_DEFINITIONS)

set_target_properties(mk_core PROPERTIES
  EXPORT_NAME core
  INTERFACE_INCLUDE_DIRECTORIES
    "$<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/ref/include>;$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>"
  INTERFACE_LINK_LIBRARIES
    "$<BUILD_INTERFACE:PkgConfig::SODIUM>;$<BUILD_INTERFACE:${MBEDCRYPTO}>;$<INSTALL_INTERFACE:minike::crypto>")
# What the profile leaves out of the core is mk_extra. In this tree every tool gets it through
# mk_core; an installed consumer asks for it by name (minike::tools, -lmk_extra), so a device
# links the core alone.
set(_mk_pc_tools "")
if(TARGET mk_extra)
  set_property(TARGET mk_core APPEND PROPERTY INTERFACE_LINK_LIBRARIES "$<BUILD_INTERFACE:mk_extra>")
  set_target_properties(mk_extra PROPERTIES
    EXPORT_NAME tools
    INTERFACE_LINK_LIBRARIES
      "mk_core;$<BUILD_INTERFACE:PkgConfig::SODIUM>;$<BUILD_INTERFACE:${MBEDCRYPTO}>;$<INSTALL_INTERFACE:minike::crypto>")
  install(TARGETS mk_extra EXPORT minikeTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set(_mk_pc_tools "-lmk_extra")
endif()
# minike.h: what a device uses; minike_tools.h: the rest of the API (mk_extra, or the core when
# the profile compiles it in)
set_target_properties(mk_core PROPERTIES PUBLIC_HEADER
  "${CMAKE_SOURCE_DIR}/ref/include/minike.h;${CMAKE_SOURCE_DIR}/ref/include/minike_tools.h")
set(_mk_targets mk_core)
if(TARGET mk_io)
  set_target_properties(mk_io PROPERTIES
    EXPORT_NAME io
    INTERFACE_INCLUDE_DIRECTORIES
      "$<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/ref/io>;$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/minike>"
    PUBLIC_HEADER ${CMAKE_SOURCE_DIR}/ref/io/mk_io.h)
  list(APPEND _mk_targets mk_io)
endif()

install(TARGETS mk_core EXPORT minikeTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET mk_io)
  install(TARGETS mk_io EXPORT minikeTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minike)
endif()
# The template core (ref/tiny): a second, self-contained device library with its own header;
# minike::tiny, pkg-config minike-tiny. It needs libsodium only.
if(TARGET mk_tiny)
  set_target_properties(mk_tiny PROPERTIES
    EXPORT_NAME tiny
    INTERFACE_INCLUDE_DIRECTORIES
      "$<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/ref/tiny>;$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>"
    INTERFACE_LINK_LIBRARIES "$<BUILD_INTERFACE:PkgConfig::SODIUM>;$<INSTALL_INTERFACE:minike::crypto>"
    PUBLIC_HEADER ${CMAKE_SOURCE_DIR}/ref/tiny/minike_tiny.h)
  install(TARGETS mk_tiny EXPORT minikeTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
install(EXPORT minikeTargets NAMESPACE minike:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minike)

string(REPLACE ";" " -D" _mk_cflags "-D${_mk_defs}")
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/minikeConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/minikeConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minike)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/minikeConfigVersion.cmake
  VERSION ${MK_PACKAGE_VERSION} COMPATIBILITY SameMinorVersion)
# relocatable: the prefix is found from the .pc file's own place (cmake --install --prefix P)
file(RELATIVE_PATH _mk_pc_up "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" _mk_pc_up "${_mk_pc_up}")
configure_file(${CMAKE_SOURCE_DIR}/cmake/minike.pc.in ${CMAKE_BINARY_DIR}/cmake/minike.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/cmake/minikeConfig.cmake
              ${CMAKE_BINARY_DIR}/cmake/minikeConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/minike)
install(FILES ${CMAKE_BINARY_DIR}/cmake/minike.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(TARGET mk_tiny)
  configure_file(${CMAKE_SOURCE_DIR}/cmake/minike-tiny.pc.in ${CMAKE_BINARY_DIR}/cmake/minike-tiny.pc @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/cmake/minike-tiny.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

# The test: install into a temporary prefix, build cmake/consumer/ twice out of tree (once with
# pkg-config, once with find_package) and run each against `minike respond` on 127.0.0.1.
# `minike respond` on an unprivileged test port speaks IKE behind the non-ESP marker (RFC 3948),
# which only a NAT-T build sends; a build without NAT-T talks to port 500 only (the firmware's
# tests cover that profile), so the test needs MK_NATT.
if(EXISTS ${CMAKE_SOURCE_DIR}/harness/cli/main.c AND MK_NATT) # the minike target comes later
  add_test(NAME install_consumers
           COMMAND bash ${CMAKE_SOURCE_DIR}/cmake/test_install.sh ${CMAKE_BINARY_DIR}
                   $<TARGET_FILE:minike>)
  set_tests_properties(install_consumers PROPERTIES LABELS "install;device" TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()

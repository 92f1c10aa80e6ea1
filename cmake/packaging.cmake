# Installation layout and the Debian package (CPack DEB): the specgate binary, its man page, README.
include(GNUInstallDirs)

# `install` and cpack build only what they install (make install/package build specgate and its man page),
# not every test and benchmark of the default target.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS specgate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The repository has no licence file yet; when one is added (LICENSE or COPYING), it is installed and packaged.
foreach(_licence LICENSE LICENSE.md LICENSE.txt COPYING)
  if(EXISTS ${CMAKE_SOURCE_DIR}/${_licence})
    install(FILES ${CMAKE_SOURCE_DIR}/${_licence} DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
    set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/${_licence})
    break()
  endif()
endforeach()

# The man page is generated from the built binary's --help (and each verb's --help) by Debian's help2man, so
# there is no hand-kept copy of the flags. Without help2man there is no man page, and configure says so.
find_program(HELP2MAN_PROGRAM help2man)
if(HELP2MAN_PROGRAM)
  set(SPECGATE_MAN ${CMAKE_BINARY_DIR}/specgate.1.gz)
  add_custom_command(
    OUTPUT ${SPECGATE_MAN}
    COMMAND ${CMAKE_SOURCE_DIR}/tools/packaging/man.sh $<TARGET_FILE:specgate> ${SPECGATE_MAN}
    DEPENDS specgate ${CMAKE_SOURCE_DIR}/tools/packaging/man.sh
    COMMENT "Generating specgate.1 from --help (help2man)"
    VERBATIM)
  add_custom_target(specgate_man ALL DEPENDS ${SPECGATE_MAN})
  install(FILES ${SPECGATE_MAN} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man page (apt-get install help2man)")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME specgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "specgate maintainers <specgate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "OpenAPI contract as a mock server, a validating proxy and a CI gate")
set(CPACK_PACKAGE_DESCRIPTION
    "specgate serves an OpenAPI 3.0 document (by default the embedded Kibana REST API contract) as a mock\
 server, validates live or recorded traffic against it as a proxy, and lints and diffs documents in CI.")
set(CPACK_PACKAGE_INSTALL_DIRECTORY specgate)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # specgate_X.Y.Z_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)   # Depends from dpkg-shlibdeps on the binary's libraries
set(CPACK_STRIP_FILES ON)                # the debug info stays in the build tree
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
include(CPack)

# The Debian package (`make deb`): install rules for what the package holds and CPack's DEB
# generator over them. Files in scripts/deb/: the systemd unit, the maintainer scripts, the
# copyright, changelog and man page sources, and make-config.sh, which writes the conffile.
#   /usr/bin/parleyd                    (stripped; Depends from dpkg-shlibdeps)
#   /usr/share/parley/web/              the web root (parleyd finds it beside /usr/bin), with the
#                                       bundles built by `make web` (widget.js, console.js, .map)
#   /etc/parley/parley.toml             conffile: every default commented (make-config.sh)
#   /lib/systemd/system/parleyd.service hardened: DynamicUser, StateDirectory=/var/lib/parley
#   /usr/share/doc/parley/, /usr/share/man/man1/parleyd.1.gz
# The generated files come from the target deb-files, which `make deb` builds with parleyd
# before it runs cpack: installing does not build anything itself
# (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY), so packaging never rebuilds the tests.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(PARLEY_DEB_SRC ${PROJECT_SOURCE_DIR}/scripts/deb)
set(PARLEY_DEB_GEN ${CMAKE_BINARY_DIR}/deb-files)

set(_gz_docs README.md docs/CONFIG.md protocol/PROTOCOL.md)
set(_deb_outputs ${PARLEY_DEB_GEN}/parley.toml ${PARLEY_DEB_GEN}/changelog.gz
                 ${PARLEY_DEB_GEN}/parleyd.1.gz)
set(_gz_commands)
foreach(doc IN LISTS _gz_docs)
  get_filename_component(name ${doc} NAME)
  list(APPEND _deb_outputs ${PARLEY_DEB_GEN}/${name}.gz)
  list(APPEND _gz_commands COMMAND sh -c "gzip -9n < '${PROJECT_SOURCE_DIR}/${doc}' > '${PARLEY_DEB_GEN}/${name}.gz'")
endforeach()
add_custom_command(
  OUTPUT ${_deb_outputs}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PARLEY_DEB_GEN}
  COMMAND sh ${PARLEY_DEB_SRC}/make-config.sh $<TARGET_FILE:parleyd> ${PARLEY_DEB_GEN}/parley.toml
  COMMAND sh -c "sed 's/@VERSION@/${PROJECT_VERSION}/' '${PARLEY_DEB_SRC}/changelog.in' | gzip -9n > '${PARLEY_DEB_GEN}/changelog.gz'"
  COMMAND sh -c "sed 's/@VERSION@/${PROJECT_VERSION}/' '${PARLEY_DEB_SRC}/parleyd.1' | gzip -9n > '${PARLEY_DEB_GEN}/parleyd.1.gz'"
  ${_gz_commands}
  DEPENDS parleyd ${PARLEY_DEB_SRC}/make-config.sh ${PARLEY_DEB_SRC}/changelog.in
          ${PARLEY_DEB_SRC}/parleyd.1 ${PROJECT_SOURCE_DIR}/README.md
          ${PROJECT_SOURCE_DIR}/docs/CONFIG.md ${PROJECT_SOURCE_DIR}/protocol/PROTOCOL.md
  COMMENT "Debian package files (conffile, changelog, man page, docs)"
  VERBATIM)
add_custom_target(deb-files DEPENDS ${_deb_outputs})

set(_read OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(TARGETS parleyd RUNTIME DESTINATION bin)
# The web root as parleyd serves it: the pages, parley-client.js, and what scripts/build-web.sh
# builds (`make deb` runs `make web` first): vendor/ and the bundles widget.js and console.js with
# their source maps. Not their sources (src/: the maps carry them) nor npm's files.
foreach(_built widget.js console.js vendor/chart.umd.js)
  install(CODE "if(NOT EXISTS \"${PROJECT_SOURCE_DIR}/clients/web/${_built}\")
  message(FATAL_ERROR \"clients/web/${_built} is missing: run make web (scripts/build-web.sh) first\")
endif()")
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/clients/web/ DESTINATION share/parley/web
        FILE_PERMISSIONS ${_read}
        PATTERN node_modules EXCLUDE
        PATTERN src EXCLUDE
        PATTERN package.json EXCLUDE
        PATTERN package-lock.json EXCLUDE
        PATTERN ".*" EXCLUDE)
install(FILES ${PARLEY_DEB_GEN}/parley.toml DESTINATION /etc/parley PERMISSIONS ${_read})
install(FILES ${PARLEY_DEB_SRC}/parleyd.service DESTINATION /lib/systemd/system PERMISSIONS ${_read})
install(FILES ${PARLEY_DEB_GEN}/parleyd.1.gz DESTINATION share/man/man1 PERMISSIONS ${_read})
set(_docs ${PARLEY_DEB_SRC}/copyright ${PARLEY_DEB_GEN}/changelog.gz)
foreach(doc IN LISTS _gz_docs)
  get_filename_component(name ${doc} NAME)
  list(APPEND _docs ${PARLEY_DEB_GEN}/${name}.gz)
endforeach()
install(FILES ${_docs} DESTINATION share/doc/parley PERMISSIONS ${_read})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME parley)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/deb)
set(CPACK_PACKAGE_CONTACT "The Parley developers <dev@parley.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "real-time chat server for customer support communities")
# The synopsis is the summary; this is the extended description (an empty line: a new paragraph).
set(CPACK_PACKAGE_DESCRIPTION "Parley is a chat server for customer-to-customer support: companies embed
its web widget on their site, customers ask questions in support channels and
other customers answer them, staff moderate, and bots join over WebSocket.
Every message is kept in RocksDB; answered questions become searchable
knowledge pages, and the customers who help others most are recognised as
advocates.

This package runs it as the hardened systemd service parleyd.service,
configured by /etc/parley/parley.toml, with its data in /var/lib/parley.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.54~)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PARLEY_DEB_SRC}/conffiles ${PARLEY_DEB_SRC}/postinst ${PARLEY_DEB_SRC}/prerm
    ${PARLEY_DEB_SRC}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
include(CPack)

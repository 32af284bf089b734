# Locates SOCI and defines SOCI::core, SOCI::sqlite3 and SOCI::postgresql. Debian's libsoci-dev
# ships no CMake package, so when SOCI's own config is absent the headers and libraries are found
# by name. Installed with cascade and used by its package config, so consumers get the same logic.
if(TARGET SOCI::core)
  return()
endif()
find_package(SOCI CONFIG QUIET)
if(TARGET SOCI::soci_core)
  add_library(SOCI::core INTERFACE IMPORTED)
  target_link_libraries(SOCI::core INTERFACE SOCI::soci_core)
  add_library(SOCI::sqlite3 INTERFACE IMPORTED)
  target_link_libraries(SOCI::sqlite3 INTERFACE SOCI::soci_sqlite3)
  add_library(SOCI::postgresql INTERFACE IMPORTED)
  target_link_libraries(SOCI::postgresql INTERFACE SOCI::soci_postgresql)
  return()
endif()

find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIBRARY soci_core REQUIRED)
find_library(SOCI_SQLITE3_LIBRARY soci_sqlite3 REQUIRED)
find_library(SOCI_POSTGRESQL_LIBRARY soci_postgresql REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(SQLite3 REQUIRED)

add_library(SOCI::core UNKNOWN IMPORTED)
set_target_properties(SOCI::core PROPERTIES IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}" INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
add_library(SOCI::sqlite3 UNKNOWN IMPORTED)
set_target_properties(SOCI::sqlite3 PROPERTIES IMPORTED_LOCATION "${SOCI_SQLITE3_LIBRARY}"
  INTERFACE_LINK_LIBRARIES "SOCI::core;SQLite::SQLite3")
add_library(SOCI::postgresql UNKNOWN IMPORTED)
set_target_properties(SOCI::postgresql PROPERTIES IMPORTED_LOCATION "${SOCI_POSTGRESQL_LIBRARY}"
  INTERFACE_LINK_LIBRARIES "SOCI::core;PostgreSQL::PostgreSQL")

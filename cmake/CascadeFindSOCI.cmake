# Locates SOCI: SOCI::core always, and each backend that is installed: SOCI::sqlite3, SOCI::postgresql,
# SOCI::mysql (with the client library it needs: SQLite, libpq, MariaDB's libmariadb). Debian's
# libsoci-dev ships no CMake package, so when SOCI's own config is absent the headers and libraries are
# found by name. A backend that is missing leaves its target undefined; cascade's connector of that
# database is then not offered (CASCADE_<DB>_FOUND is false). Installed with cascade and used by its
# package config, so consumers get the same logic.
if(TARGET SOCI::core)
  return()
endif()
find_package(SOCI CONFIG QUIET)
if(TARGET SOCI::soci_core)
  add_library(SOCI::core INTERFACE IMPORTED)
  target_link_libraries(SOCI::core INTERFACE SOCI::soci_core)
  foreach(backend sqlite3 postgresql mysql)
    if(TARGET SOCI::soci_${backend})
      add_library(SOCI::${backend} INTERFACE IMPORTED)
      target_link_libraries(SOCI::${backend} INTERFACE SOCI::soci_${backend})
    endif()
  endforeach()
  return()
endif()

find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIBRARY soci_core REQUIRED)
add_library(SOCI::core UNKNOWN IMPORTED)
set_target_properties(SOCI::core PROPERTIES IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}" INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")

find_library(SOCI_SQLITE3_LIBRARY soci_sqlite3)
find_package(SQLite3 QUIET)
if(SOCI_SQLITE3_LIBRARY AND TARGET SQLite::SQLite3)
  add_library(SOCI::sqlite3 UNKNOWN IMPORTED)
  set_target_properties(SOCI::sqlite3 PROPERTIES IMPORTED_LOCATION "${SOCI_SQLITE3_LIBRARY}"
    INTERFACE_LINK_LIBRARIES "SOCI::core;SQLite::SQLite3")
endif()

find_library(SOCI_POSTGRESQL_LIBRARY soci_postgresql)
find_package(PostgreSQL QUIET)
if(SOCI_POSTGRESQL_LIBRARY AND TARGET PostgreSQL::PostgreSQL)
  add_library(SOCI::postgresql UNKNOWN IMPORTED)
  set_target_properties(SOCI::postgresql PROPERTIES IMPORTED_LOCATION "${SOCI_POSTGRESQL_LIBRARY}"
    INTERFACE_LINK_LIBRARIES "SOCI::core;PostgreSQL::PostgreSQL")
endif()

# SOCI's MySQL backend header includes <mysql.h>: Debian's libmariadb-dev puts it in /usr/include/mariadb.
find_library(SOCI_MYSQL_LIBRARY soci_mysql)
find_path(MARIADB_INCLUDE_DIR mysql.h PATH_SUFFIXES mariadb mysql)
find_library(MARIADB_LIBRARY NAMES mariadb mysqlclient)
if(SOCI_MYSQL_LIBRARY AND MARIADB_INCLUDE_DIR AND MARIADB_LIBRARY)
  add_library(SOCI::mysql UNKNOWN IMPORTED)
  set_target_properties(SOCI::mysql PROPERTIES IMPORTED_LOCATION "${SOCI_MYSQL_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MARIADB_INCLUDE_DIR}" INTERFACE_LINK_LIBRARIES "SOCI::core;${MARIADB_LIBRARY}")
endif()

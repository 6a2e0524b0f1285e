#include "CSQLiteVersion.h"
#include <sqlite3.h>
#include <curl/curl.h>
const char *op_sqlite_version(void) { return sqlite3_libversion(); }
const char *op_curl_version(void) { return curl_version_info(CURLVERSION_NOW)->version; }

// Library versions for `openpieces doctor`.
const char *op_sqlite_version(void);
const char *op_curl_version(void);

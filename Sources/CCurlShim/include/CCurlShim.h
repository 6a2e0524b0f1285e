// curl_easy_setopt/getinfo are variadic macros-in-spirit that Swift cannot call: one wrapper per argument type.
#ifndef CCURLSHIM_H
#define CCURLSHIM_H
#include <curl/curl.h>

typedef size_t (*op_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*op_curl_progress_cb)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);

CURLcode op_curl_set_long(CURL *h, CURLoption opt, long v);
CURLcode op_curl_set_str(CURL *h, CURLoption opt, const char *v);
CURLcode op_curl_set_ptr(CURL *h, CURLoption opt, void *v);
CURLcode op_curl_set_slist(CURL *h, CURLoption opt, struct curl_slist *v);
CURLcode op_curl_set_data_cb(CURL *h, CURLoption opt, op_curl_data_cb cb);
CURLcode op_curl_set_progress_cb(CURL *h, op_curl_progress_cb cb);
CURLcode op_curl_set_off(CURL *h, CURLoption opt, curl_off_t v);
long op_curl_response_code(CURL *h);
// 1 once the transfer's TCP connection was made (CURLINFO_CONNECT_TIME_T is 0 until then).
int op_curl_connected(CURL *h);
CURLMcode op_curl_multi_set_long(CURLM *m, CURLMoption opt, long v);
// 1 and the handle and its result when a transfer has finished, 0 when none has.
int op_curl_multi_next_done(CURLM *m, CURL **easy, CURLcode *result);
void op_name_current_thread(const char *name);
#endif

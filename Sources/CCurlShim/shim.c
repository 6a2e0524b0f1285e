#define _GNU_SOURCE
#include <pthread.h>
#include "CCurlShim.h"

CURLcode op_curl_set_long(CURL *h, CURLoption opt, long v) { return curl_easy_setopt(h, opt, v); }
CURLcode op_curl_set_str(CURL *h, CURLoption opt, const char *v) { return curl_easy_setopt(h, opt, v); }
CURLcode op_curl_set_ptr(CURL *h, CURLoption opt, void *v) { return curl_easy_setopt(h, opt, v); }
CURLcode op_curl_set_slist(CURL *h, CURLoption opt, struct curl_slist *v) { return curl_easy_setopt(h, opt, v); }
CURLcode op_curl_set_data_cb(CURL *h, CURLoption opt, op_curl_data_cb cb) { return curl_easy_setopt(h, opt, cb); }
CURLcode op_curl_set_off(CURL *h, CURLoption opt, curl_off_t v) { return curl_easy_setopt(h, opt, v); }
long op_curl_response_code(CURL *h) { long code = 0; curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code); return code; }
int op_curl_connected(CURL *h) { curl_off_t t = 0; curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &t); return t > 0; }
CURLcode op_curl_set_progress_cb(CURL *h, op_curl_progress_cb cb) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb); }

CURLMcode op_curl_multi_set_long(CURLM *m, CURLMoption opt, long v) { return curl_multi_setopt(m, opt, v); }

// CURLMsg's result sits in a union Swift reads awkwardly: hand back the next finished transfer, skipping other kinds.
int op_curl_multi_next_done(CURLM *m, CURL **easy, CURLcode *result) {
    int left = 0;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(m, &left)) != NULL) {
        if (msg->msg == CURLMSG_DONE) {
            *easy = msg->easy_handle;
            *result = msg->data.result;
            return 1;
        }
    }
    return 0;
}

// The kernel's name for the calling thread (/proc/self/task/*/comm, 15 bytes kept); Foundation's `Thread.name` does
// not reliably reach it on Linux.
void op_name_current_thread(const char *name) { pthread_setname_np(pthread_self(), name); }

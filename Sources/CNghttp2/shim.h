#ifndef CNGHTTP2_SHIM_H
#define CNGHTTP2_SHIM_H
// Debian 12 ships libnghttp2 1.52: the pre-1.60 API (nghttp2_session_mem_recv, nghttp2_data_provider).
#include <nghttp2/nghttp2.h>
#endif

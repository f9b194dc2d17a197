#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/crypto.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <string.h>

// Function-like macros do not import into Swift; these wrappers make them callable.
static inline long cmcp_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long cmcp_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline long cmcp_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline uint64_t cmcp_SSL_OP_IGNORE_UNEXPECTED_EOF(void) {
    return SSL_OP_IGNORE_UNEXPECTED_EOF;
}
// SHA-256 through the direct interface: OpenSSL 3 marks it deprecated (in favour of EVP, which
// allocates a context and looks the implementation up per call), and its one-shot SHA256() now
// goes through that lookup too. Wrapped here so the deprecation stays in one place.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline void cmcp_sha256(const unsigned char *data, size_t count, unsigned char *out) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data, count);
    SHA256_Final(out, &ctx);
}
// HMAC-SHA256 (RFC 2104) with the key's pad blocks hashed once: `cmcp_hmac_sha256_key` leaves
// the SHA-256 states after the key^ipad and key^opad blocks; `cmcp_hmac_sha256` continues copies
// of them over the message, so a MAC under a fixed key costs two compressions less and no
// per-call key handling (a session id is verified on every call of a session).
static inline void cmcp_hmac_sha256_key(const unsigned char *key, size_t keylen, SHA256_CTX *inner, SHA256_CTX *outer) {
    unsigned char block[64] = {0};
    unsigned char pad[64];
    int i;
    if (keylen > 64) {
        cmcp_sha256(key, keylen, block);
    } else if (keylen > 0) {
        memcpy(block, key, keylen);
    }
    for (i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    SHA256_Init(inner);
    SHA256_Update(inner, pad, 64);
    for (i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(outer);
    SHA256_Update(outer, pad, 64);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
}
static inline void cmcp_hmac_sha256(const SHA256_CTX *inner, const SHA256_CTX *outer,
                                    const unsigned char *data, size_t count, unsigned char *out) {
    SHA256_CTX ctx = *inner;
    unsigned char inner_digest[32];
    SHA256_Update(&ctx, data, count);
    SHA256_Final(inner_digest, &ctx);
    ctx = *outer;
    SHA256_Update(&ctx, inner_digest, sizeof inner_digest);
    SHA256_Final(out, &ctx);
}
#pragma GCC diagnostic pop
// `EVP_PKEY_fromdata` selection for a public key (the macro ORs two others, so Swift cannot see it).
static inline int cmcp_EVP_PKEY_PUBLIC_KEY(void) {
    return EVP_PKEY_PUBLIC_KEY;
}
// Key type names, parameter names and the P-256 group name as C literals (static storage).
// OSSL_PARAM_BLD keeps the pointers it is given until OSSL_PARAM_BLD_to_param, and an
// EVP_PKEY_CTX keeps its key type name; a Swift String passed as `const char *` is a temporary
// that dies when the call returns, so these must come from C.
static inline const char *cmcp_key_type_RSA(void) { return "RSA"; }
static inline const char *cmcp_key_type_EC(void) { return "EC"; }
static inline const char *cmcp_OSSL_PKEY_PARAM_RSA_N(void) { return OSSL_PKEY_PARAM_RSA_N; }
static inline const char *cmcp_OSSL_PKEY_PARAM_RSA_E(void) { return OSSL_PKEY_PARAM_RSA_E; }
static inline const char *cmcp_OSSL_PKEY_PARAM_GROUP_NAME(void) { return OSSL_PKEY_PARAM_GROUP_NAME; }
static inline const char *cmcp_OSSL_PKEY_PARAM_PUB_KEY(void) { return OSSL_PKEY_PARAM_PUB_KEY; }
static inline const char *cmcp_SN_X9_62_prime256v1(void) { return SN_X9_62_prime256v1; }
#endif

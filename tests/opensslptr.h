// OpenSslFree: the deleter that lets std::unique_ptr own the OpenSSL
// objects the tests make (certificates, keys, stores, TLS sessions), one
// overload per type. Shared by tlscerts.cpp and tst_testsupport.cpp.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

namespace l2met::test {

struct OpenSslFree
{
    void operator()(EVP_PKEY *key) const { EVP_PKEY_free(key); }
    void operator()(X509 *cert) const { X509_free(cert); }
    void operator()(X509_EXTENSION *extension) const { X509_EXTENSION_free(extension); }
    void operator()(X509_STORE *store) const { X509_STORE_free(store); }
    void operator()(X509_STORE_CTX *context) const { X509_STORE_CTX_free(context); }
    void operator()(BIGNUM *number) const { BN_free(number); }
    void operator()(BIO *bio) const { BIO_free_all(bio); }
    void operator()(SSL_CTX *context) const { SSL_CTX_free(context); }
    void operator()(SSL *ssl) const { SSL_free(ssl); }
};

} // namespace l2met::test

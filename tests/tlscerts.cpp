#include "tlscerts.h"

#include "opensslptr.h"

#include <QDir>
#include <QFile>

#include <memory>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <utility>
#include <vector>

namespace l2met::test {

namespace {

constexpr long kDaySeconds = 24 * 60 * 60;

using Key = std::unique_ptr<EVP_PKEY, OpenSslFree>;
using Cert = std::unique_ptr<X509, OpenSslFree>;
using Extension = std::unique_ptr<X509_EXTENSION, OpenSslFree>;
using Number = std::unique_ptr<BIGNUM, OpenSslFree>;
using Bio = std::unique_ptr<BIO, OpenSslFree>;

// what, then OpenSSL's first queued error (the queue is emptied).
QString failure(const char *what)
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    QString message = QString::fromLatin1(what);
    if (code != 0) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        message += QStringLiteral(": ") + QString::fromLatin1(text);
    }
    return message;
}

Key newKey()
{
    return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

bool setCommonName(X509 *cert, const char *commonName)
{
    X509_NAME *name = X509_get_subject_name(cert);
    return X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                      reinterpret_cast<const unsigned char *>("l2met tests"), -1,
                                      -1, 0)
        == 1
        && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      reinterpret_cast<const unsigned char *>(commonName), -1, -1,
                                      0)
        == 1;
}

// A random positive 64-bit serial: two certificates from two runs never
// share issuer and serial (a verifier may cache by them).
bool setRandomSerial(X509 *cert)
{
    const Number serial(BN_new());
    return serial && BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1
        && BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr;
}

// A certificate for key named commonName, signed by issuerKey as issuer
// (itself when issuer is null), with the given extensions (nid, value in
// the openssl.cnf syntax), in that order: subjectKeyIdentifier before
// authorityKeyIdentifier, which reads the issuer's.
Cert makeCertificate(EVP_PKEY *key, const char *commonName, X509 *issuer, EVP_PKEY *issuerKey,
                     const std::vector<std::pair<int, const char *>> &extensions, QString *error)
{
    Cert cert(X509_new());
    if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 || !setRandomSerial(cert.get())
        || !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kDaySeconds)
        || !X509_gmtime_adj(X509_getm_notAfter(cert.get()), kDaySeconds)
        || X509_set_pubkey(cert.get(), key) != 1 || !setCommonName(cert.get(), commonName)
        || X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer ? issuer : cert.get()))
            != 1) {
        *error = failure("cannot fill in a certificate");
        return nullptr;
    }
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto &[nid, value] : extensions) {
        const Extension extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
        if (!extension || X509_add_ext(cert.get(), extension.get(), -1) != 1) {
            *error = failure("cannot add a certificate extension") + QStringLiteral(" (")
                + QString::fromLatin1(value) + u')';
            return nullptr;
        }
    }
    if (X509_sign(cert.get(), issuerKey ? issuerKey : key, EVP_sha256()) <= 0) {
        *error = failure("cannot sign a certificate");
        return nullptr;
    }
    return cert;
}

Cert makeCa(EVP_PKEY *key, const char *commonName, QString *error)
{
    return makeCertificate(key, commonName, nullptr, nullptr,
                           { { NID_basic_constraints, "critical,CA:TRUE" },
                             { NID_key_usage, "critical,keyCertSign,cRLSign" },
                             { NID_subject_key_identifier, "hash" } },
                           error);
}

bool writeCertificate(X509 *cert, const QString &path, QString *error)
{
    const Bio bio(BIO_new_file(QFile::encodeName(path).constData(), "w"));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
        *error = failure("cannot write ") + path;
        return false;
    }
    return true;
}

bool writeKey(EVP_PKEY *key, const QString &path, QString *error)
{
    const Bio bio(BIO_new_file(QFile::encodeName(path).constData(), "w"));
    if (!bio
        || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        *error = failure("cannot write ") + path;
        return false;
    }
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    return true;
}

} // namespace

bool makeTestCertificates(const QString &dir, TestCertificates *out, QString *error)
{
    QString ignored;
    QString *message = error ? error : &ignored;
    const QDir directory(dir);
    TestCertificates paths;
    paths.caCert = directory.filePath(QStringLiteral("ca.pem"));
    paths.serverCert = directory.filePath(QStringLiteral("server.pem"));
    paths.serverKey = directory.filePath(QStringLiteral("server.key"));
    paths.otherCaCert = directory.filePath(QStringLiteral("other-ca.pem"));

    const Key caKey = newKey();
    const Key serverKey = newKey();
    const Key otherKey = newKey();
    if (!caKey || !serverKey || !otherKey) {
        *message = failure("cannot generate an EC P-256 key");
        return false;
    }
    const Cert ca = makeCa(caKey.get(), "l2met test CA", message);
    if (!ca)
        return false;
    const Cert other = makeCa(otherKey.get(), "wrong CA", message);
    if (!other)
        return false;
    const Cert server = makeCertificate(
        serverKey.get(), "localhost", ca.get(), caKey.get(),
        { { NID_basic_constraints, "critical,CA:FALSE" },
          { NID_key_usage, "critical,digitalSignature" },
          { NID_ext_key_usage, "serverAuth" },
          { NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1" },
          { NID_subject_key_identifier, "hash" },
          { NID_authority_key_identifier, "keyid:always" } },
        message);
    if (!server)
        return false;

    if (!writeCertificate(ca.get(), paths.caCert, message)
        || !writeCertificate(server.get(), paths.serverCert, message)
        || !writeKey(serverKey.get(), paths.serverKey, message)
        || !writeCertificate(other.get(), paths.otherCaCert, message))
        return false;
    if (out)
        *out = paths;
    return true;
}

} // namespace l2met::test

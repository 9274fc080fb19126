// Throw-away TLS certificates for tests that run Redis over TLS on
// 127.0.0.1: a CA, a server certificate it signed for "localhost" and
// 127.0.0.1, the server's key, and a second CA that signed nothing (a client
// that trusts only it must refuse the server). Made with OpenSSL's C API, so
// the tests need no openssl command; fresh keys every call, nothing cached.
//
// The server certificate: CN localhost, subjectAltName DNS:localhost and
// IP:127.0.0.1, extendedKeyUsage serverAuth, valid from one day ago for two
// days (clock skew between the test and the check cannot make it "not yet
// valid"). The CAs: basicConstraints CA:TRUE, keyUsage keyCertSign.
// EC P-256 keys: generated in milliseconds, accepted by redis-server.
//
// A plain function of its arguments: any thread may call it.
#pragma once

#include <QString>

namespace l2met::test {

struct TestCertificates
{
    QString caCert;      // PEM: the CA that signed serverCert ("l2met test CA")
    QString serverCert;  // PEM: the server certificate
    QString serverKey;   // PEM: its private key (unencrypted)
    QString otherCaCert; // PEM: an unrelated CA ("wrong CA")
};

// Writes the four PEM files into dir (which must exist) and sets *out to
// their paths. False with *error (when error is not null) on failure.
bool makeTestCertificates(const QString &dir, TestCertificates *out, QString *error);

} // namespace l2met::test

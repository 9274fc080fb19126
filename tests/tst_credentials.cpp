#include <QTest>
class Tst_credentials : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_credentials)
#include "tst_credentials.moc"

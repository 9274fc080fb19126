#include <QTest>
class Tst_bucketid : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_bucketid)
#include "tst_bucketid.moc"

#include <QTest>
class Tst_bucket : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_bucket)
#include "tst_bucket.moc"

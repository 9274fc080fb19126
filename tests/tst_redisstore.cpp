#include <QTest>
class Tst_redisstore : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_redisstore)
#include "tst_redisstore.moc"

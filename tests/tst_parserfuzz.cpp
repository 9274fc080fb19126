#include <QTest>
class Tst_parserfuzz : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_parserfuzz)
#include "tst_parserfuzz.moc"

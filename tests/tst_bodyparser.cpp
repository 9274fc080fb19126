#include <QTest>
class Tst_bodyparser : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_bodyparser)
#include "tst_bodyparser.moc"

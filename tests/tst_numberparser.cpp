#include <QTest>
class Tst_numberparser : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_numberparser)
#include "tst_numberparser.moc"

#include <QTest>
class Tst_libratooutlet : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_libratooutlet)
#include "tst_libratooutlet.moc"

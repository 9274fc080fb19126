#include <QTest>
class Tst_conventions : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_conventions)
#include "tst_conventions.moc"

#include <QTest>
class Tst_converter : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_converter)
#include "tst_converter.moc"

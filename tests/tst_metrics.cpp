#include <QTest>
class Tst_metrics : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_metrics)
#include "tst_metrics.moc"

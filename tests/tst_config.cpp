#include <QTest>
class Tst_config : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_config)
#include "tst_config.moc"

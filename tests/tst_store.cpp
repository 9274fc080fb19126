#include <QTest>
class Tst_store : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_store)
#include "tst_store.moc"

#include <QTest>
class Tst_logfmt : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_logfmt)
#include "tst_logfmt.moc"

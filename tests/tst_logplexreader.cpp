#include <QTest>
class Tst_logplexreader : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_logplexreader)
#include "tst_logplexreader.moc"

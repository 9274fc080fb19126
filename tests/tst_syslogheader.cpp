#include <QTest>
class Tst_syslogheader : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_syslogheader)
#include "tst_syslogheader.moc"

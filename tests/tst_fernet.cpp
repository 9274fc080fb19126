#include <QTest>
class Tst_fernet : public QObject { Q_OBJECT };
QTEST_GUILESS_MAIN(Tst_fernet)
#include "tst_fernet.moc"

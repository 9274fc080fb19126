#include <QCoreApplication>
#include <QCommandLineParser>
int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("l2met"));
    QCoreApplication::setApplicationVersion(QStringLiteral(L2MET_VERSION));
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addVersionOption();
    parser.process(app);
    return 0;
}

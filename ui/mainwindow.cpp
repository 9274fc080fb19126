#include "mainwindow.h"

#include "engine/engine.h"

#include <QCloseEvent>
#include <QLabel>

namespace l2met {

MainWindow::MainWindow(Config config, QString configPath, QWidget *parent)
    : QMainWindow(parent)
    , m_config(std::move(config))
    , m_configPath(std::move(configPath))
    , m_label(new QLabel(this))
{
    setWindowTitle(QStringLiteral("l2met"));
    setCentralWidget(m_label);
    resize(640, 400);
}

MainWindow::~MainWindow() = default;

bool MainWindow::startEngine(QString *error)
{
    m_engine = std::make_unique<Engine>(m_config);
    if (!m_engine->start(error))
        return false;
    connect(m_engine.get(), &Engine::snapshotReady, this, &MainWindow::showSnapshot);
    m_engine->publishSnapshots(250);
    return true;
}

void MainWindow::showSnapshot(const std::shared_ptr<const EngineSnapshot> &snapshot)
{
    m_label->setText(QStringLiteral("port %1\nlines aggregated %2\ngauges delivered %3")
                         .arg(snapshot->port)
                         .arg(snapshot->metric("lines_aggregated"))
                         .arg(snapshot->metric("gauges_delivered")));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_engine)
        m_engine->shutdown(30000);
    event->accept();
}

} // namespace l2met

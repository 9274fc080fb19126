// MainWindow: the desktop window over the engine (placeholder until the
// desktop application lands: shows the drain address and the live counters).
// It owns the Engine; closing it shuts the engine down gracefully.
// GUI thread only.
#pragma once

#include "config/config.h"

#include <QMainWindow>

#include <memory>

class QLabel;

namespace l2met {

class Engine;
struct EngineSnapshot;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    MainWindow(Config config, QString configPath, QWidget *parent = nullptr);
    ~MainWindow() override;

    bool startEngine(QString *error);
    Engine *engine() const { return m_engine.get(); }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void showSnapshot(const std::shared_ptr<const EngineSnapshot> &snapshot);

    Config m_config;
    QString m_configPath;
    std::unique_ptr<Engine> m_engine;
    QLabel *m_label = nullptr;
};

} // namespace l2met

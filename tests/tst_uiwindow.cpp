// The desktop window end to end: a real MainWindow over a real engine on a
// loopback port (temp config file, fake Librato or preview mode). Bodies
// POSTed over HTTP show up in the Buckets table; the Configuration tab
// validates, saves (0600, read back equal) and applies (the engine restarts
// and delivers what it held); the drain helper's token is accepted by
// /logs; preview payloads are shown as the snapshot holds them; closing the
// window shuts the engine down and delivers; every metric the tabs read is
// one the engine registers. The Buckets filter runs in the engine over every
// bucket (more than the table's kMaxBuckets), and the Metrics tab flags a
// pattern of ids in metric names.
#include "auth/fernet.h"
#include "bucketfilterproxy.h"
#include "bucketmodel.h"
#include "bucketstab.h"
#include "config/configloader.h"
#include "config/settings.h"
#include "configform.h"
#include "configtab.h"
#include "copyabletableview.h"
#include "deliverymodel.h"
#include "deliverytab.h"
#include "drainhelper.h"
#include "engine/engine.h"
#include "enginetestkit.h"
#include "fakelibrato.h"
#include "labelcountmodel.h"
#include "linemodel.h"
#include "linestab.h"
#include "mainwindow.h"
#include "metricsmodel.h"
#include "metricstab.h"
#include "modelroles.h"
#include "overviewtab.h"
#include "previewmodel.h"
#include "problemstab.h"
#include "problemmodel.h"
#include "secretedit.h"
#include "ratetracker.h"
#include "sourcemodel.h"
#include "sourcestab.h"

#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QFormLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeView>
#include <QTest>

#include <algorithm>

using namespace l2met;
using namespace l2met::test;

namespace {

const QByteArray kAlice = "alice@example.com:alice-api-token";

// Stamped in the next hour: at resolution=3600 its bucket waits an hour or
// two (within the recv-deadline of two resolutions), whatever the clock says.
qint64 nextHour()
{
    return QDateTime::currentSecsSinceEpoch() + 3600;
}

} // namespace

class TstUiWindow : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeLibrato> m_librato;
    std::unique_ptr<MainWindow> m_window;
    QString m_configPath;

    Config baseConfig(bool preview) const
    {
        Config c;
        c.bind = QStringLiteral("127.0.0.1");
        c.port = 0;
        c.secrets = Fernet::generateKey();
        c.libratoUrl = m_librato->url().toString();
        c.flushIntervalMs = 50;
        c.outletIntervalMs = 50;
        c.concurrency = 2;
        c.outletTtlMs = 1000;
        c.preview = preview;
        c.configFile = m_configPath;
        return c;
    }
    void openWindow(bool preview, int localResolution = 10)
    {
        Config c = baseConfig(preview);
        c.localResolution = localResolution;
        m_window = std::make_unique<MainWindow>(c, m_configPath);
        QString error;
        QVERIFY2(m_window->startEngine(&error), qPrintable(error));
        m_window->show();
    }
    QUrl logsUrl(const QString &query = {}) const
    {
        QUrl u(QStringLiteral("http://127.0.0.1:%1/logs").arg(m_window->engine()->port()));
        if (!query.isEmpty())
            u.setQuery(query);
        return u;
    }
    int post(const QByteArray &token, const QByteArray &body, const QString &query = {}) const
    {
        return http("POST", logsUrl(query), body, { { "Authorization", basicAuth(token) } }).status;
    }
    int rowOf(const QByteArray &name) const
    {
        const BucketModel *m = m_window->bucketsTab()->model();
        for (int r = 0; r < m->rowCount(); ++r) {
            if (m->bucket(r).name == name)
                return r;
        }
        return -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        QCoreApplication::setOrganizationName(QStringLiteral("l2met-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_uiwindow"));
    }
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir->path());
        m_configPath = m_dir->filePath(QStringLiteral("conf/l2met.conf"));
        m_librato = std::make_unique<FakeLibrato>();
        QVERIFY(m_librato->isListening());
    }
    void cleanup()
    {
        m_window.reset();
        m_librato.reset();
        m_dir.reset();
    }

    void postedBodyShowsInBuckets()
    {
        openWindow(false);
        const QByteArray token = m_window->engine()->sign(kAlice);
        const qint64 now = nextHour();
        const QByteArray body = frame(now, "web.1", "measure#db.latency=4ms source=web.1")
            + frame(now, "web.1", "measure#db.latency=6ms source=web.1") + frame(now, "web.1", "just a log line");
        QCOMPARE(post(token, body, QStringLiteral("resolution=3600")), 200);
        QTRY_VERIFY(rowOf("db.latency") >= 0);
        const BucketModel *m = m_window->bucketsTab()->model();
        QTRY_COMPARE(m->index(rowOf("db.latency"), BucketModel::Count).data().toString(), QStringLiteral("2"));
        const int row = rowOf("db.latency");
        QCOMPARE(m->index(row, BucketModel::User).data().toString(), QStringLiteral("alice@example.com"));
        QCOMPARE(m->index(row, BucketModel::Source).data().toString(), QStringLiteral("web.1"));
        QCOMPARE(m->index(row, BucketModel::Units).data().toString(), QStringLiteral("ms"));
        QCOMPARE(m->index(row, BucketModel::Sum).data().toString(), QStringLiteral("10"));
        QCOMPARE(m->index(row, BucketModel::Resolution).data().toString(), QStringLiteral("1 h"));
        QTRY_COMPARE(m_window->overviewTab()->valueText(QStringLiteral("lines_total")), QStringLiteral("3"));
        QVERIFY(m_window->overviewTab()->valueText(QStringLiteral("store")).contains(QStringLiteral("healthy")));
        QVERIFY(!m_window->overviewTab()->drainUrls().isEmpty());
        QVERIFY(m_window->overviewTab()->drainUrls().first().startsWith(
            QStringLiteral("http://TOKEN@127.0.0.1:%1/logs").arg(m_window->engine()->port())));

        // The filter finds it by source; the selection charts its metric.
        BucketsTab *tab = m_window->bucketsTab();
        tab->filterEdit()->setText(QStringLiteral("web.1"));
        QCOMPARE(tab->proxy()->rowCount(), 1);
        QVERIFY(tab->selectKey(BucketModel::key(m->bucket(row))));
        QVERIFY(tab->selectedMetric() == MetricId::of(m->bucket(row)));
        tab->view()->copySelection();
        QVERIFY(QApplication::clipboard()->text().startsWith(QStringLiteral("alice@example.com\tdb.latency\tweb.1\t")));

        // A rejected request shows as a problem and in the counts by status.
        QCOMPARE(post("not-a-token", body), 401);
        QTRY_VERIFY(m_window->problemsTab()->model()->rowCount() > 0);
        QTRY_COMPARE(m_window->problemsTab()->rejectedModel()->count(QStringLiteral("401")), 1.0);
    }

    // More buckets than a snapshot carries: the table shows kMaxBuckets of
    // them and says so; the filter reaches one past them (the engine
    // filters every bucket). The Metrics tab groups the ids in the names
    // into one flagged pattern and explains it.
    void filterCoversEveryBucketAndMetricsFlagsIds()
    {
        openWindow(false);
        const QByteArray token = m_window->engine()->sign(kAlice);
        const qint64 now = nextHour();
        const int ids = EngineSnapshot::kMaxBuckets + 50;
        QByteArray body;
        for (int i = 0; i < ids; ++i)
            body += frame(now, "web.1", "measure#user." + QByteArray::number(10000 + i) + ".latency=5ms source=web.1");
        body += frame(now, "web.1", "count#zz.needle=1 source=web.1");
        QCOMPARE(post(token, body, QStringLiteral("resolution=3600")), 200);

        BucketsTab *buckets = m_window->bucketsTab();
        QTRY_COMPARE(m_window->lastSnapshot() ? m_window->lastSnapshot()->bucketsTotal : 0, qint64(ids + 1));
        QTRY_COMPARE(buckets->model()->rowCount(), EngineSnapshot::kMaxBuckets);
        QCOMPARE(rowOf("zz.needle"), -1); // sorted by name: past the first kMaxBuckets
        QCOMPARE(buckets->countText(), QStringLiteral("5,000 of 5,051 buckets"));

        buckets->filterEdit()->setText(QStringLiteral("NEEDLE"));
        QTRY_VERIFY(rowOf("zz.needle") >= 0);
        QTRY_COMPARE(buckets->proxy()->rowCount(), 1);
        QTRY_COMPARE(buckets->countText(), QStringLiteral("1 of 1 matching (5,051 buckets)"));
        QCOMPARE(m_window->engine()->bucketQuery().filter, QStringLiteral("NEEDLE"));

        // Sorting by a column asks the engine for that order over everything.
        buckets->filterEdit()->clear();
        buckets->view()->sortByColumn(BucketModel::Name, Qt::DescendingOrder);
        QCOMPARE(m_window->engine()->bucketQuery().sortKey, BucketSortKey::Name);
        QCOMPARE(m_window->engine()->bucketQuery().order, Qt::DescendingOrder);
        QTRY_VERIFY(rowOf("zz.needle") >= 0);

        // Metrics: one flagged pattern for the ids, explained.
        m_window->tabs()->setCurrentIndex(MainWindow::MetricsPage);
        QCOMPARE(m_window->tabs()->tabText(MainWindow::MetricsPage), QStringLiteral("&Metrics"));
        MetricsTab *metrics = m_window->metricsTab();
        QTRY_VERIFY(metrics->model()->rowOf("user.#.latency") >= 0);
        const int row = metrics->model()->rowOf("user.#.latency");
        QTRY_COMPARE(metrics->model()->pattern(row).names, qint64(ids));
        QVERIFY(metrics->model()->pattern(row).idsInNames);
        QCOMPARE(metrics->model()->pattern(row).streams, qint64(ids));
        QCOMPARE(metrics->model()->pattern(row).topNames.size(), MetricSummary::kNamesPerPattern);
        QVERIFY(!metrics->model()->pattern(metrics->model()->rowOf("zz.needle")).idsInNames);
        QVERIFY(metrics->bannerVisible());
        QVERIFY2(metrics->bannerText().contains(QStringLiteral("user.#.latency: 5,050 names differ only by a number")),
                 qPrintable(metrics->bannerText()));
        // Sorted by streams: the flagged pattern on top; selecting it expands
        // it and explains it.
        const QModelIndex top = metrics->proxy()->index(0, MetricsModel::Pattern);
        QCOMPARE(top.data().toString(), QStringLiteral("user.#.latency"));
        metrics->view()->setCurrentIndex(top);
        QVERIFY(metrics->view()->isExpanded(top));
        QVERIFY(metrics->detailText().contains(QStringLiteral("Put the id in source=")));
        QCOMPARE(metrics->userModel()->rowCount(), 1);
        QCOMPARE(metrics->userModel()->user(0).flaggedPatterns, 1);
    }

    void configValidationAndSave()
    {
        openWindow(false);
        ConfigTab *tab = m_window->configTab();
        auto *flush = tab->form()->findChild<QLineEdit *>(QStringLiteral("flush-interval"));
        auto *save = tab->findChild<QPushButton *>(QStringLiteral("config-save"));
        auto *apply = tab->findChild<QPushButton *>(QStringLiteral("config-apply"));
        QVERIFY(flush && save && apply);
        QVERIFY(tab->validationMessage().isEmpty());
        QVERIFY(save->isEnabled());

        flush->setText(QStringLiteral("5ms")); // below 10ms
        QVERIFY(tab->validationMessage().contains(QStringLiteral("-flush-interval")));
        QVERIFY(!save->isEnabled());
        QVERIFY(!apply->isEnabled());
        auto *message = tab->findChild<QLabel *>(QStringLiteral("config-message"));
        QCOMPARE(message->text(), tab->validationMessage());
        flush->setText(QStringLiteral("soon"));
        QVERIFY(tab->validationMessage().contains(QStringLiteral("expected a duration")));
        QString error;
        QVERIFY(!tab->save(&error));
        QVERIFY(!QFile::exists(m_configPath));

        // A rule between settings.
        flush->setText(QStringLiteral("1.5s"));
        auto *inbox = tab->form()->findChild<QLineEdit *>(QStringLiteral("inbox-bytes"));
        inbox->setText(QStringLiteral("1M"));
        QVERIFY(tab->validationMessage().contains(QStringLiteral("--inbox-bytes")));
        inbox->setText(QStringLiteral("128M"));
        QVERIFY(tab->validationMessage().isEmpty());
        QVERIFY(save->isEnabled());

        // Secrets are masked.
        auto *secrets = tab->form()->findChild<QWidget *>(QStringLiteral("secrets"));
        QVERIFY(secrets);
        const QList<QLineEdit *> secretEdits = secrets->findChildren<QLineEdit *>();
        QCOMPARE(secretEdits.size(), 1);
        QCOMPARE(secretEdits.first()->echoMode(), QLineEdit::Password);

        QTest::mouseClick(save, Qt::LeftButton);
        QVERIFY(QFile::exists(m_configPath));
        QCOMPARE(QFile::permissions(m_configPath) & ~(QFile::ReadUser | QFile::WriteUser),
                 QFile::ReadOwner | QFile::WriteOwner);
        const std::optional<Config> read = ConfigLoader::readFile(m_configPath, &error);
        QVERIFY2(read, qPrintable(error));
        QString parseError;
        Config expected = tab->form()->candidate(&parseError);
        QVERIFY(parseError.isEmpty());
        QCOMPARE(expected.flushIntervalMs, 1500);
        QCOMPARE(expected.inboxBytes, 128LL << 20);
        expected.configFile.clear(); // not a file setting
        expected.noGui = false;
        QVERIFY(*read == expected);
    }

    void configFormHasEveryFormSetting()
    {
        // The form is built from the settings table: every setting marked
        // for it has a row (labelled, unless a check box says what it is),
        // masked when it may hold a credential; the others have no field.
        ConfigForm form;
        for (const Setting &s : Settings::table()) {
            QWidget *field = form.findChild<QWidget *>(s.keyName());
            if (!s.inForm) {
                QVERIFY2(!field && !form.field(s.keyName()), s.key);
                continue;
            }
            QVERIFY2(field && form.field(s.keyName()) == field, s.key);
            auto *layout = qobject_cast<QFormLayout *>(field->parentWidget()->layout());
            QVERIFY2(layout, s.key);
            int row = -1;
            QFormLayout::ItemRole role = QFormLayout::FieldRole;
            layout->getWidgetPosition(field, &row, &role);
            QVERIFY2(row >= 0, s.key);
            QVERIFY2(s.kind == SettingKind::Bool || layout->labelForField(field), s.key);
            QVERIFY2((qobject_cast<SecretEdit *>(field) != nullptr) == s.mayHoldCredentials(), s.key);
            QVERIFY2(field->toolTip().contains(s.flagText()), s.key);
        }

        // Every field is wired both ways: a Config unlike the defaults in
        // each setting reads back equal (and settings without a field are kept).
        Config c;
        for (const Setting &s : Settings::table()) {
            QString text;
            switch (s.kind) {
            case SettingKind::Bool:
                text = Settings::defaultText(s) == u"true" ? QStringLiteral("false") : QStringLiteral("true");
                break;
            case SettingKind::Int:
            case SettingKind::Duration:
            case SettingKind::Bytes:
            case SettingKind::Resolution:
                text = ValueParse::formatNumber(
                    s.kind, Settings::number(s, Config()) == s.min ? s.max : s.min);
                break;
            case SettingKind::Address:
                text = QStringLiteral("::1");
                break;
            case SettingKind::HttpUrl:
                text = QStringLiteral("http://127.0.0.1:9/a");
                break;
            case SettingKind::OptionalHttpUrl:
                text = QStringLiteral("https://user:token@metrics.example.com");
                break;
            case SettingKind::RedisUrl:
                text = QStringLiteral("redis://:pw@redis.example.com:6380/3");
                break;
            case SettingKind::Secrets:
                text = QString::fromLatin1(Fernet::generateKey() + ':' + Fernet::generateKey());
                break;
            case SettingKind::HostPort:
                text = QStringLiteral("[::1]:5514");
                break;
            case SettingKind::Percentiles:
                text = QStringLiteral("75,90,99.9");
                break;
            case SettingKind::Paths:
                text = QStringLiteral("/var/log/a b.log | /tmp/c.log");
                break;
            case SettingKind::Words:
                text = QStringLiteral("app-one app-two");
                break;
            case SettingKind::Text:
            case SettingKind::SecretText:
                text = QStringLiteral("text-of-") + s.keyName();
                break;
            }
            QVERIFY2(Settings::assign(s, text, c).isEmpty(), s.key);
            QVERIFY2(Settings::text(s, c) != Settings::defaultText(s), s.key);
        }
        form.setConfig(c);
        QString error;
        QVERIFY(form.candidate(&error) == c);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void drainHelperTokenIsAccepted()
    {
        openWindow(false);
        DrainHelper *helper = m_window->configTab()->drainHelper();
        QVERIFY(helper->drainToken().isEmpty());
        helper->setHost(QStringLiteral("drain.example.com"));
        helper->setCredentials(QStringLiteral("alice@example.com"), QStringLiteral("alice-api-token"));
        const QByteArray token = helper->drainToken();
        QVERIFY(!token.isEmpty());
        const QUrl url(helper->drainUrl());
        QCOMPARE(url.scheme(), QStringLiteral("http"));
        QCOMPARE(url.userName().toLatin1(), token);
        QCOMPARE(url.host(), QStringLiteral("drain.example.com"));
        QCOMPARE(url.port(), int(m_window->engine()->port()));
        QCOMPARE(url.path(), QStringLiteral("/logs"));
        QCOMPARE(url.query(), QStringLiteral("resolution=60"));
        QVERIFY(!helper->drainUrl().contains(QStringLiteral("alice-api-token")));
        const QByteArray body = frame(QDateTime::currentSecsSinceEpoch(), "web.1", "count#signups=1");
        QCOMPARE(post(token, body), 200);
        // A user with ':' cannot be delivered: no token.
        helper->setCredentials(QStringLiteral("a:b"), QStringLiteral("t"));
        QVERIFY(helper->drainToken().isEmpty());
    }

    void previewPayloadsMatchSnapshot()
    {
        openWindow(true);
        const QByteArray token = m_window->engine()->sign(kAlice);
        // A window that already ended (the previous 10 s, well within the
        // recv-deadline of 20 s): the outlet takes it at its next scan.
        const qint64 past = QDateTime::currentSecsSinceEpoch() - 10;
        QCOMPARE(post(token, frame(past, "web.1", "measure#api.time=12ms count#api.calls=3"),
                      QStringLiteral("resolution=10")),
                 200);
        DeliveryTab *tab = m_window->deliveryTab();
        QTRY_VERIFY(tab->previewModel()->rowCount() > 0);
        QTRY_VERIFY(!tab->payloadText().isEmpty());

        QSignalSpy applied(m_window.get(), &MainWindow::snapshotApplied);
        QVERIFY(applied.wait(5000));
        const std::shared_ptr<const EngineSnapshot> s = m_window->lastSnapshot();
        QVERIFY(s->preview);
        QCOMPARE(tab->previewModel()->rowCount(), s->previews.size());
        for (int i = 0; i < s->previews.size(); ++i) // newest first
            QCOMPARE(tab->previewModel()->json(i), s->previews.at(s->previews.size() - 1 - i).json);
        const QByteArray shown = tab->selectedPayload();
        QVERIFY(std::any_of(s->previews.cbegin(), s->previews.cend(),
                            [&shown](const PreviewPayload &p) { return p.json == shown; }));
        QCOMPARE(QJsonDocument::fromJson(tab->payloadText().toUtf8()), QJsonDocument::fromJson(shown));
        QVERIFY(tab->payloadText().contains(QStringLiteral("api.time")));
        QVERIFY(!tab->payloadText().contains(QStringLiteral("alice-api-token")));
        QCOMPARE(m_librato->requests().size(), 0); // preview sends nothing
    }

    void applyRestartsEngineAndDelivers()
    {
        openWindow(false);
        Engine *before = m_window->engine();
        const QByteArray token = before->sign(kAlice);
        QCOMPARE(post(token, frame(nextHour(), "web.1", "count#orders=7"),
                      QStringLiteral("resolution=3600")),
                 200);
        QTRY_VERIFY(rowOf("orders") >= 0);

        auto *retry = m_window->configTab()->form()->findChild<QSpinBox *>(QStringLiteral("outlet-retry"));
        QVERIFY(retry);
        retry->setValue(3);
        QSignalSpy restarted(m_window.get(), &MainWindow::engineRestarted);
        QTest::mouseClick(m_window->configTab()->findChild<QPushButton *>(QStringLiteral("config-apply")),
                          Qt::LeftButton);
        QCOMPARE(restarted.size(), 1);
        QVERIFY(m_window->engine()->isRunning());
        QCOMPARE(m_window->engine()->config().outletRetry, 3);
        QCOMPARE(m_window->config().outletRetry, 3);
        // The old engine delivered the hour's bucket before it stopped.
        QCOMPARE(m_librato->gaugesNamed(QStringLiteral("orders")).size(), 1);
        // The new engine serves with the same secrets.
        QCOMPARE(post(token, frame(QDateTime::currentSecsSinceEpoch(), "web.1", "count#orders=1")), 200);
        QTRY_VERIFY(m_window->lastSnapshot() && m_window->lastSnapshot()->port == m_window->engine()->port());
    }

    void deliveryShowsUsersNeverTokens()
    {
        openWindow(false);
        const QByteArray token = m_window->engine()->sign(kAlice);
        QCOMPARE(post(token, frame(QDateTime::currentSecsSinceEpoch() - 10, "web.1", "measure#q=1"),
                      QStringLiteral("resolution=10")),
                 200);
        QTRY_VERIFY(!m_librato->gaugesNamed(QStringLiteral("q")).isEmpty());
        const DeliveryModel *m = m_window->deliveryTab()->model();
        QTRY_COMPARE(m->rowCount(), 1);
        QTRY_COMPARE(m->index(0, DeliveryModel::GaugesDelivered).data().toString(), QStringLiteral("4"));
        QCOMPARE(m->index(0, DeliveryModel::User).data().toString(), QStringLiteral("alice@example.com"));
        for (int c = 0; c < m->columnCount(); ++c) {
            for (const int role : { int(Qt::DisplayRole), int(SortRole), int(CopyRole), int(KeyRole), int(Qt::ToolTipRole) }) {
                const QByteArray text = m->index(0, c).data(role).toString().toUtf8();
                QVERIFY(!text.contains("alice-api-token"));
                QVERIFY(!text.contains(token));
            }
        }
    }

    // Every metric a tab reads is one the running engine registers: a metric
    // renamed, or no longer registered, would only show as 0 in the window.
    void windowReadsRegisteredMetrics()
    {
        openWindow(false);
        const QByteArray token = m_window->engine()->sign(kAlice);
        // An L10 notice: logplex_dropped_by_user is registered for a user at
        // the first drops logplex reports for it.
        const QByteArray body = frame(nextHour(), "web.1", "measure#db.latency=4ms")
            + frame(nextHour(), "logplex", "Error L10 (output buffer overflow): 5 messages dropped since now.");
        QCOMPARE(post(token, body, QStringLiteral("resolution=3600")), 200);
        QTRY_COMPARE(m_window->overviewTab()->valueText(QStringLiteral("logplex_dropped")), QStringLiteral("5"));

        QList<const MetricInfo *> read = RateTracker::metricsRead();
        read << OverviewTab::metricsRead() << DeliveryTab::metricsRead() << ProblemsTab::metricsRead();
        QVERIFY(read.size() >= 20);
        const std::shared_ptr<const EngineSnapshot> snapshot = m_window->engine()->snapshot();
        for (const MetricInfo *metric : std::as_const(read)) {
            const bool labelled = !metric->labels.isEmpty();
            const bool registered
                = std::any_of(snapshot->metrics.cbegin(), snapshot->metrics.cend(), [&](const MetricSample &s) {
                      return labelled ? s.isOf(*metric) && !s.labels.isEmpty() : s.is(*metric);
                  });
            QVERIFY2(registered, metric->name.data());
        }
    }

    void closeShutsDownAndDelivers()
    {
        openWindow(false);
        const QByteArray token = m_window->engine()->sign(kAlice);
        QCOMPARE(post(token, frame(nextHour(), "web.1", "count#closing=5"),
                      QStringLiteral("resolution=3600")),
                 200);
        QTRY_VERIFY(rowOf("closing") >= 0);
        QVERIFY(m_window->close());
        QVERIFY(!m_window->engine()->isRunning());
        const QList<FakeLibrato::Gauge> gauges = m_librato->gaugesNamed(QStringLiteral("closing"));
        QCOMPARE(gauges.size(), 1);
        QCOMPARE(gauges.first().json.value(QStringLiteral("value")).toDouble(), 5.0);
    }

    void tabShortcutsAndSettings()
    {
        openWindow(false);
        m_window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        QTest::keyClick(m_window.get(), Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->currentIndex(), int(MainWindow::SourcesPage));
        QTest::keyClick(m_window.get(), Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->currentIndex(), int(MainWindow::LinesPage));
        QTest::keyClick(m_window.get(), Qt::Key_5, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->currentIndex(), int(MainWindow::MetricsPage));
        QTest::keyClick(m_window.get(), Qt::Key_6, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->currentIndex(), int(MainWindow::PartitionsPage));
        QTest::keyClick(m_window.get(), Qt::Key_9, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->currentIndex(), int(MainWindow::ConfigurationPage));
        QTest::keyClick(m_window.get(), Qt::Key_7, Qt::ControlModifier);
        m_window->resize(900, 640);
        QVERIFY(!m_window->windowIcon().isNull());
        m_window->close();
        m_window.reset();

        openWindow(false);
        QCOMPARE(m_window->tabs()->currentIndex(), int(MainWindow::DeliveryPage));
        QCOMPARE(m_window->size(), QSize(900, 640));
    }

    // Lines are captured only while the Lines tab is seen; a file added in
    // the Sources tab is read, saved to the config file, its lines show what
    // they became, Enter on one opens its bucket; removing it unsaves it.
    void sourcesAndLines()
    {
        QString error;
        QVERIFY2(ConfigLoader::save(baseConfig(false), m_configPath, &error), qPrintable(error));
        openWindow(true, 3600); // the file's buckets stay in the table for this test
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QVERIFY(!m_window->lineCaptureOn());
        m_window->tabs()->setCurrentIndex(MainWindow::LinesPage);
        QVERIFY(m_window->lineCaptureOn());
        m_window->tabs()->setCurrentIndex(MainWindow::SourcesPage);
        QVERIFY(!m_window->lineCaptureOn());
        m_window->tabs()->setCurrentIndex(MainWindow::LinesPage);

        const QString path = m_dir->filePath(QStringLiteral("app.log"));
        const auto append = [&path](const QByteArray &lines) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::Append));
            file.write(lines);
        };
        const QByteArray stamp =
            QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toLatin1().replace('Z', "+00:00");
        append(stamp + " app[web.1]: measure#db.latency=4ms count#db.queries=2 source=web.1\n" + stamp
               + " heroku[web.1]: Error R14 (Memory quota exceeded)\n");

        QSignalSpy sourcesSaved(m_window.get(), &MainWindow::sourcesSaved);
        const int id = m_window->addSource(SourceSpec { SourceKind::File, path, true }, &error);
        QVERIFY2(id > 0, qPrintable(error));
        QCOMPARE(sourcesSaved.size(), 1);
        // The Configuration tab follows (Apply keeps the file).
        QString formError;
        QCOMPARE(m_window->configTab()->form()->candidate(&formError).tailFiles, QStringList { path });
        QVERIFY(m_window->sourcesTab()->message().startsWith(QStringLiteral("Added file")));
        QVERIFY(m_window->config().tailFiles.contains(path));
        std::optional<Config> saved = ConfigLoader::readFile(m_configPath, &error);
        QVERIFY2(saved, qPrintable(error));
        QCOMPARE(saved->tailFiles, QStringList { path });
        QVERIFY(!saved->preview); // only the sources entries of the file change

        const SourceModel *sources = m_window->sourcesTab()->model();
        QTRY_VERIFY(sources->rowOfId(id) >= 0);
        QCOMPARE(m_window->sourcesTab()->selectedId(), id); // the source just added
        QTRY_COMPARE(sources->source(sources->rowOfId(id)).linesRead, quint64(2));
        LinesTab *lines = m_window->linesTab();
        QTRY_COMPARE(lines->model()->rowCount(), 2);
        QCOMPARE(lines->model()->index(0, LineModel::Outcome).data().toString(), QStringLiteral("1 metric")); // heroku.error.R14
        QCOMPARE(lines->model()->index(1, LineModel::Outcome).data().toString(), QStringLiteral("2 metrics"));
        QCOMPARE(lines->model()->index(1, LineModel::Source).data().toString(), QStringLiteral("file ") + path);
        QVERIFY(lines->model()->index(1, LineModel::Became).data().toString().startsWith(
            QStringLiteral("measure db.latency = 4\u2009ms, count db.queries = 2 · source=web.1 · window ")));

        // Not seen: not captured.
        m_window->tabs()->setCurrentIndex(MainWindow::OverviewPage);
        QVERIFY(!m_window->lineCaptureOn());
        append(stamp + " app[web.1]: count#unseen=1\n");
        QTRY_COMPARE(sources->source(sources->rowOfId(id)).linesRead, quint64(3));
        QTest::qWait(600);
        QCOMPARE(lines->model()->rowCount(), 2);

        // Enter on the line with metrics opens its bucket.
        m_window->tabs()->setCurrentIndex(MainWindow::LinesPage);
        QTRY_VERIFY(rowOf("db.latency") >= 0);
        lines->view()->setFocus();
        lines->view()->setCurrentIndex(lines->proxy()->index(1, 0));
        QTest::keyClick(lines->view(), Qt::Key_Return);
        QCOMPARE(m_window->tabs()->currentIndex(), int(MainWindow::BucketsPage));
        QCOMPARE(m_window->bucketsTab()->selectedMetric().name, QByteArray("db.latency"));
        QVERIFY(!m_window->lineCaptureOn());

        m_window->tabs()->setCurrentIndex(MainWindow::LinesPage);
        QVERIFY(m_window->lineCaptureOn());
        m_window->hide();
        QVERIFY(!m_window->lineCaptureOn());
        m_window->show();
        QVERIFY(m_window->lineCaptureOn());

        m_window->removeSource(id);
        QTRY_COMPARE(sources->rowOfId(id), -1);
        QVERIFY(m_window->config().tailFiles.isEmpty());
        saved = ConfigLoader::readFile(m_configPath, &error);
        QVERIFY2(saved, qPrintable(error));
        QVERIFY(saved->tailFiles.isEmpty());

        // A source the engine refuses: the reason shows in the tab.
        QCOMPARE(m_window->addSource(SourceSpec { SourceKind::Command, QStringLiteral(" "), false }, &error), 0);
        QVERIFY(m_window->sourcesTab()->message().startsWith(QStringLiteral("Not added")));
        QVERIFY(m_window->sourcesTab()->message().contains(error));
    }
};

QTEST_MAIN(TstUiWindow)
#include "tst_uiwindow.moc"

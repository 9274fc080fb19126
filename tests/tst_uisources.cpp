// The Sources and Lines views, fed with hand-made EngineSnapshots (no
// engine): source states and counters in words, rows updated in place
// (a selection survives), which sources can be stopped or removed; lines
// appended newest first from each snapshot's delta, capped at the capacity
// (oldest dropped), the outcome and "what it became" texts, the text and
// outcome filters, Pause holding lines back, the Lines tab's capture switch
// and bucket opening, and the Sources tab's requests.
#include "copyabletableview.h"
#include "engine/enginesnapshot.h"
#include "linemodel.h"
#include "linestab.h"
#include "modelroles.h"
#include "sourcemodel.h"
#include "sourcestab.h"
#include "uiformat.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGuiApplication>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace l2met;

namespace {

const QDateTime kNow = QDateTime::fromSecsSinceEpoch(1'800'000'000);

SourceStatus source(int id, SourceKind kind, const QString &name, SourceState state, const QString &detail = {})
{
    SourceStatus s;
    s.id = id;
    s.kind = kind;
    s.spec = SourceSpec { kind, name, false };
    s.name = name;
    s.state = state;
    s.detail = detail;
    return s;
}

QList<SourceStatus> fiveSources()
{
    SourceStatus drain = source(0, SourceKind::Drain, QStringLiteral("POST /logs"), SourceState::Running);
    drain.linesRead = 1234567;
    drain.linesWithMetrics = 1000000;
    drain.linesMalformed = 12;
    drain.lastLine = "measure#db.latency=4ms\x1b[0m";
    drain.lastLineAt = kNow.addSecs(-4);
    SourceStatus command = source(1, SourceKind::Command, QStringLiteral("bin/rails server"), SourceState::Ended,
                                  QStringLiteral("exited with status 1"));
    command.exitStatus = 1;
    command.linesRead = 40;
    SourceStatus file = source(2, SourceKind::File, QStringLiteral("/var/log/app.log"), SourceState::Waiting,
                               QStringLiteral("waiting for the file"));
    SourceStatus heroku = source(3, SourceKind::Heroku, QStringLiteral("example-app"), SourceState::Failed,
                                 QStringLiteral("heroku CLI not installed"));
    SourceStatus syslog = source(4, SourceKind::Syslog, QStringLiteral("127.0.0.1:5514"), SourceState::Running);
    syslog.linesRead = 100;
    syslog.linesDropped = 7;
    syslog.lastLineAt = kNow;
    return { drain, command, file, heroku, syslog };
}

QString cell(const QAbstractItemModel &m, int row, int column, int role = Qt::DisplayRole)
{
    return m.index(row, column).data(role).toString();
}

LineMeasurementRecord measurement(BucketType type, const QByteArray &name, double value,
                                  const QByteArray &units = {}, const QByteArray &src = {})
{
    LineMeasurementRecord m;
    m.type = type;
    m.name = name;
    m.value = value;
    m.units = units;
    m.source = src;
    m.window = kNow.toSecsSinceEpoch();
    return m;
}

quint64 g_seq = 0;

LineRecord line(const QByteArray &text, ParseCounter outcome, QList<LineMeasurementRecord> measurements = {},
                const QByteArray &reason = {}, int sourceId = 0)
{
    LineRecord r;
    r.seq = ++g_seq;
    r.atMs = kNow.toMSecsSinceEpoch() + qint64(r.seq);
    r.kind = sourceId == 0 ? SourceKind::Drain : SourceKind::Heroku;
    r.sourceId = sourceId;
    r.user = "alice@example.com";
    r.resolution = 10;
    r.line = text;
    r.outcome = outcome;
    r.reason = reason;
    r.measurements = std::move(measurements);
    return r;
}

// From heroku-cli-tail.log: a router line, a line with one bad value, an
// R14, and a late line.
QList<LineRecord> exampleLines()
{
    return {
        line("2026-12-04T10:15:02.419050+00:00 heroku[router]: at=info method=GET path=\"/\" connect=1ms "
             "service=18ms status=200 bytes=13",
             ParseCounter::LinesAggregated,
             { measurement(BucketType::Measurement, "router.connect", 1, "ms"),
               measurement(BucketType::Measurement, "router.service", 18, "ms"),
               measurement(BucketType::Measurement, "router.bytes", 13) },
             {}, 3),
        line("2026-12-04T10:15:06.000000+00:00 app[web.1]: measure#render.time=12.5ms measure#render.time=bad "
             "source=web.1",
             ParseCounter::LinesAggregated,
             { measurement(BucketType::Measurement, "render.time", 12.5, "ms", "web.1") },
             "skipped not a number: measure#render.time=bad", 3),
        line("2026-12-04T10:15:04.500000+00:00 heroku[web.1]: Error R14 (Memory quota exceeded)",
             ParseCounter::LinesNoMetrics, {}, "no metrics: no measure#, count#, sample#, unique# or router fields", 3),
        line("2026-12-04T10:11:52.000000+00:00 app[web.1]: count#signups=1 source=web.1", ParseCounter::LinesLate,
             {}, "late by 190 s: older than 20 s (-recv-deadline 2 x 10 s windows)", 3),
    };
}

EngineSnapshot snapshotWith(QList<LineRecord> lines, int capacity = 10000)
{
    EngineSnapshot s;
    s.taken = kNow;
    s.sources = fiveSources();
    s.lines = std::move(lines);
    s.lineCapacity = capacity;
    return s;
}

QList<quint64> seqs(const LineModel &m)
{
    QList<quint64> out;
    for (int r = 0; r < m.rowCount(); ++r)
        out.append(m.record(r).seq);
    return out;
}

} // namespace

class TstUiSources : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        qRegisterMetaType<BucketSummary>();
        qRegisterMetaType<SourceSpec>();
    }

    void sourceStatesAndCounters()
    {
        SourceModel m;
        m.setSources(fiveSources(), kNow);
        QCOMPARE(m.rowCount(), 5);
        QCOMPARE(cell(m, 0, SourceModel::Kind), QStringLiteral("drain"));
        QCOMPARE(cell(m, 0, SourceModel::State), QStringLiteral("running"));
        QCOMPARE(cell(m, 0, SourceModel::LinesRead), QStringLiteral("1,234,567"));
        QCOMPARE(cell(m, 0, SourceModel::LinesRead, CopyRole), QStringLiteral("1234567"));
        QCOMPARE(m.index(0, SourceModel::LinesRead).data(SortRole).toULongLong(), 1234567ull);
        QCOMPARE(cell(m, 0, SourceModel::WithMetrics), QStringLiteral("1,000,000"));
        QCOMPARE(cell(m, 0, SourceModel::Malformed), QStringLiteral("12"));
        QCOMPARE(cell(m, 0, SourceModel::Dropped), QStringLiteral("–")); // only UDP syslog drops
        QVERIFY(cell(m, 0, SourceModel::LastSeen).endsWith(QStringLiteral("(4 s ago)")));
        QCOMPARE(cell(m, 0, SourceModel::LastLine), QStringLiteral("measure#db.latency=4ms [0m"));
        QCOMPARE(cell(m, 1, SourceModel::State), QStringLiteral("ended: exited with status 1"));
        QCOMPARE(cell(m, 1, SourceModel::LastSeen), QStringLiteral("–")); // read lines, time unknown
        QCOMPARE(cell(m, 2, SourceModel::LastSeen), QStringLiteral("never"));
        QCOMPARE(cell(m, 2, SourceModel::State), QStringLiteral("waiting for the file"));
        QCOMPARE(cell(m, 3, SourceModel::State), QStringLiteral("failed: heroku CLI not installed"));
        QCOMPARE(m.index(3, SourceModel::State).data(Qt::ForegroundRole).value<QColor>(),
                 UiFormat::badColor(QGuiApplication::palette()));
        QCOMPARE(cell(m, 4, SourceModel::Dropped), QStringLiteral("7"));
        QVERIFY(cell(m, 4, SourceModel::LastSeen).endsWith(QStringLiteral("(just now)")));

        SourceStatus reconnecting = source(9, SourceKind::Heroku, QStringLiteral("app"), SourceState::Reconnecting,
                                           QStringLiteral("reconnecting in 4 s"));
        QCOMPARE(SourceModel::stateText(reconnecting), QStringLiteral("reconnecting in 4 s"));
        QCOMPARE(SourceModel::describe(SourceKind::Heroku, QStringLiteral("app")), QStringLiteral("heroku app"));
        QCOMPARE(SourceModel::describe(SourceKind::Stdin, QStringLiteral("stdin")), QStringLiteral("stdin"));

        // The drain and stdin stay; an ended command can be removed, not stopped.
        const QList<SourceStatus> all = fiveSources();
        QVERIFY(!SourceModel::canStop(all[0]) && !SourceModel::canRemove(all[0]));
        QVERIFY(!SourceModel::canRemove(source(7, SourceKind::Stdin, QStringLiteral("stdin"), SourceState::Running)));
        QVERIFY(!SourceModel::canStop(all[1]) && SourceModel::canRemove(all[1]));
        QVERIFY(SourceModel::canStop(all[2]) && SourceModel::canRemove(all[2]));
    }

    void sourceRowsUpdateInPlace()
    {
        SourceModel m;
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&m);
        CopyableTableView view;
        view.setModel(&proxy);
        m.setSources(fiveSources(), kNow);
        view.selectionModel()->setCurrentIndex(proxy.index(2, 0),
                                               QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
        QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);

        // The command is removed, the file now runs, a new app appears.
        QList<SourceStatus> next = fiveSources();
        next.removeAt(1);
        next[1].state = SourceState::Running;
        next[1].detail.clear();
        next[1].linesRead = 2500;
        next.append(source(5, SourceKind::Heroku, QStringLiteral("other-app"), SourceState::Starting));
        m.setSources(next, kNow.addSecs(10));

        QCOMPARE(resets.size(), 0);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(m.rowCount(), 5);
        QCOMPARE(m.rowOfId(1), -1);
        QCOMPARE(m.rowOfId(5), 4);
        const QModelIndexList selected = view.selectionModel()->selectedRows();
        QCOMPARE(selected.size(), 1);
        QCOMPARE(m.source(proxy.mapToSource(selected.first()).row()).id, 2);
        QCOMPARE(cell(m, 1, SourceModel::State), QStringLiteral("running"));
        QCOMPARE(cell(m, 1, SourceModel::LinesRead), QStringLiteral("2,500"));
        QVERIFY(cell(m, 0, SourceModel::LastSeen).endsWith(QStringLiteral("(14 s ago)")));
    }

    void linesAppendNewestFirstWithWords()
    {
        LineModel m;
        m.setSnapshot(snapshotWith(exampleLines().mid(0, 2)));
        QCOMPARE(m.rowCount(), 2);
        m.setSnapshot(snapshotWith(exampleLines().mid(2)));
        QCOMPARE(m.rowCount(), 4);
        // Newest (the late line) at the top.
        QCOMPARE(cell(m, 0, LineModel::Outcome), QStringLiteral("late by 190 s"));
        // What the outcome says already is not repeated.
        QCOMPARE(cell(m, 0, LineModel::Became),
                 QStringLiteral("older than 20 s (-recv-deadline 2 x 10 s windows)"));
        QCOMPARE(cell(m, 1, LineModel::Outcome), QStringLiteral("no metrics"));
        QCOMPARE(cell(m, 1, LineModel::Became), QStringLiteral("no measure#, count#, sample#, unique# or router fields"));
        QCOMPARE(LineModel::becameText(line("x", ParseCounter::LinesInvalid)),
                 QStringLiteral("every metric in the line is malformed"));
        QCOMPARE(cell(m, 2, LineModel::Outcome), QStringLiteral("1 metric, part skipped"));
        const QString window = UiFormat::localTime(kNow);
        QCOMPARE(cell(m, 2, LineModel::Became),
                 QStringLiteral("measure render.time = 12.5\u2009ms · source=web.1 · window %1 — skipped not a "
                                "number: measure#render.time=bad")
                     .arg(window));
        QCOMPARE(cell(m, 3, LineModel::Outcome), QStringLiteral("3 metrics"));
        QCOMPARE(cell(m, 3, LineModel::Became),
                 QStringLiteral("measure router.connect = 1\u2009ms, measure router.service = 18\u2009ms, "
                                "measure router.bytes = 13 · window %1")
                     .arg(window));
        // Source names come from snapshot.sources (id 3: the Heroku app).
        QCOMPARE(cell(m, 3, LineModel::Source), QStringLiteral("heroku example-app"));
        QVERIFY(cell(m, 3, LineModel::Line).contains(QStringLiteral("heroku[router]")));
        QCOMPARE(m.flags(3), quint8(LineModel::WithMetrics));
        QCOMPARE(m.flags(2), quint8(LineModel::WithMetrics | LineModel::Problem));
        QCOMPARE(m.flags(1), quint8(LineModel::WithoutMetrics));
        QCOMPARE(m.flags(0), quint8(LineModel::WithoutMetrics | LineModel::Problem));

        // Measurements with different windows say each their own.
        LineRecord mixed = exampleLines().first();
        mixed.measurements[1].window -= 10;
        QVERIFY(LineModel::becameText(mixed).contains(QStringLiteral("1\u2009ms · window")));
        QCOMPARE(LineModel::becameText(mixed).count(QStringLiteral("window")), 3);

        const BucketSummary b = LineModel::bucketOf(m.record(2));
        QCOMPARE(b.name, QByteArray("render.time"));
        QCOMPARE(b.source, QByteArray("web.1"));
        QCOMPARE(b.user, QByteArray("alice@example.com"));
        QCOMPARE(b.resolution, 10);
        QCOMPARE(b.time, kNow.toSecsSinceEpoch());
    }

    void linesCappedAtCapacity()
    {
        LineModel m;
        QSignalSpy resets(&m, &QAbstractItemModel::modelReset);
        QList<LineRecord> lines;
        for (int i = 0; i < 12; ++i)
            lines.append(line("count#n=" + QByteArray::number(i), ParseCounter::LinesAggregated,
                              { measurement(BucketType::Counter, "n", i) }));
        m.setSnapshot(snapshotWith(lines.mid(0, 3), 5));
        m.setSnapshot(snapshotWith(lines.mid(3, 4), 5));
        QCOMPARE(m.rowCount(), 5);
        QCOMPARE(seqs(m), (QList<quint64> { lines[6].seq, lines[5].seq, lines[4].seq, lines[3].seq, lines[2].seq }));
        // A delta larger than the capacity: its newest lines only.
        m.setSnapshot(snapshotWith(lines.mid(7), 3));
        QCOMPARE(seqs(m), (QList<quint64> { lines[11].seq, lines[10].seq, lines[9].seq }));
        QCOMPARE(resets.size(), 0);
        QCOMPARE(cell(m, 0, LineModel::Line), QStringLiteral("count#n=11"));
    }

    void linesFilteredByTextAndOutcome()
    {
        LineModel m;
        LineFilterProxy proxy;
        proxy.setSourceModel(&m);
        m.setSnapshot(snapshotWith(exampleLines()));
        const auto lines = [&proxy] {
            QStringList out;
            for (int r = 0; r < proxy.rowCount(); ++r)
                out.append(proxy.index(r, LineModel::Outcome).data().toString());
            return out;
        };
        QCOMPARE(proxy.rowCount(), 4);

        proxy.setOutcomeFilter(LineFilterProxy::WithMetrics);
        QCOMPARE(lines(), (QStringList { QStringLiteral("1 metric, part skipped"), QStringLiteral("3 metrics") }));
        proxy.setOutcomeFilter(LineFilterProxy::WithoutMetrics);
        QCOMPARE(lines(), (QStringList { QStringLiteral("late by 190 s"), QStringLiteral("no metrics") }));
        proxy.setOutcomeFilter(LineFilterProxy::Problems);
        QCOMPARE(lines(), (QStringList { QStringLiteral("late by 190 s"), QStringLiteral("1 metric, part skipped") }));

        proxy.setOutcomeFilter(LineFilterProxy::All);
        // In the raw line only ("Memory quota"), in what it became only
        // ("router.bytes = 13" is in the line as "bytes=13"), in the outcome
        // ("late by"), case-insensitive, several words that must all match.
        proxy.setFilterText(QStringLiteral("memory QUOTA"));
        QCOMPARE(lines(), (QStringList { QStringLiteral("no metrics") }));
        proxy.setFilterText(QStringLiteral("router.bytes"));
        QCOMPARE(lines(), (QStringList { QStringLiteral("3 metrics") }));
        proxy.setFilterText(QStringLiteral("render.time=bad"));
        QCOMPARE(lines(), (QStringList { QStringLiteral("1 metric, part skipped") }));
        proxy.setFilterText(QStringLiteral("late by"));
        QCOMPARE(lines(), (QStringList { QStringLiteral("late by 190 s") }));
        proxy.setFilterText(QStringLiteral("render.time R14"));
        QCOMPARE(proxy.rowCount(), 0);

        // Both filters at once; lines arriving later are filtered too.
        proxy.setFilterText(QStringLiteral("web.1"));
        proxy.setOutcomeFilter(LineFilterProxy::WithMetrics);
        QCOMPARE(lines(), (QStringList { QStringLiteral("1 metric, part skipped") }));
        m.appendLines({ line("app[web.1]: Completed 200 OK", ParseCounter::LinesNoMetrics),
                        line("app[web.1]: count#signups=1 source=web.1", ParseCounter::LinesAggregated,
                             { measurement(BucketType::Counter, "signups", 1, {}, "web.1") }) });
        QCOMPARE(lines(), (QStringList { QStringLiteral("1 metric"), QStringLiteral("1 metric, part skipped") }));
    }

    void pauseHoldsNewLinesBack()
    {
        LineModel m;
        m.setSnapshot(snapshotWith(exampleLines().mid(0, 1)));
        m.setPaused(true);
        m.setSnapshot(snapshotWith(exampleLines().mid(1, 2)));
        m.setSnapshot(snapshotWith(exampleLines().mid(3)));
        QCOMPARE(m.rowCount(), 1);
        QCOMPARE(m.heldBack(), 3);
        m.setPaused(false);
        QCOMPARE(m.rowCount(), 4);
        QCOMPARE(m.heldBack(), 0);
        QCOMPARE(cell(m, 0, LineModel::Outcome), QStringLiteral("late by 190 s"));
        QCOMPARE(cell(m, 3, LineModel::Outcome), QStringLiteral("3 metrics"));

        // Held lines are bounded by the capacity too.
        m.setPaused(true);
        QList<LineRecord> many;
        for (int i = 0; i < 8; ++i)
            many.append(line("x", ParseCounter::LinesNoMetrics));
        m.setSnapshot(snapshotWith(many, 5));
        QCOMPARE(m.heldBack(), 5);
        m.clear();
        QCOMPARE(m.rowCount(), 0);
        QCOMPARE(m.heldBack(), 0);
    }

    void linesTabCaptureCountAndOpen()
    {
        LinesTab tab;
        QSignalSpy capture(&tab, &LinesTab::captureChanged);
        QSignalSpy open(&tab, &LinesTab::openBucketRequested);
        QVERIFY(!tab.captureActive());
        tab.setCaptureActive(true);
        tab.setCaptureActive(true);
        tab.setCaptureActive(false);
        QCOMPARE(capture.size(), 2);
        QCOMPARE(capture.at(0).at(0).toBool(), true);
        QCOMPARE(capture.at(1).at(0).toBool(), false);

        EngineSnapshot s = snapshotWith(exampleLines());
        s.linesSampling = true;
        s.linesSampledOut = 12345;
        tab.setSnapshot(s);
        QCOMPARE(tab.countText(), QStringLiteral("showing 4 of the last 4 lines"));
        auto *sampling = tab.findChild<QLabel *>(QStringLiteral("lines-sampling"));
        QVERIFY(sampling->text().contains(QStringLiteral("(12,345 skipped)")));
        QVERIFY(!sampling->isHidden());

        tab.outcomeCombo()->setCurrentIndex(3); // problems
        QCOMPARE(tab.countText(), QStringLiteral("showing 2 of the last 4 lines"));
        tab.outcomeCombo()->setCurrentIndex(0);
        tab.filterEdit()->setText(QStringLiteral("heroku[router]"));
        QCOMPARE(tab.proxy()->rowCount(), 1);
        QVERIFY(tab.openRow(0));
        QCOMPARE(open.size(), 1);
        QCOMPARE(open.at(0).at(0).value<BucketSummary>().name, QByteArray("router.connect"));
        tab.filterEdit()->setText(QStringLiteral("R14"));
        QVERIFY(!tab.openRow(0)); // no metrics, no bucket
        QCOMPARE(open.size(), 1);

        // Enter on the current row opens it too.
        tab.filterEdit()->clear();
        tab.show();
        QVERIFY(QTest::qWaitForWindowExposed(&tab));
        tab.view()->setFocus();
        tab.view()->setCurrentIndex(tab.proxy()->index(3, 0)); // the router line
        QTest::keyClick(tab.view(), Qt::Key_Return);
        QCOMPARE(open.size(), 2);

        tab.pauseButton()->click();
        s.lines = { line("held", ParseCounter::LinesNoMetrics) };
        tab.setSnapshot(s);
        QCOMPARE(tab.countText(), QStringLiteral("showing 4 of the last 4 lines · paused: 1 new lines held back"));
        tab.pauseButton()->click();
        QCOMPARE(tab.model()->rowCount(), 5);
    }

    void sourcesTabRequests()
    {
        SourcesTab tab;
        QSignalSpy add(&tab, &SourcesTab::addRequested);
        QSignalSpy stop(&tab, &SourcesTab::stopRequested);
        QSignalSpy remove(&tab, &SourcesTab::removeRequested);
        EngineSnapshot s = snapshotWith({});
        tab.setSnapshot(s);
        QVERIFY(!tab.stopButton()->isEnabled());

        QVERIFY(tab.selectId(0)); // the drain
        QVERIFY(!tab.stopButton()->isEnabled());
        QVERIFY(!tab.removeButton()->isEnabled());
        QVERIFY(tab.selectId(2)); // the waiting file
        QVERIFY(tab.stopButton()->isEnabled());
        QVERIFY(tab.removeButton()->isEnabled());
        tab.stopButton()->click();
        QCOMPARE(stop.size(), 1);
        QCOMPARE(stop.at(0).at(0).toInt(), 2);
        // It stopped: still listed and selected, can no longer be stopped.
        s.sources[2].state = SourceState::Stopped;
        tab.setSnapshot(s);
        QCOMPARE(tab.selectedId(), 2);
        QVERIFY(!tab.stopButton()->isEnabled());
        tab.removeButton()->click();
        QCOMPARE(remove.size(), 1);
        QCOMPARE(remove.at(0).at(0).toInt(), 2);

        tab.requestFile(QStringLiteral(" /tmp/logs/../app.log "), true);
        tab.requestHerokuApp(QStringLiteral("example-app"));
        tab.requestCommand(QStringLiteral("bin/rails server -p 3000"));
        QCOMPARE(add.size(), 3);
        QCOMPARE(add.at(0).at(0).value<SourceSpec>(),
                 (SourceSpec { SourceKind::File, QStringLiteral("/tmp/app.log"), true }));
        QCOMPARE(add.at(1).at(0).value<SourceSpec>(),
                 (SourceSpec { SourceKind::Heroku, QStringLiteral("example-app"), false }));
        QCOMPARE(add.at(2).at(0).value<SourceSpec>(),
                 (SourceSpec { SourceKind::Command, QStringLiteral("bin/rails server -p 3000"), false }));
        tab.requestHerokuApp(QStringLiteral("not an app"));
        tab.requestCommand(QStringLiteral("  "));
        QCOMPARE(add.size(), 3);
        QVERIFY(tab.message().startsWith(QStringLiteral("Nothing added")));
        tab.showMessage(QStringLiteral("Added file /tmp/app.log"), false);
        QCOMPARE(tab.message(), QStringLiteral("Added file /tmp/app.log"));
    }
};

QTEST_MAIN(TstUiSources)
#include "tst_uisources.moc"

// Tests of LogplexReader: octet-counted frames (RFC 6587, docs/behaviour.md section 2),
// the malformed regions it skips and resynchronises after, and the
// invariant that every byte of a body ends in exactly one frame, one
// malformed region or whitespace between frames.
#include "parser/logplexreader.h"

#include <QByteArray>
#include <QList>
#include <QTest>

#include <string_view>

namespace {

std::string_view view(const QByteArray &bytes)
{
    return std::string_view(bytes.constData(), static_cast<size_t>(bytes.size()));
}

QByteArray bytes(std::string_view text)
{
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

bool isSpace(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// `LEN SP MSG` with the right length, or with the length off by `error`.
QByteArray frame(const QByteArray &message, qsizetype error = 0)
{
    return QByteArray::number(message.size() + error) + ' ' + message;
}

QByteArray frameMark(const QByteArray &message)
{
    return QByteArrayLiteral("F:") + message;
}

QByteArray malformedMark(const QByteArray &region)
{
    return QByteArrayLiteral("M:") + region;
}

const QByteArray kEnd = QByteArrayLiteral("E");

// Realistic messages (tests/../shared examples), each a whole RFC 5424 line.
const QByteArray kRouter = QByteArrayLiteral(
    "<158>1 2012-10-11T03:47:20+00:00 host heroku router - at=info method=GET path=\"/\" "
    "host=example-app-1234567890ab.herokuapp.com request_id=8601b555-6a83-4c12-8269-97c8e32cdb22 "
    "fwd=\"204.204.204.204\" dyno=web.1 connect=1ms service=18ms status=200 bytes=13");
const QByteArray kApp = QByteArrayLiteral(
    "<190>1 2012-10-11T03:47:21.123456+00:00 host app web.1 - at=info measure#db.latency=4ms "
    "count#db.queries=2 sample#queue.depth=7 source=web.1");
const QByteArray kPostgres = QByteArrayLiteral(
    "<134>1 2012-10-11T03:47:22+00:00 host app heroku-postgres - "
    "source=HEROKU_POSTGRESQL_AMBER sample#db_size=29038814063bytes sample#tables=287");
// 83 bytes, so that after kRouter (which ends in "bytes=13") the body reads
// "...bytes=1383 <40>1 ...".
const QByteArray kErlang = QByteArrayLiteral(
    "<40>1 2012-07-22T00:06:26+00:00 host erlang console - Hi from erlang count#hello=12");

struct Outcome
{
    QList<QByteArray> marks; // "F:msg", "M:region", ..., "E"
    qsizetype frameBytes = 0;     // frames with their "LEN " prefixes
    qsizetype malformedBytes = 0; // malformed regions
    qsizetype whitespaceBytes = 0; // whitespace before frames, regions and the end
    QByteArray failure; // first broken invariant, empty when none
};

// Runs a reader over body and checks, piece by piece, that the pieces tile
// the body: each step consumes [before, after) = whitespace + one piece.
Outcome read(const QByteArray &body)
{
    Outcome out;
    const std::string_view all = view(body);
    const char *base = all.data();
    auto fail = [&out](const char *what, size_t at) {
        if (out.failure.isEmpty())
            out.failure = QByteArray(what) + QByteArrayLiteral(" at ") + QByteArray::number(qulonglong(at));
    };
    l2met::LogplexReader reader(all);
    // Every step consumes at least one byte, so a body of n bytes takes at
    // most n + 1 steps; more means the reader is stuck.
    for (qsizetype step = 0; step <= body.size() + 1; ++step) {
        const size_t before = reader.position();
        std::string_view piece;
        const l2met::LogplexReader::Result result = reader.next(&piece);
        const size_t after = reader.position();
        if (after < before || after > all.size()) {
            fail("position out of range", after);
            return out;
        }
        if (result == l2met::LogplexReader::Result::End) {
            for (size_t i = before; i < after; ++i)
                if (!isSpace(all[i]))
                    fail("End skipped a non-space byte", i);
            if (after != all.size())
                fail("End before the end of the body", after);
            out.whitespaceBytes += qsizetype(after - before);
            out.marks.append(kEnd);
            // The end stays the end.
            if (reader.next(&piece) != l2met::LogplexReader::Result::End
                || reader.position() != all.size())
                fail("next() after End did not return End", reader.position());
            return out;
        }
        if (piece.data() < base || piece.data() + piece.size() != base + after) {
            fail("piece does not end at the reader's position", after);
            return out;
        }
        size_t pieceStart = size_t(piece.data() - base);
        if (result == l2met::LogplexReader::Result::Frame) {
            // Back over "LEN " to where the frame starts.
            if (pieceStart == before || all[pieceStart - 1] != ' ') {
                fail("frame without a space before its message", pieceStart);
                return out;
            }
            size_t lengthStart = pieceStart - 1;
            while (lengthStart > before && isDigit(all[lengthStart - 1]))
                --lengthStart;
            const QByteArray length = bytes(all.substr(lengthStart, pieceStart - 1 - lengthStart));
            if (length.isEmpty() || length.toULongLong() != piece.size())
                fail("frame length does not match its message", lengthStart);
            out.frameBytes += qsizetype(after - lengthStart);
            out.marks.append(frameMark(bytes(piece)));
            pieceStart = lengthStart;
        } else {
            if (piece.empty())
                fail("empty malformed region", before);
            out.malformedBytes += qsizetype(piece.size());
            out.marks.append(malformedMark(bytes(piece)));
        }
        for (size_t i = before; i < pieceStart; ++i)
            if (!isSpace(all[i]))
                fail("non-space byte between pieces", i);
        out.whitespaceBytes += qsizetype(pieceStart - before);
    }
    fail("reader did not reach End", reader.position());
    return out;
}

} // namespace

class Tst_logplexreader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void bodies_data();
    void bodies();
    void framesAreViewsIntoTheBody();
    void invariantUnderDamage_data();
    void invariantUnderDamage();
};

void Tst_logplexreader::initTestCase()
{
    QCOMPARE(kErlang.size(), 83);
    QVERIFY(kRouter.endsWith("bytes=13"));
}

void Tst_logplexreader::bodies_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<QByteArray>>("expected");

    const QByteArray nl = QByteArrayLiteral("\n");

    QTest::newRow("empty body") << QByteArray() << QList<QByteArray> { kEnd };
    QTest::newRow("whitespace only") << QByteArrayLiteral(" \r\n\t\n")
                                     << QList<QByteArray> { kEnd };
    QTest::newRow("one frame") << frame(kRouter) << QList<QByteArray> { frameMark(kRouter), kEnd };
    QTest::newRow("several frames")
        << QByteArray(frame(kRouter) + frame(kApp) + frame(kPostgres))
        << QList<QByteArray> { frameMark(kRouter), frameMark(kApp), frameMark(kPostgres), kEnd };
    // "...bytes=13" directly followed by "83 <40>1 ...": the length decides
    // where the message ends, not the digits around it.
    QTest::newRow("frames glued to digits")
        << QByteArray(frame(kRouter) + frame(kErlang) + frame(kApp))
        << QList<QByteArray> { frameMark(kRouter), frameMark(kErlang), frameMark(kApp), kEnd };
    QTest::newRow("newline after each frame")
        << QByteArray(frame(kRouter) + nl + frame(kApp) + nl + frame(kPostgres) + nl)
        << QList<QByteArray> { frameMark(kRouter), frameMark(kApp), frameMark(kPostgres), kEnd };
    QTest::newRow("CRLF after each frame")
        << QByteArray(frame(kRouter) + "\r\n" + frame(kApp) + "\r\n")
        << QList<QByteArray> { frameMark(kRouter), frameMark(kApp), kEnd };
    QTest::newRow("trailing whitespace at the end")
        << QByteArray(frame(kRouter) + frame(kApp) + " \t\r\n \n")
        << QList<QByteArray> { frameMark(kRouter), frameMark(kApp), kEnd };
    QTest::newRow("leading whitespace")
        << QByteArray("\n  " + frame(kApp))
        << QList<QByteArray> { frameMark(kApp), kEnd };
    QTest::newRow("shortest frame") << QByteArrayLiteral("1 <")
                                    << QList<QByteArray> { frameMark("<"), kEnd };
    QTest::newRow("8-digit length prefix") << QByteArray("000000" + frame(kErlang))
                                           << QList<QByteArray> { frameMark(kErlang), kEnd };

    // Lengths that do not fit.
    QTest::newRow("length too long: truncated last frame")
        << QByteArray(frame(kRouter) + frame(kApp, +40))
        << QList<QByteArray> { frameMark(kRouter), malformedMark(frame(kApp, +40)), kEnd };
    QTest::newRow("body cut inside the last frame")
        << QByteArray(frame(kRouter) + frame(kApp).left(50))
        << QList<QByteArray> { frameMark(kRouter), malformedMark(frame(kApp).left(50)), kEnd };
    QTest::newRow("length too short in the middle")
        << QByteArray(frame(kRouter) + frame(kApp, -5) + frame(kPostgres) + frame(kErlang))
        << QList<QByteArray> { frameMark(kRouter), malformedMark(frame(kApp, -5)),
                               frameMark(kPostgres), frameMark(kErlang), kEnd };
    // The newline after the bad frame is part of what was skipped.
    QTest::newRow("length too short in the middle, newlines")
        << QByteArray(frame(kRouter) + nl + frame(kApp, -1) + nl + frame(kPostgres) + nl)
        << QList<QByteArray> { frameMark(kRouter), malformedMark(frame(kApp, -1) + nl),
                               frameMark(kPostgres), kEnd };
    QTest::newRow("length too long in the middle")
        << QByteArray(frame(kRouter) + frame(kApp, +7) + frame(kPostgres))
        << QList<QByteArray> { frameMark(kRouter), malformedMark(frame(kApp, +7)),
                               frameMark(kPostgres), kEnd };
    QTest::newRow("two bad frames in a row are one region")
        << QByteArray(frame(kRouter) + frame(kApp, -3) + frame(kPostgres, +3) + frame(kErlang))
        << QList<QByteArray> { frameMark(kRouter),
                               malformedMark(frame(kApp, -3) + frame(kPostgres, +3)),
                               frameMark(kErlang), kEnd };
    // The bad frame ends in "bytes=13" and the next length is "83": the
    // reader tries "1383", "383", then "83".
    QTest::newRow("bad frame glued to digits of the next")
        << QByteArray(frame(kRouter, -5) + frame(kErlang) + frame(kApp))
        << QList<QByteArray> { malformedMark(frame(kRouter, -5)), frameMark(kErlang),
                               frameMark(kApp), kEnd };
    // A length short by exactly the glued digits lands on "1383 <", which
    // looks like a frame header: the frame is taken without its last two
    // bytes and only "13" is reported. Lengths are not checked further ahead
    // than the shape of the next header, so this cannot be told apart.
    QTest::newRow("length short by the glued digits")
        << QByteArray(frame(kRouter, -2) + frame(kErlang) + frame(kApp))
        << QList<QByteArray> { frameMark(kRouter.chopped(2)), malformedMark("13"),
                               frameMark(kErlang), frameMark(kApp), kEnd };
    QTest::newRow("non-numeric length")
        << QByteArray("abc " + kApp + frame(kPostgres))
        << QList<QByteArray> { malformedMark("abc " + kApp), frameMark(kPostgres), kEnd };
    QTest::newRow("no length at all")
        << QByteArray(kApp + nl + frame(kPostgres))
        << QList<QByteArray> { malformedMark(kApp + nl), frameMark(kPostgres), kEnd };
    QTest::newRow("garbage before the first frame")
        << QByteArray("garbage\n" + frame(kRouter) + frame(kApp))
        << QList<QByteArray> { malformedMark("garbage\n"), frameMark(kRouter), frameMark(kApp),
                               kEnd };
    QTest::newRow("garbage ending in a digit before the first frame")
        << QByteArray("junk1" + frame(kApp))
        << QList<QByteArray> { malformedMark("junk1"), frameMark(kApp), kEnd };
    QTest::newRow("garbage only") << QByteArrayLiteral("hello world")
                                  << QList<QByteArray> { malformedMark("hello world"), kEnd };
    QTest::newRow("message not starting with <")
        << QByteArray("5 hello" + frame(kApp))
        << QList<QByteArray> { malformedMark("5 hello"), frameMark(kApp), kEnd };
    QTest::newRow("length 0 alone") << QByteArrayLiteral("0 <1>1 ts h a p -")
                                    << QList<QByteArray> { malformedMark("0 <1>1 ts h a p -"),
                                                           kEnd };
    QTest::newRow("length 0 then a frame")
        << QByteArray("0 <1>1 ts h a p -" + frame(kApp))
        << QList<QByteArray> { malformedMark("0 <1>1 ts h a p -"), frameMark(kApp), kEnd };
    QTest::newRow("length 0 before a frame's length")
        << QByteArray("0 " + frame(kApp))
        << QList<QByteArray> { malformedMark("0 "), frameMark(kApp), kEnd };
    QTest::newRow("length prefix only") << QByteArrayLiteral("83 ")
                                        << QList<QByteArray> { malformedMark("83 "), kEnd };
    QTest::newRow("digits only") << QByteArrayLiteral("83")
                                 << QList<QByteArray> { malformedMark("83"), kEnd };
    QTest::newRow("9-digit length") << QByteArray("123456789 " + kApp)
                                    << QList<QByteArray> { malformedMark("123456789 " + kApp),
                                                           kEnd };
    QTest::newRow("huge length") << QByteArray("99999999999999999999 " + kApp + frame(kErlang))
                                 << QList<QByteArray> {
                                        malformedMark("99999999999999999999 " + kApp),
                                        frameMark(kErlang), kEnd };
    // Nine digits are one too many: the first is skipped and the last eight
    // (a zero-padded but consistent length) make a frame.
    QTest::newRow("9-digit zero-padded length")
        << QByteArray("0000000" + frame(kErlang))
        << QList<QByteArray> { malformedMark("0"), frameMark(kErlang), kEnd };
    // A frame counts only when its length lands on the next frame or the
    // end: trailing garbage takes the last frame with it.
    QTest::newRow("garbage after the last frame")
        << QByteArray(frame(kRouter) + frame(kApp) + "\ngarbage")
        << QList<QByteArray> { frameMark(kRouter), malformedMark(frame(kApp) + "\ngarbage"), kEnd };
    QTest::newRow("truncated length prefix after the last frame")
        << QByteArray(frame(kRouter) + frame(kApp) + "\n83")
        << QList<QByteArray> { frameMark(kRouter), malformedMark(frame(kApp) + "\n83"), kEnd };
    // A length that ends exactly after a newline is whole, whatever follows:
    // a broken frame after a good one costs only itself.
    QTest::newRow("good frame, then a non-numeric length, then a good frame")
        << QByteArray(frame(kApp + nl) + "abc " + kErlang + nl + frame(kPostgres + nl))
        << QList<QByteArray> { frameMark(kApp + nl), malformedMark("abc " + kErlang + nl),
                               frameMark(kPostgres + nl), kEnd };
    QTest::newRow("bad frame first, then good frames ending in newlines")
        << QByteArray("abc " + kErlang + nl + frame(kApp + nl) + frame(kPostgres + nl))
        << QList<QByteArray> { malformedMark("abc " + kErlang + nl), frameMark(kApp + nl),
                               frameMark(kPostgres + nl), kEnd };
    QTest::newRow("good frame ending in a newline before garbage")
        << QByteArray(frame(kRouter + nl) + "garbage")
        << QList<QByteArray> { frameMark(kRouter + nl), malformedMark("garbage"), kEnd };
    QTest::newRow("next frame header cut after '<'")
        << QByteArray(frame(kRouter) + "83 <")
        << QList<QByteArray> { frameMark(kRouter), malformedMark("83 <"), kEnd };
}

void Tst_logplexreader::bodies()
{
    QFETCH(QByteArray, body);
    QFETCH(QList<QByteArray>, expected);

    const Outcome outcome = read(body);
    QVERIFY2(outcome.failure.isEmpty(), outcome.failure.constData());
    QCOMPARE(outcome.marks, expected);
    QCOMPARE(outcome.frameBytes + outcome.malformedBytes + outcome.whitespaceBytes, body.size());
}

void Tst_logplexreader::framesAreViewsIntoTheBody()
{
    const QByteArray body = frame(kRouter) + '\n' + frame(kApp);
    l2met::LogplexReader reader(view(body));
    std::string_view message;
    QCOMPARE(reader.position(), size_t(0));
    QCOMPARE(reader.next(&message), l2met::LogplexReader::Result::Frame);
    QCOMPARE(message.data(), body.constData() + QByteArray::number(kRouter.size()).size() + 1);
    QCOMPARE(message.size(), size_t(kRouter.size()));
    QCOMPARE(reader.position(), size_t(frame(kRouter).size()));
    QCOMPARE(reader.next(&message), l2met::LogplexReader::Result::Frame);
    QCOMPARE(message.data() + message.size(), body.constData() + body.size());
    QCOMPARE(reader.next(&message), l2met::LogplexReader::Result::End);
    QCOMPARE(reader.position(), size_t(body.size()));

    // A body that is a slice of a larger buffer ends at the slice's end.
    const QByteArray buffer = frame(kApp) + frame(kErlang);
    l2met::LogplexReader sliced(view(buffer).substr(0, size_t(frame(kApp).size())));
    QCOMPARE(sliced.next(&message), l2met::LogplexReader::Result::Frame);
    QCOMPARE(bytes(message), kApp);
    QCOMPARE(sliced.next(&message), l2met::LogplexReader::Result::End);
}

// Whatever happens to a body, the reader ends, and its pieces still tile it.
void Tst_logplexreader::invariantUnderDamage_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("glued frames")
        << QByteArray(frame(kRouter) + frame(kErlang) + frame(kApp) + frame(kPostgres));
    QTest::newRow("newline-separated frames")
        << QByteArray(frame(kErlang) + '\n' + frame(kApp) + '\n' + frame(kErlang) + '\n');
}

void Tst_logplexreader::invariantUnderDamage()
{
    QFETCH(QByteArray, body);
    QVERIFY(read(body).malformedBytes == 0);

    auto check = [](const QByteArray &damaged, const char *how, qsizetype at) -> bool {
        const Outcome outcome = read(damaged);
        const qsizetype total =
            outcome.frameBytes + outcome.malformedBytes + outcome.whitespaceBytes;
        if (outcome.failure.isEmpty() && total == damaged.size())
            return true;
        qWarning("%s at %lld: %s (total %lld of %lld)", how, static_cast<long long>(at),
                 outcome.failure.constData(), static_cast<long long>(total),
                 static_cast<long long>(damaged.size()));
        return false;
    };
    for (qsizetype cut = 0; cut <= body.size(); ++cut)
        QVERIFY(check(body.left(cut), "cut", cut));
    for (qsizetype at = 0; at < body.size(); ++at) {
        for (char replacement : { 'x', ' ', '9', '<', '\n' }) {
            QByteArray damaged = body;
            damaged[at] = replacement;
            QVERIFY(check(damaged, "replaced", at));
        }
        QByteArray removed = body;
        removed.remove(at, 1);
        QVERIFY(check(removed, "removed", at));
        QByteArray inserted = body;
        inserted.insert(at, '7');
        QVERIFY(check(inserted, "inserted", at));
    }
}

QTEST_GUILESS_MAIN(Tst_logplexreader)
#include "tst_logplexreader.moc"

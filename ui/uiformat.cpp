#include "uiformat.h"

#include "modelroles.h"

#include <QPalette>
#include <QWidget>

#include <cmath>

namespace l2met {

const QLocale &UiFormat::locale()
{
    static const QLocale l = [] {
        QLocale system;
        system.setNumberOptions(system.numberOptions() & ~QLocale::OmitGroupSeparator);
        return system;
    }();
    return l;
}

QVariant UiFormat::countTableCell(int role, const QVariant &value, bool isText)
{
    switch (role) {
    case Qt::DisplayRole:
        if (isText)
            return value;
        return value.isValid() ? count(value.toLongLong()) : QString();
    case SortRole:
    case CopyRole:
        return value;
    case Qt::TextAlignmentRole:
        return isText ? QVariant(Qt::AlignLeft | Qt::AlignVCenter) : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QString UiFormat::count(qint64 n)
{
    return locale().toString(n);
}

QString UiFormat::count(quint64 n)
{
    return locale().toString(n);
}

QString UiFormat::count(double n)
{
    if (!std::isfinite(n))
        return QStringLiteral("–");
    if (std::abs(n) < 9e15)
        return locale().toString(qint64(std::llround(n)));
    return locale().toString(n, 'g', 6);
}

QString UiFormat::number(double v)
{
    if (!std::isfinite(v))
        return QStringLiteral("–");
    const double a = std::abs(v);
    if (a < 9e15 && v == std::trunc(v))
        return locale().toString(qint64(v));
    if (a >= 1e15 || (a != 0 && a < 1e-4))
        return locale().toString(v, 'g', 4);
    const int decimals = a >= 1000 ? 1 : a >= 100 ? 2 : a >= 1 ? 3 : 4;
    QString text = locale().toString(v, 'f', decimals);
    const QString point = locale().decimalPoint();
    if (text.contains(point)) {
        while (text.endsWith(locale().zeroDigit()))
            text.chop(1);
        if (text.endsWith(point))
            text.chop(point.size());
    }
    return text;
}

QString UiFormat::number(double v, const QString &units)
{
    if (units.isEmpty())
        return number(v);
    return number(v) + u'\u2009' + units;
}

QString UiFormat::rate(double perSecond, const QString &what)
{
    const double a = std::abs(perSecond);
    const QString n = a >= 100 || perSecond == std::trunc(perSecond)
        ? count(perSecond)
        : locale().toString(perSecond, 'f', a >= 10 ? 1 : 2);
    return n + u' ' + what + QStringLiteral("/s");
}

QString UiFormat::millis(double ms)
{
    if (!std::isfinite(ms))
        return QStringLiteral("–");
    if (ms >= 10000)
        return locale().toString(ms / 1000, 'f', 1) + QStringLiteral(" s");
    if (ms >= 1000)
        return locale().toString(ms / 1000, 'f', 2) + QStringLiteral(" s");
    if (ms >= 100 || ms == std::trunc(ms))
        return count(ms) + QStringLiteral(" ms");
    return locale().toString(ms, 'f', 1) + QStringLiteral(" ms");
}

QString UiFormat::micros(qint64 us)
{
    if (us < 1000)
        return locale().toString(us) + QStringLiteral(" µs");
    return millis(double(us) / 1000.0);
}

QString UiFormat::seconds(qint64 s)
{
    const QString sign = s < 0 ? QStringLiteral("-") : QString();
    s = std::abs(s);
    if (s < 60)
        return sign + locale().toString(s) + QStringLiteral(" s");
    if (s < 3600) {
        const qint64 rest = s % 60;
        return sign + locale().toString(s / 60) + QStringLiteral(" min")
            + (rest ? QStringLiteral(" ") + locale().toString(rest) + QStringLiteral(" s") : QString());
    }
    const qint64 minutes = (s % 3600) / 60;
    return sign + locale().toString(s / 3600) + QStringLiteral(" h")
        + (minutes ? QStringLiteral(" ") + locale().toString(minutes) + QStringLiteral(" min") : QString());
}

QString UiFormat::bytes(qint64 bytes)
{
    return locale().formattedDataSize(bytes, 1, QLocale::DataSizeIecFormat);
}

QString UiFormat::localTime(const QDateTime &t)
{
    if (!t.isValid())
        return QStringLiteral("–");
    const QDateTime local = t.toLocalTime();
    if (local.date() == QDate::currentDate())
        return local.toString(QStringLiteral("HH:mm:ss"));
    return local.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString UiFormat::localTime(qint64 unixSeconds)
{
    return localTime(QDateTime::fromSecsSinceEpoch(unixSeconds));
}

QString UiFormat::isoTime(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(Qt::ISODateWithMs) : QString();
}

bool UiFormat::isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightnessF() < 0.5;
}

QColor UiFormat::goodColor(const QPalette &palette)
{
    return isDark(palette) ? QColor(0x6c, 0xd9, 0x8a) : QColor(0x1a, 0x7f, 0x37);
}

QColor UiFormat::badColor(const QPalette &palette)
{
    return isDark(palette) ? QColor(0xff, 0x7b, 0x72) : QColor(0xc0, 0x1c, 0x28);
}

QColor UiFormat::warnColor(const QPalette &palette)
{
    return isDark(palette) ? QColor(0xf0, 0xc0, 0x4a) : QColor(0x9a, 0x67, 0x00);
}

void UiFormat::setForeground(QWidget *widget, const QColor &colour)
{
    QPalette p = widget->palette();
    p.setColor(QPalette::WindowText, colour);
    p.setColor(QPalette::Text, colour);
    widget->setPalette(p);
}

QString UiFormat::printable(const QByteArray &bytes)
{
    QString text = QString::fromUtf8(bytes);
    for (QChar &c : text) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            c = u' ';
    }
    return text;
}

} // namespace l2met

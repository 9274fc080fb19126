// UiFormat: how the window spells numbers, rates, durations, sizes and times
// (the user's locale, always with thousands separators, units after the
// number), and the two status colours (good / bad) picked to read on the
// current palette, light or dark.
//
// Static functions; the locale is read once. GUI thread only (QPalette).
#pragma once

#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <QString>
#include <QVariant>

class QPalette;
class QWidget;

namespace l2met {

class UiFormat
{
public:
    // The default locale with group separators switched on (the C locale
    // omits them).
    static const QLocale &locale();

    // Text of a log line or a reason: UTF-8, control characters as spaces.
    static QString printable(const QByteArray &bytes);
    static QString count(qint64 n);                 // 1,234,567
    static QString count(quint64 n);
    static QString count(double n);                 // rounded to an integer
    // A measured value: integers without decimals, others with a few
    // significant decimals (12,345.7 / 3.142 / 0.001234).
    static QString number(double v);
    // With units after a thin space when there are any: "4 ms", "21 MB".
    static QString number(double v, const QString &units);
    static QString rate(double perSecond, const QString &what); // "1,234.5 lines/s"
    static QString millis(double ms);               // "850 ms", "12.4 ms", "2.5 s"
    static QString micros(qint64 us);               // "420 µs", then as millis()
    static QString seconds(qint64 s);               // "45 s", "2 min 5 s", "1 h 2 min"
    static QString bytes(qint64 bytes);             // "64 MiB"
    // Local time: "14:03:21", or with the date when it is not today.
    static QString localTime(const QDateTime &t);
    static QString localTime(qint64 unixSeconds);
    // ISO 8601 local time with offset, for copying.
    static QString isoTime(const QDateTime &t);

    // A cell of a table of text columns and count columns, for the roles
    // such tables share: DisplayRole (counts with separators, an invalid
    // value as empty text), SortRole and
    // CopyRole (the value itself), TextAlignmentRole (text left, counts
    // right). An invalid QVariant for any other role.
    static QVariant countTableCell(int role, const QVariant &value, bool isText);

    static bool isDark(const QPalette &palette);
    static QColor goodColor(const QPalette &palette);
    static QColor badColor(const QPalette &palette);
    static QColor warnColor(const QPalette &palette);
    // Sets the label-like widget's foreground (WindowText and Text) to colour.
    static void setForeground(QWidget *widget, const QColor &colour);
};

} // namespace l2met

// LineCapture: the parser pool's LineObserver for one body that the Lines
// view samples: turns each LineReport into a LineRecord (what the line
// became, or the exact reason it became nothing) and adds it to the LineTap,
// up to the body's budget; lines past the budget are counted as sampled out.
//
// One per body, on the parser thread that parses it; the LineTap is
// thread-safe.
#pragma once

#include "metrics/linetap.h"
#include "parser/bodyparser.h"

namespace l2met {

class LineCapture : public LineObserver
{
public:
    // template carries the body's source, user and resolution.
    LineCapture(LineTap *tap, int budget, LineRecord templateRecord, qint32 recvDeadline);
    ~LineCapture() override;

    void observe(const LineReport &report) override;

    // The reason a line produced nothing (or what was skipped in it), in
    // words: "not a number: measure#a=abc", "late by 190 s (older than ...)".
    static QByteArray reason(const LineReport &report, qint32 resolution, qint32 recvDeadline);
    // Words for a bad piece's kind ("not a number").
    static const char *problemWords(ParseCounter kind);

private:
    LineTap *m_tap;
    int m_budget;
    quint64 m_skipped = 0;
    LineRecord m_template;
    qint64 m_atMs;
    qint32 m_recvDeadline;
};

} // namespace l2met

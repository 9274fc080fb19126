#include "source/sourcestatus.h"

namespace l2met {

const char *sourceKindName(SourceKind kind)
{
    switch (kind) {
    case SourceKind::Drain:
        return "drain";
    case SourceKind::Stdin:
        return "stdin";
    case SourceKind::Command:
        return "command";
    case SourceKind::File:
        return "file";
    case SourceKind::Heroku:
        return "heroku";
    case SourceKind::Syslog:
        return "syslog";
    }
    return "drain";
}

const char *sourceStateName(SourceState state)
{
    switch (state) {
    case SourceState::Starting:
        return "starting";
    case SourceState::Running:
        return "running";
    case SourceState::Waiting:
        return "waiting";
    case SourceState::Reconnecting:
        return "reconnecting";
    case SourceState::Ended:
        return "ended";
    case SourceState::Failed:
        return "failed";
    case SourceState::Stopped:
        return "stopped";
    }
    return "starting";
}

} // namespace l2met

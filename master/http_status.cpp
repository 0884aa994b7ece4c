#include "master/http_status.h"

namespace kontena::master {

int httpStatusOf(RefusalKind kind) {
    switch (kind) {
    case RefusalKind::NoQuorum: return 503;
    case RefusalKind::Conflict: return 409;
    case RefusalKind::NotFound: return 404;
    case RefusalKind::Invalid: return 422;
    case RefusalKind::Stale: return 409;
    }
    return 422;
}

Reply refusedReply(const Refusal& r) { return Reply::error(httpStatusOf(r.kind), QString::fromStdString(r.message)); }

}  // namespace kontena::master

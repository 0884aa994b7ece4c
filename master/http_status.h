#pragma once
// The one table from a core refusal (scheduler/controller.h RefusalKind) to
// the HTTP status the API answers with (API.md "Errors"): handlers never
// read the refusal's message to choose a status.

#include "master/route.h"
#include "scheduler/controller.h"

namespace kontena::master {

// NoQuorum 503, Conflict 409, NotFound 404, Invalid 422, Stale 409.
int httpStatusOf(RefusalKind kind);
// The error reply for `r`: its status and the platform's message.
Reply refusedReply(const Refusal& r);

}  // namespace kontena::master

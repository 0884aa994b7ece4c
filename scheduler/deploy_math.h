#pragma once
// The min_health throttle of a service deploy (reference §3.4), with
// Kontena's IEEE double arithmetic: floor(total x (1 - min_health)) instance
// deploys may be in flight, at least 1 and at most `cap` (20).

#include <algorithm>
#include <cmath>

namespace kontena {

inline int instanceDeployParallelism(int total, double minHealth, int cap) {
    const double limit = std::floor(static_cast<double>(total) * (1.0 - minHealth));
    return std::clamp(static_cast<int>(limit), 1, cap);
}

}  // namespace kontena

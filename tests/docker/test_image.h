#pragma once
// The fixture every real-engine suite starts with: a private dockerd and
// the busybox test image imported into it.

#include <QString>

#include "tests/docker/dockerd_harness.h"

namespace kontena::testing {

inline const QString kTestImage = QStringLiteral("kontena-test/busybox:1");

struct EngineFixture {
    PrivateDockerd dockerd;
    QString imageId;

    // Empty on success, else what went wrong (the suite fails with it).
    QString setUp() {
        if (auto started = dockerd.start(); !started)
            return QStringLiteral("cannot start a private dockerd: ") + started.error().message;
        auto image = dockerd.buildBusyboxImage(kTestImage);
        if (!image)
            return QStringLiteral("cannot build the busybox test image: ") + image.error().message;
        imageId = image.value();
        return {};
    }
};

}  // namespace kontena::testing

#pragma once
// LogStream: one container's stdout and stderr as they are written
// (GET /containers/{id}/logs?follow=1), line by line.
//
// Resume: lines carry the engine's timestamps; a reconnect asks for lines
// since the last one delivered and drops the ones already delivered
// (ResumePoint), so after an interruption the owner gets what the container
// wrote meanwhile, once.
// The stream finishes when the container has stopped (after one last read
// without follow, as the engine may end a follow before its final lines) or
// was removed.

#include "backends/docker/engine_stream.h"
#include "backends/docker/stream_parsers.h"

namespace kontena::docker {

class LogStream : public EngineStream {
    Q_OBJECT
public:
    // `options.sinceNano` / `tail` limit the first connection only;
    // `timestamps` is always on (the resume point needs it).
    LogStream(DockerClient client, QString container, LogOptions options = {},
              ReconnectPolicy policy = {}, QObject* parent = nullptr);
    ~LogStream() override;

signals:
    void line(const kontena::docker::LogLine& line);

protected:
    QByteArray nextPath() override;
    void resetDecoder() override;
    bool consume(QByteArrayView piece) override;
    EndDecision afterEnd(const StreamEnd& end) override;

private:
    void deliverLine(const LogLine& l);

    QString container_;
    LogOptions options_;
    LogFrameDecoder decoder_{true};
    ResumePoint resume_;        // worker thread only
    bool draining_ = false;     // the next request reads to the end without following
};

}  // namespace kontena::docker

Q_DECLARE_METATYPE(kontena::docker::LogLine)

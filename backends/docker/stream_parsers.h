#pragma once
// Incremental decoders for the engine's streamed bodies. Pieces arrive cut
// anywhere (mid-line, mid-frame header); each decoder buffers what is not
// complete yet and hands out only whole items, in order. Pure: no I/O.

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>

#include <functional>
#include <optional>

#include "backends/docker/engine_types.h"

namespace kontena::docker {

// Newline-separated JSON objects (GET /events, GET /containers/{id}/stats).
// Lines that are not a JSON object are counted and skipped.
class JsonLineSplitter {
public:
    void feed(QByteArrayView piece, const std::function<void(const QJsonObject&)>& onObject);
    int malformedLines() const { return malformed_; }

private:
    QByteArray pending_;
    int malformed_ = 0;
};

// The multiplexed stdout/stderr body of GET /containers/{id}/logs for a
// container without a TTY: frames of an 8-byte header (stream 1 = stdout,
// 2 = stderr, then a big-endian 32-bit length) and that many bytes. Frames
// are split into lines; with `timestamps` each line's RFC 3339 nano prefix is
// parsed into LogLine::timeNano and removed.
class LogFrameDecoder {
public:
    explicit LogFrameDecoder(bool timestamps) : timestamps_(timestamps) {}
    void feed(QByteArrayView piece, const std::function<void(const LogLine&)>& onLine);
    // Hands out the unterminated tail of each source (call when the stream ends).
    void flush(const std::function<void(const LogLine&)>& onLine);

private:
    void emitLines(LogSource source, QByteArray& buffer,
                   const std::function<void(const LogLine&)>& onLine, bool all);
    LogLine makeLine(LogSource source, QByteArrayView text) const;

    bool timestamps_;
    QByteArray pending_;
    QByteArray stdoutLine_, stderrLine_;
};

// Where a stream resumes, for a response that starts again at the instant of
// the latest delivered item ("since"): drops the items delivered before,
// including ones sharing that instant, and nothing else. Within a response
// items may come slightly out of time order (stdout and stderr are stamped
// by separate readers); all of them are new.
class ResumePoint {
public:
    // Whether an item stamped `timeNano` is new (to be delivered).
    bool accept(qint64 timeNano);
    // A new response starts, replaying from lastTimeNano() on.
    void rewind() {
        resumeAt_ = last_;
        skipAtResume_ = countAtLast_;
    }
    qint64 lastTimeNano() const { return last_; }

private:
    qint64 last_ = 0;          // the latest instant delivered
    int countAtLast_ = 0;      // delivered items stamped exactly last_
    qint64 resumeAt_ = 0;      // the current response repeats items up to here
    int skipAtResume_ = 0;     // ...and this many more stamped exactly resumeAt_
};

// "2026-11-24T18:00:00.123456789Z" -> nanoseconds since the Unix epoch.
std::optional<qint64> parseRfc3339Nano(QByteArrayView text);
// Nanoseconds since the epoch -> the engine's "since" form "SECONDS.NANOS".
QByteArray toEngineSince(qint64 timeNano);

}  // namespace kontena::docker

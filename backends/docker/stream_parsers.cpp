#include "backends/docker/stream_parsers.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QTimeZone>

namespace kontena::docker {

void JsonLineSplitter::feed(QByteArrayView piece,
                            const std::function<void(const QJsonObject&)>& onObject) {
    pending_.append(piece);
    qsizetype start = 0;
    for (qsizetype nl = pending_.indexOf('\n', start); nl >= 0; nl = pending_.indexOf('\n', start)) {
        const QByteArray line = pending_.mid(start, nl - start).trimmed();
        start = nl + 1;
        if (line.isEmpty())
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        if (doc.isObject())
            onObject(doc.object());
        else
            ++malformed_;
    }
    pending_.remove(0, start);
}

namespace {

constexpr qsizetype kFrameHeader = 8;

quint32 frameLength(const QByteArray& buf) {
    const auto* b = reinterpret_cast<const unsigned char*>(buf.constData());
    return (quint32(b[4]) << 24) | (quint32(b[5]) << 16) | (quint32(b[6]) << 8) | quint32(b[7]);
}

}  // namespace

void LogFrameDecoder::feed(QByteArrayView piece, const std::function<void(const LogLine&)>& onLine) {
    pending_.append(piece);
    qsizetype pos = 0;
    while (pending_.size() - pos >= kFrameHeader) {
        const QByteArray header = pending_.mid(pos, kFrameHeader);
        const qsizetype length = frameLength(header);
        if (pending_.size() - pos - kFrameHeader < length)
            break;
        const LogSource source = header.at(0) == 2 ? LogSource::Stderr : LogSource::Stdout;
        QByteArray& buffer = source == LogSource::Stderr ? stderrLine_ : stdoutLine_;
        buffer.append(pending_.constData() + pos + kFrameHeader, length);
        emitLines(source, buffer, onLine, false);
        pos += kFrameHeader + length;
    }
    pending_.remove(0, pos);
}

void LogFrameDecoder::flush(const std::function<void(const LogLine&)>& onLine) {
    emitLines(LogSource::Stdout, stdoutLine_, onLine, true);
    emitLines(LogSource::Stderr, stderrLine_, onLine, true);
}

void LogFrameDecoder::emitLines(LogSource source, QByteArray& buffer,
                                const std::function<void(const LogLine&)>& onLine, bool all) {
    qsizetype start = 0;
    for (qsizetype nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n', start)) {
        onLine(makeLine(source, QByteArrayView(buffer).sliced(start, nl - start)));
        start = nl + 1;
    }
    if (all && start < buffer.size()) {
        onLine(makeLine(source, QByteArrayView(buffer).sliced(start)));
        start = buffer.size();
    }
    buffer.remove(0, start);
}

LogLine LogFrameDecoder::makeLine(LogSource source, QByteArrayView text) const {
    LogLine line;
    line.source = source;
    if (timestamps_) {
        const qsizetype space = text.indexOf(' ');
        const auto stamp = space > 0 ? parseRfc3339Nano(text.first(space)) : std::nullopt;
        if (stamp) {
            line.timeNano = *stamp;
            text = text.sliced(space + 1);
        }
    }
    line.text = text.toByteArray();
    return line;
}

bool ResumePoint::accept(qint64 timeNano) {
    if (timeNano < resumeAt_)
        return false;
    if (timeNano == resumeAt_ && skipAtResume_ > 0) {
        --skipAtResume_;
        return false;
    }
    if (timeNano > last_) {
        last_ = timeNano;
        countAtLast_ = 1;
    } else if (timeNano == last_) {
        ++countAtLast_;
    }
    return true;
}

std::optional<qint64> parseRfc3339Nano(QByteArrayView text) {
    if (text.size() < 20 || !text.endsWith('Z'))
        return std::nullopt;
    const QByteArrayView whole = text.first(19);   // 2026-11-24T18:00:00
    const QDateTime dt = QDateTime::fromString(QString::fromLatin1(whole), Qt::ISODate);
    if (!dt.isValid())
        return std::nullopt;
    QDateTime utc(dt.date(), dt.time(), QTimeZone::utc());
    qint64 nanos = 0;
    const QByteArrayView rest = text.sliced(19, text.size() - 20);
    if (!rest.isEmpty()) {
        if (rest.at(0) != '.' || rest.size() > 10)
            return std::nullopt;
        QByteArray digits = rest.sliced(1).toByteArray();
        digits = digits.leftJustified(9, '0');
        bool ok = false;
        nanos = digits.toLongLong(&ok);
        if (!ok)
            return std::nullopt;
    }
    return utc.toSecsSinceEpoch() * 1'000'000'000LL + nanos;
}

QByteArray toEngineSince(qint64 timeNano) {
    const qint64 seconds = timeNano / 1'000'000'000LL;
    const qint64 nanos = timeNano % 1'000'000'000LL;
    return QByteArray::number(seconds) + '.' + QByteArray::number(nanos).rightJustified(9, '0');
}

}  // namespace kontena::docker

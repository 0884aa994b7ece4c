// The few resource helpers that are more than their field lists.
#include "api/logs.h"
#include "api/service.h"

namespace kontena::api {

QJsonObject serviceWithInstances(const Service& service, const QList<Instance>& instances) {
    QJsonObject o = service.toJson();
    o.insert(QStringLiteral("instances_detail"), toJsonArray(instances));
    return o;
}

QString ContainerLogEntry::line() const { return createdAt + QLatin1Char(' ') + name + QStringLiteral(": ") + data.trimmed(); }

}  // namespace kontena::api

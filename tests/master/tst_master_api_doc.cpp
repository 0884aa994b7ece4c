// master/API.md is the contract: every route it documents (streams as `WS /v1/...`) (above its
// "Planned" section) must be in the master's route table with the
// permission its "who" column names, and every route of the table must be
// documented in a route table row.
#include <QFile>
#include <QRegularExpression>
#include <QtTest>

#include "master/api_server.h"

using namespace kontena::master;

namespace {

using Method = QHttpServerRequest::Method;

struct DocRoute {
    QString method;
    QString path;
    QString who;     // empty: mentioned outside a route table
    int line = 0;
};

QString keyOf(const QString& method, const QString& path) { return method + QLatin1Char(' ') + path; }

// The "who" words of API.md and the permission each one means.
std::optional<Permission> permissionOf(const QString& who) {
    static const QMap<QString, Permission> words{
        {QStringLiteral("anyone"), Permission::Public},
        {QStringLiteral("any user"), Permission::User},
        {QStringLiteral("member"), Permission::GridMember},
        {QStringLiteral("grid_admin member, master_admin"), Permission::GridAdmin},
        {QStringLiteral("user_admin, master_admin"), Permission::UserAdmin},
        {QStringLiteral("master_admin"), Permission::MasterAdmin},
    };
    auto it = words.find(who);
    return it == words.end() ? std::nullopt : std::optional<Permission>(*it);
}

// Table cells of a markdown row, split at unescaped '|'.
QStringList cells(const QString& row) {
    QStringList out;
    QString cur;
    for (qsizetype i = 1; i < row.size(); ++i) {
        if (row[i] == QLatin1Char('|') && row[i - 1] != QLatin1Char('\\')) {
            out.append(cur.trimmed());
            cur.clear();
        } else {
            cur.append(row[i]);
        }
    }
    return out;
}

// Every `METHOD[/METHOD] /v1/...` of the document before "## Planned".
QList<DocRoute> documentedRoutes(const QString& text) {
    static const QRegularExpression re(QStringLiteral("`((?:GET|POST|PUT|DELETE|PATCH|WS)(?:/(?:GET|POST|PUT|DELETE|PATCH))*) (/v1/[^\\s`?]*)"));
    QList<DocRoute> out;
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (int n = 0; n < lines.size(); ++n) {
        const QString& line = lines[n];
        if (line.startsWith(QLatin1String("## Planned"))) break;
        const bool row = line.startsWith(QLatin1Char('|'));
        QString who;
        if (row && cells(line).size() >= 2) who = cells(line).at(1).section(QStringLiteral("→"), 0, 0).section(QLatin1Char('('), 0, 0).trimmed();
        for (auto it = re.globalMatch(row ? cells(line).value(0) : line); it.hasNext();) {
            const auto m = it.next();
            for (const QString& method : m.captured(1).split(QLatin1Char('/'))) out.append(DocRoute{method, m.captured(2), who, n + 1});
        }
    }
    return out;
}

QString apiDoc() {
    QFile f(qEnvironmentVariable("KONTENA_SOURCE_DIR") + QStringLiteral("/master/API.md"));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

}  // namespace

class TestMasterApiDoc : public QObject {
    Q_OBJECT

    QList<DocRoute> doc_;
    QMap<QString, Permission> table_;   // "GET /v1/ping" -> permission

private slots:
    void initTestCase() {
        const QString text = apiDoc();
        QVERIFY2(!text.isEmpty(), "master/API.md not found (KONTENA_SOURCE_DIR)");
        doc_ = documentedRoutes(text);
        QVERIFY(doc_.size() > 40);
        Master master;   // the route table is complete without open()
        for (const Route& r : master.routes()) {
            const QString key = keyOf(methodText(r.method), r.pattern);
            QVERIFY2(!table_.contains(key), qPrintable(key + QStringLiteral(" is in the route table twice")));
            table_.insert(key, r.permission);
        }
        // The stream (WebSocket) routes, documented as `WS /v1/...`.
        for (const Master::SocketRoute& r : master.socketRoutes()) {
            const QString key = keyOf(QStringLiteral("WS"), r.pattern);
            QVERIFY2(!table_.contains(key), qPrintable(key + QStringLiteral(" is in the stream table twice")));
            table_.insert(key, r.permission);
        }
    }

    void everyDocumentedRouteExists() {
        for (const DocRoute& d : doc_) {
            const QString key = keyOf(d.method, d.path);
            QVERIFY2(table_.contains(key), qPrintable(QStringLiteral("API.md:%1 documents %2, which the master does not serve").arg(d.line).arg(key)));
        }
    }

    void everyRouteIsDocumentedWithItsPermission() {
        for (auto it = table_.begin(); it != table_.end(); ++it) {
            bool found = false;
            for (const DocRoute& d : doc_) {
                if (keyOf(d.method, d.path) != it.key() || d.who.isEmpty()) continue;
                found = true;
                const auto documented = permissionOf(d.who);
                QVERIFY2(documented, qPrintable(QStringLiteral("API.md:%1: unknown \"who\": %2").arg(d.line).arg(d.who)));
                QVERIFY2(*documented == it.value(), qPrintable(QStringLiteral("API.md:%1: %2 is documented for \"%3\" but needs %4")
                                                                    .arg(d.line).arg(it.key(), d.who, toString(it.value()))));
            }
            QVERIFY2(found, qPrintable(it.key() + QStringLiteral(" is served but not documented in a route table row of master/API.md")));
        }
    }

    // The parser itself: a route the table lacks is reported, an escaped '|' stays in its cell.
    void parserFindsRoutes() {
        const auto routes = documentedRoutes(QStringLiteral("| `GET/PUT /v1/x/:id` `{\"a\"\\|\"b\"}` | member → `{}` |\n"
                                                            "see `DELETE /v1/y?z=1`\n## Planned\n`GET /v1/later`\n"));
        QCOMPARE(routes.size(), 3);
        QCOMPARE(keyOf(routes[1].method, routes[1].path), QStringLiteral("PUT /v1/x/:id"));
        QCOMPARE(routes[1].who, QStringLiteral("member"));
        QCOMPARE(keyOf(routes[2].method, routes[2].path), QStringLiteral("DELETE /v1/y"));
        QVERIFY(routes[2].who.isEmpty());
        QVERIFY(!table_.contains(QStringLiteral("GET /v1/later")));
    }
};

QTEST_GUILESS_MAIN(TestMasterApiDoc)
#include "tst_master_api_doc.moc"

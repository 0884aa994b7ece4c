// kontena-admin: the admin GUI. Offline mode: rehearse a failure scenario.
// Live mode: a grid of a running master (the CLI's ~/.kontena/ login).
//   kontena-admin [SCENARIO.yaml] [--real-run REPORT.json] [--screenshot DIR]
//   kontena-admin --live [--master NAME] [--grid GRID]
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QTimer>

#include <cstdio>

#include "gui/live_window.h"
#include "gui/main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("kontena-admin"));
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("The Kontena admin GUI: open a failure scenario, run it in the simulator and see what the platform does."));
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("SCENARIO"), QStringLiteral("A scenario file to open"));
    p.addOption({QStringLiteral("screenshot"), QStringLiteral("Render the main views to PNG files in DIR and exit"), QStringLiteral("DIR")});
    p.addOption({QStringLiteral("real-run"), QStringLiteral("A real run's report (kontena-fidelity --reports) to show beside its simulated run"), QStringLiteral("REPORT")});
    p.addOption({QStringLiteral("live"), QStringLiteral("Open a grid of a running master (log in with `kontena master login` first)")});
    p.addOption({QStringLiteral("master"), QStringLiteral("The master, by its name in the configuration (default: the current one)"), QStringLiteral("NAME")});
    p.addOption({QStringLiteral("grid"), QStringLiteral("The grid (default: the master's current grid)"), QStringLiteral("GRID")});
    p.process(app);

    kontena::gui::MainWindow w;
    if (p.isSet(QStringLiteral("live"))) {
        QString error;
        auto* live = w.openLive(p.value(QStringLiteral("master")), p.value(QStringLiteral("grid")), &error);
        if (!live) {
            std::fprintf(stderr, "kontena-admin: %s\n", qPrintable(error));
            return 2;
        }
        live->show();
        return app.exec();
    }
    if (!p.positionalArguments().isEmpty()) {
        QString error;
        if (!w.openScenario(p.positionalArguments().first(), &error)) {
            std::fprintf(stderr, "kontena-admin: %s\n", qPrintable(error));
            return 2;
        }
    }
    if (p.isSet(QStringLiteral("real-run"))) {
        QString error;
        if (!w.openRealRun(p.value(QStringLiteral("real-run")), &error)) {
            std::fprintf(stderr, "kontena-admin: %s\n", qPrintable(error));
            return 2;
        }
    }
    if (p.isSet(QStringLiteral("screenshot"))) {
        const QDir dir(p.value(QStringLiteral("screenshot")));
        QDir().mkpath(dir.path());
        w.show();
        app.processEvents();
        if (w.rehearsal()) {
            // The instant with the most offline nodes: the interesting one.
            kontena::Instant worst(0);
            std::size_t most = 0;
            for (const auto& f : w.rehearsal()->frames()) {
                std::size_t off = 0;
                for (const auto& n : f.nodes) off += n.status == QLatin1String("offline") ? 1 : 0;
                if (off > most) {
                    most = off;
                    worst = f.at;
                }
            }
            w.setTime(worst);
        }
        app.processEvents();
        const bool ok = w.grab().save(dir.filePath(QStringLiteral("offline-rehearsal.png")));
        std::printf("%s\n", qPrintable(dir.filePath(QStringLiteral("offline-rehearsal.png"))));
        return ok ? 0 : 1;
    }
    w.show();
    return app.exec();
}

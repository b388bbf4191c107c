// Webhook delivery to a local receiver (tests/common/httpreceiver): events delivered per second (a backlog of 1,000
// events of one model, in order, then of 4 models, whose deliveries run side by side), and the delay from a change's
// commit to its arrival at the receiver with `webhook deliver --follow` running (median and p99 of 200 changes
// committed 20 ms apart). Counters: events_per_s, median_ms, p99_ms, statements_per_event.

#include "benchutil.h"
#include "httpreceiver.h"
#include "registry/deliverer.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTimer>

using namespace md;

namespace {

const QByteArray kSecret("bench-secret-0123456789abcdef0123");

struct Fixture
{
    QTemporaryDir dir;
    QString url;
    std::unique_ptr<Registry> registry;
};

bool prepare(benchmark::State &state, Dialect dialect, const QString &name, int models, Fixture &f)
{
    f.url = dialect == Dialect::Sqlite ? f.dir.filePath(QStringLiteral("hooks.db")) : bench::freshPostgres(state, name);
    if (f.url.isEmpty())
        return false;
    auto r = Registry::open(f.url, Registry::Open::CreateIfMissing);
    if (!r) {
        bench::skip(state, r.error().message);
        return false;
    }
    f.registry = std::move(*r);
    for (int m = 0; m < models; ++m) {
        VersionSpec spec;
        spec.modelName = QStringLiteral("hook-model-%1").arg(m);
        spec.artifactUri = QStringLiteral("s3://bench/%1").arg(m);
        if (auto v = f.registry->registerVersion(spec); !v) {
            bench::skip(state, v.error().message);
            return false;
        }
    }
    return true;
}

bool addHook(benchmark::State &state, Registry &r, const QString &url)
{
    auto w = r.addWebhook(WebhookSpec{url, {QStringLiteral("tag.set")}, {}, kSecret});
    if (!w)
        bench::skip(state, w.error().message);
    return bool(w);
}

bool tagEvents(benchmark::State &state, Registry &r, int models, int perModel)
{
    for (int i = 0; i < perModel; ++i)
        for (int m = 0; m < models; ++m)
            if (auto s = r.setVersionTags(QStringLiteral("hook-model-%1").arg(m), 1,
                                          {{QStringLiteral("step"), QString::number(i)}}, {});
                !s) {
                bench::skip(state, s.error().message);
                return false;
            }
    return true;
}

void webhook_throughput(benchmark::State &state, Dialect dialect, int models)
{
    constexpr int kEvents = 1000;
    std::vector<double> rates;
    std::vector<double> statements;
    for (auto _ : state) {
        state.PauseTiming();
        Fixture f;
        md::test::HttpReceiver receiver;
        if (!prepare(state, dialect, QStringLiteral("bench_hooks_%1").arg(models), models, f) ||
            !addHook(state, *f.registry, receiver.url()) || !tagEvents(state, *f.registry, models, kEvents / models))
            return;
        DelivererOptions options;
        options.mode = DelivererOptions::Mode::Drain;
        WebhookDeliverer deliverer(*f.registry, options);
        const quint64 before = f.registry->statementCount();
        state.ResumeTiming();
        const auto start = std::chrono::steady_clock::now();
        auto stats = deliverer.run();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!stats || stats->delivered != kEvents || receiver.requests().size() != kEvents) {
            bench::skip(state, stats ? QStringLiteral("%1 of %2 delivered").arg(stats->delivered).arg(kEvents)
                                     : stats.error().message);
            return;
        }
        rates.push_back(kEvents / s);
        statements.push_back(double(f.registry->statementCount() - before) / kEvents);
    }
    std::sort(rates.begin(), rates.end());
    if (!rates.empty()) {
        state.counters["events_per_s"] = rates[rates.size() / 2];
        state.counters["statements_per_event"] = statements.front();
    }
}

void webhook_throughput_one_model(benchmark::State &state, Dialect dialect)
{
    webhook_throughput(state, dialect, 1);
}

void webhook_throughput_four_models(benchmark::State &state, Dialect dialect)
{
    webhook_throughput(state, dialect, 4);
}

// Changes are committed on one connection while the deliverer follows on another, in the same event loop.
void webhook_commit_to_delivery(benchmark::State &state, Dialect dialect)
{
    constexpr int kChanges = 200;
    for (auto _ : state) {
        Fixture f;
        md::test::HttpReceiver receiver;
        if (!prepare(state, dialect, QStringLiteral("bench_hooks_latency"), 1, f) ||
            !addHook(state, *f.registry, receiver.url()))
            return;
        auto writerOpened = Registry::open(f.url, Registry::Open::ExistingOnly);
        if (!writerOpened) {
            bench::skip(state, writerOpened.error().message);
            return;
        }
        std::unique_ptr<Registry> writer = std::move(*writerOpened);
        DelivererOptions options;
        options.mode = DelivererOptions::Mode::Follow;
        WebhookDeliverer deliverer(*f.registry, options);
        QHash<int, qint64> committedAt;
        int next = 0;
        QTimer tick;
        QString failure;
        QObject::connect(&tick, &QTimer::timeout, [&] {
            if (next < kChanges) {
                if (auto s = writer->setVersionTags(QStringLiteral("hook-model-0"), 1,
                                                    {{QStringLiteral("step"), QString::number(next)}}, {});
                    !s) {
                    failure = s.error().message;
                    deliverer.stop();
                    return;
                }
                committedAt.insert(next++, QDateTime::currentMSecsSinceEpoch());
            }
            if (receiver.requests().size() >= kChanges)
                deliverer.stop();
        });
        tick.start(20);
        QTimer::singleShot(60000, [&] { deliverer.stop(); });
        auto stats = deliverer.run();
        if (!failure.isEmpty() || !stats || receiver.requests().size() < kChanges) {
            bench::skip(state, !failure.isEmpty() ? failure
                               : stats
                                   ? QStringLiteral("%1 of %2 arrived").arg(receiver.requests().size()).arg(kChanges)
                                   : stats.error().message);
            return;
        }
        std::vector<double> delays;
        for (const md::test::ReceivedRequest &r : receiver.requests()) {
            const QJsonObject o = QJsonDocument::fromJson(r.body).object();
            const int step = o.value(QLatin1String("data")).toObject().value(QLatin1String("value")).toString().toInt();
            delays.push_back(double(r.receivedAtMs - committedAt.value(step)));
        }
        std::sort(delays.begin(), delays.end());
        state.counters["median_ms"] = delays[delays.size() / 2];
        state.counters["p99_ms"] = delays[std::min(delays.size() - 1, delays.size() * 99 / 100)];
    }
}

} // namespace

#define MD_BENCH_WEBHOOK(fn)                                                                                           \
    BENCHMARK_CAPTURE(fn, sqlite, ::md::Dialect::Sqlite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1); \
    BENCHMARK_CAPTURE(fn, postgresql, ::md::Dialect::Postgres)                                                         \
        ->Unit(benchmark::kMillisecond)                                                                                \
        ->UseRealTime()                                                                                                \
        ->Iterations(1)

MD_BENCH_WEBHOOK(webhook_throughput_one_model);
MD_BENCH_WEBHOOK(webhook_throughput_four_models);
MD_BENCH_WEBHOOK(webhook_commit_to_delivery);

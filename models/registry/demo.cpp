#include "demo.h"

#include "internals.h"

#include <QDateTime>
#include <QHash>
#include <QRandomGenerator>

#include <algorithm>

#include <memory>

#include <cmath>

namespace md {

namespace {
struct DemoModel
{
    const char *name;
    const char *description;
    const char *primaryMetric; // higher is better
    double start;              // primary metric of version 1
    int versions;
    const char *dataset;
    const char *source;
    const char *pipeline;
    const char *framework;
};

constexpr DemoModel kModels[] = {
    {"payments/fraud-detector", "Scores card transactions for fraud in real time.", "auc", 0.81, 34, "transactions",
     "eu-card-events", "fraud-features", "xgboost"},
    {"payments/chargeback-risk", "Predicts the chance of a chargeback within 90 days.", "auc", 0.74, 22, "transactions",
     "eu-card-events", "fraud-features", "lightgbm"},
    {"recsys/home-feed-ranker", "Ranks candidate items on the home feed.", "ndcg", 0.41, 40, "clicks", "eu-clickstream",
     "features", "pytorch"},
    {"recsys/similar-items", "Item-to-item similarity for the product page.", "recall_at_20", 0.32, 26, "clicks",
     "eu-clickstream", "features", "pytorch"},
    {"recsys/rec_model_v2", "Legacy recommender kept for the mobile app.", "ndcg", 0.36, 12, "clicks", "eu-clickstream",
     "features", "tensorflow"},
    {"search/query-autocomplete", "Suggests query completions as the user types.", "mrr", 0.52, 30, "queries",
     "search-logs", "query-features", "pytorch"},
    {"search/search-ranker", "Learning-to-rank model for the search results page.", "ndcg", 0.58, 28, "queries",
     "search-logs", "query-features", "lightgbm"},
    {"risk/credit-scoring", "Probability of default for credit applications.", "auc", 0.69, 18, "applications",
     "credit-bureau", "risk-features", "xgboost"},
    {"risk/churn-predictor", "Flags customers likely to cancel within 30 days.", "auc", 0.71, 24, "accounts",
     "crm-events", "risk-features", "sklearn"},
    {"ads/ctr-predictor", "Click-through-rate prediction for ad auctions.", "auc", 0.72, 36, "impressions",
     "ad-server-logs", "ads-features", "pytorch"},
    {"ads/bid-optimizer", "Chooses bids that maximise conversions within budget.", "roi", 1.12, 16, "impressions",
     "ad-server-logs", "ads-features", "sklearn"},
    {"support/ticket-router", "Routes support tickets to the right queue.", "f1", 0.66, 20, "tickets",
     "helpdesk-exports", "text-features", "transformers"},
};

QString hex(QRandomGenerator &rng, int digits)
{
    static const char *h = "0123456789abcdef";
    QString s;
    for (int i = 0; i < digits; ++i)
        s += QLatin1Char(h[rng.bounded(16)]);
    return s;
}

double round4(double v)
{
    return std::round(v * 10000.0) / 10000.0;
}
} // namespace

Result<DemoSummary> fillDemoRegistry(Registry &registry, quint32 seed, const std::function<void(int, int)> &progress)
{
    auto existing = registry.models();
    if (!existing)
        return existing.error();
    if (!existing->isEmpty())
        return Error::conflict(QStringLiteral("The registry at %1 already holds %2 models; demo data goes only into an "
                                              "empty registry. Use a new file, e.g. --registry /tmp/demo.db.")
                                   .arg(registry.locationDisplay())
                                   .arg(existing->size()));
    QRandomGenerator rng(seed);
    int total = 0;
    for (const DemoModel &m : kModels)
        total += m.versions;
    const QDateTime start = QDateTime(QDate(2026, 1, 5), QTime(9, 0), Qt::UTC);
    const QStringList authors = {QStringLiteral("alice"), QStringLiteral("bob"),   QStringLiteral("chen"),
                                 QStringLiteral("dana"),  QStringLiteral("emeka"), QStringLiteral("farah")};
    const QStringList countries = {QStringLiteral("DE"), QStringLiteral("FR"), QStringLiteral("US")};
    const QString originalActor = registry.actor();

    // Every action becomes an event at a point in the demo's history; events run in time order with the
    // clock set to their time, so the audit log, stage history and timelines read like real ones.
    struct Event
    {
        QDateTime at;
        int order;
        std::function<Status()> run;
    };
    QList<Event> events;
    int order = 0;
    Registry *reg = &registry;
    const bool sqlite = registry.dialect() == Dialect::Sqlite;
    auto act = [reg, sqlite](const QString &who) {
        if (sqlite)
            (void)reg->setSqliteActor(who);
    };
    auto requests = std::make_shared<QHash<QString, qint64>>();
    const QStringList reviewers = {QStringLiteral("rita"), QStringLiteral("sam")};

    GatePolicies defaults;
    GateRule requiredFacts;
    requiredFacts.kind = GateRule::Kind::RequiredFacts;
    requiredFacts.names = {QStringLiteral("code.git_sha"), QStringLiteral("data.dataset_version")};
    defaults.staging.rules << requiredFacts;
    defaults.production.rules << requiredFacts;
    events.push_back({start.addDays(-1), order++, [=]() {
                          act(QStringLiteral("ada"));
                          return reg->setGatePolicies({}, defaults);
                      }});

    DemoSummary summary;
    int done = 0;
    int modelIndex = 0;
    for (const DemoModel &dm : kModels) {
        QDateTime lastProductionAt;
        QDateTime lastAt;
        QDateTime firstAt;
        const QString name = QLatin1String(dm.name);
        double quality = dm.start;
        const double step = (dm.start < 1.0 ? (0.97 - dm.start) : 0.6) / (dm.versions * 1.6);
        int pipelineMinor = 0;
        for (int i = 1; i <= dm.versions; ++i) {
            // Mostly improving, sometimes regressing: what real training histories look like.
            const double drift = (rng.generateDouble() - 0.3) * step * 2.0;
            quality = std::max(dm.start * 0.9, quality + drift);
            if (rng.bounded(8) == 0)
                quality -= step * 2.5; // a bad run
            if (i % 9 == 0)
                ++pipelineMinor;
            const QDateTime at = start.addSecs(qint64(i) * 86400 * 280 / dm.versions + rng.bounded(36000));
            const QString dataVersion = at.addDays(-3).toString(QStringLiteral("yyyy-MM-dd"));
            const QString sha = hex(rng, 40);
            const QString pipelineVersion = QStringLiteral("2.%1").arg(pipelineMinor);

            VersionSpec spec;
            spec.modelName = name;
            spec.createdAt = at.toString(Qt::ISODateWithMs);
            spec.artifactUri =
                QStringLiteral("s3://ml-artifacts/%1/v%2/model.%3")
                    .arg(name)
                    .arg(i)
                    .arg(QLatin1String(dm.framework) == QLatin1String("pytorch") ? QStringLiteral("pt")
                                                                                 : QStringLiteral("bin"));
            spec.artifactDigest = QStringLiteral("sha256:") + hex(rng, 64);
            spec.sourceRun = QStringLiteral("run-%1").arg(hex(rng, 12));
            spec.description = i == 1 ? QStringLiteral("First baseline.")
                                      : QStringLiteral("Retrained on data up to %1.").arg(dataVersion);
            const QString primary = QLatin1String(dm.primaryMetric);
            const double q = round4(quality);
            // Scores that are fractions (AUC, F1, precision, recall) follow the model's skill in [0, 1]; a primary
            // metric on another scale (ROI 1.12) is mapped onto it, so that no fraction comes out above 1.
            const double skill = std::clamp(q <= 1.0 ? q : q / (1.0 + q), 0.05, 0.95);
            auto fraction = [](double v) { return round4(std::clamp(v, 0.0, 0.99)); };
            spec.metrics << Metric{primary, QStringLiteral("test"), {}, q};
            spec.metrics << Metric{
                primary, QStringLiteral("validation"), {}, round4(q + 0.004 + rng.generateDouble() * 0.01)};
            for (const QString &c : countries) {
                const double bias = c == QLatin1String("US") ? 0.01 : c == QLatin1String("FR") ? -0.015 : 0.0;
                spec.metrics << Metric{primary, QStringLiteral("test"), QStringLiteral("country=") + c,
                                       round4(q + bias + (rng.generateDouble() - 0.5) * 0.02)};
            }
            if (primary != QLatin1String("auc"))
                spec.metrics << Metric{QStringLiteral("auc"),
                                       QStringLiteral("test"),
                                       {},
                                       fraction(0.62 + skill * 0.35 + rng.generateDouble() * 0.02)};
            if (primary != QLatin1String("f1"))
                spec.metrics << Metric{QStringLiteral("f1"),
                                       QStringLiteral("test"),
                                       {},
                                       fraction(skill * 0.92 + rng.generateDouble() * 0.02)};
            spec.metrics << Metric{QStringLiteral("precision"),
                                   QStringLiteral("test"),
                                   {},
                                   fraction(skill * 0.95 + rng.generateDouble() * 0.03)};
            spec.metrics << Metric{QStringLiteral("recall"),
                                   QStringLiteral("test"),
                                   {},
                                   fraction(skill * 0.88 + rng.generateDouble() * 0.03)};
            spec.metrics << Metric{QStringLiteral("logloss"),
                                   QStringLiteral("test"),
                                   {},
                                   round4(std::max(0.05, 0.9 - skill * 0.75 + rng.generateDouble() * 0.03))};
            spec.metrics << Metric{QStringLiteral("latency_ms"),
                                   QStringLiteral("test"),
                                   {},
                                   std::round(8.0 + rng.generateDouble() * 12.0 + i * 0.1)};

            spec.params.insert(QStringLiteral("learning_rate"),
                               QString::number(QList<double>{0.01, 0.03, 0.05, 0.1}.at(rng.bounded(4))));
            spec.params.insert(QStringLiteral("max_depth"), QString::number(4 + rng.bounded(8)));
            spec.params.insert(QStringLiteral("n_estimators"), QString::number(100 * (2 + rng.bounded(9))));
            spec.params.insert(QStringLiteral("batch_size"), QString::number(256 << rng.bounded(3)));
            spec.params.insert(QStringLiteral("seed"), QString::number(rng.bounded(1000)));

            const QString dataset = QLatin1String(dm.dataset);
            spec.facts << Fact{QStringLiteral("data"), QStringLiteral("dataset"), dataset};
            spec.facts << Fact{QStringLiteral("data"), QStringLiteral("dataset_version"),
                               dataset + QLatin1Char('@') + dataVersion};
            spec.facts << Fact{QStringLiteral("data"), QStringLiteral("date_from"),
                               at.addDays(-183).toString(QStringLiteral("yyyy-MM-dd"))};
            spec.facts << Fact{QStringLiteral("data"), QStringLiteral("date_to"),
                               at.addDays(-3).toString(QStringLiteral("yyyy-MM-dd"))};
            spec.facts << Fact{QStringLiteral("data"), QStringLiteral("rows"),
                               QString::number(1'000'000 + rng.bounded(9'000'000))};
            spec.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), sha};
            spec.facts << Fact{QStringLiteral("code"), QStringLiteral("branch"),
                               rng.bounded(5) == 0 ? QStringLiteral("experiment/tuning") : QStringLiteral("main")};
            spec.facts << Fact{
                QStringLiteral("code"), QStringLiteral("repo"),
                QStringLiteral("git@git.example.com:ml/%1.git").arg(name.section(QLatin1Char('/'), 0, 0))};
            spec.facts << Fact{QStringLiteral("env"), QStringLiteral("python"),
                               i < dm.versions / 2 ? QStringLiteral("3.10") : QStringLiteral("3.11")};
            spec.facts << Fact{QStringLiteral("env"), QStringLiteral("framework"), QLatin1String(dm.framework)};
            if (QLatin1String(dm.framework) == QLatin1String("pytorch") ||
                QLatin1String(dm.framework) == QLatin1String("transformers"))
                spec.facts << Fact{QStringLiteral("env"), QStringLiteral("cuda"), QStringLiteral("12.1")};
            spec.facts << Fact{QStringLiteral("training"), QStringLiteral("duration_s"),
                               QString::number(600 + rng.bounded(20000))};
            spec.facts << Fact{QStringLiteral("training"), QStringLiteral("compute"),
                               rng.bounded(2) ? QStringLiteral("gpu-a10g") : QStringLiteral("cpu-32")};

            spec.tags.insert(QStringLiteral("team"), name.section(QLatin1Char('/'), 0, 0));
            if (rng.bounded(6) == 0)
                spec.tags.insert(QStringLiteral("experiment"), QStringLiteral("exp-%1").arg(rng.bounded(100)));

            spec.inputs << LineageInput{LineageKind::DataSource, QLatin1String(dm.source), {}};
            spec.inputs << LineageInput{LineageKind::DatasetVersion, dataset, dataVersion};
            spec.inputs << LineageInput{LineageKind::FeaturePipelineVersion, QLatin1String(dm.pipeline),
                                        pipelineVersion};
            spec.inputs << LineageInput{LineageKind::CodeCommit, sha, {}};

            // Drawn on both dialects so that the same seed gives the same data everywhere.
            const QString author = authors.at(int(rng.bounded(authors.size())));
            const QString reviewer = reviewers.at(int(rng.bounded(reviewers.size())));
            events.push_back({at, order++, [=, &done, &summary]() -> Status {
                                  act(author);
                                  auto registered = reg->registerVersion(spec);
                                  if (!registered)
                                      return registered.error();
                                  ++summary.versions;
                                  if (progress)
                                      progress(++done, total);
                                  return {};
                              }});
            lastAt = at;
            if (i == 1)
                firstAt = at;
            const bool last = i == dm.versions;
            const QString why =
                QStringLiteral("Improves %1@test to %2 on data up to %3.").arg(primary).arg(q).arg(dataVersion);
            if ((i % 5 == 2 && !last) || (last && modelIndex % 3 == 0)) {
                events.push_back({at.addSecs(4 * 3600), order++, [=]() -> Status {
                                      act(author);
                                      auto r =
                                          reg->promote(name, i, Stage::Staging, QStringLiteral("ready for review"));
                                      return r ? Status{} : Status{r.error()};
                                  }});
                events.push_back({at.addSecs(6 * 3600), order++, [=]() -> Status {
                                      act(author);
                                      auto r = reg->requestPromotion(name, i, Stage::Production, why);
                                      if (!r)
                                          return r.error();
                                      requests->insert(QStringLiteral("%1@%2").arg(name).arg(i), r->id);
                                      return {};
                                  }});
                if (!last && sqlite) {
                    events.push_back({at.addSecs(26 * 3600), order++, [=]() -> Status {
                                          act(reviewer);
                                          const qint64 id = requests->value(QStringLiteral("%1@%2").arg(name).arg(i));
                                          auto req = reg->request(id);
                                          if (!req)
                                              return req.error();
                                          auto r = reg->decide(
                                              id, true,
                                              QStringLiteral("Checked metrics per country and the data window."),
                                              req->gatesPassed ? QString()
                                                               : QStringLiteral("Regression is within noise; "
                                                                                "slices look fine."));
                                          return r ? Status{} : Status{r.error()};
                                      }});
                    lastProductionAt = at.addSecs(26 * 3600);
                }
            } else if (i % 5 == 4 && !last) {
                events.push_back({at.addSecs(3 * 3600), order++, [=]() -> Status {
                                      act(author);
                                      auto r = reg->promote(name, i, Stage::Staging, QStringLiteral("candidate"));
                                      return r ? Status{} : Status{r.error()};
                                  }});
                events.push_back({at.addSecs(9 * 3600), order++, [=]() -> Status {
                                      act(author);
                                      auto r =
                                          reg->archive(name, i, QStringLiteral("Worse than Production on country=FR."));
                                      return r ? Status{} : Status{r.error()};
                                  }});
            }
        }
        ++summary.models;
        const QString tier = rng.bounded(2) ? QStringLiteral("critical") : QStringLiteral("standard");
        events.push_back({firstAt.addSecs(60), order++, [=]() -> Status {
                              act(QStringLiteral("ada"));
                              if (auto s =
                                      reg->setModelTags(name,
                                                        {{QStringLiteral("team"), name.section(QLatin1Char('/'), 0, 0)},
                                                         {QStringLiteral("tier"), tier}},
                                                        {});
                                  !s)
                                  return s;
                              return reg->describeModel(name, QLatin1String(dm.description));
                          }});
        // Rollbacks: two models had a bad release and went back to the previous Production version.
        if (sqlite && (modelIndex == 0 || modelIndex == 9) && lastProductionAt.isValid()) {
            events.push_back({lastProductionAt.addDays(2), order++, [=]() -> Status {
                                  act(QStringLiteral("olga"));
                                  auto r = reg->rollback(
                                      name, 0,
                                      modelIndex == 0
                                          ? QStringLiteral("Precision dropped for country=FR after the release.")
                                          : QStringLiteral("CTR fell 3% in the first hours; rolling back."));
                                  return r ? Status{} : Status{r.error()};
                              }});
        }
        // A failing gate: search-ranker's latest request misses the model's quality bar.
        if (modelIndex == 6) {
            GatePolicies strict;
            strict.staging.rules << requiredFacts;
            GateRule bar;
            bar.kind = GateRule::Kind::MetricMin;
            bar.metric = QLatin1String(dm.primaryMetric);
            bar.dataset = QStringLiteral("test");
            bar.threshold = 0.95;
            strict.production.rules << requiredFacts << bar;
            events.push_back({lastAt.addSecs(3600), order++, [=]() -> Status {
                                  act(QStringLiteral("ada"));
                                  return reg->setGatePolicies(name, strict);
                              }});
        }
        const QDateTime end = start.addDays(300);
        // What services run: the Production version, and one canary that runs a version that is not in Production.
        events.push_back(
            {end, order++, [=]() -> Status {
                 act(QStringLiteral("deploy-bot"));
                 auto prod = reg->production(name);
                 if (!prod)
                     return prod.error();
                 const QString service = name.section(QLatin1Char('/'), 1) + QStringLiteral("-api");
                 for (const ModelVersion &v : *prod)
                     if (auto s = reg->reportDeployment(service, QStringLiteral("prod-eu"), name, v.version); !s)
                         return s;
                 // champion is what serving resolves: it follows Production through every promotion and rollback.
                 if (!prod->isEmpty())
                     if (auto s = reg->setFollowingAlias(name, QStringLiteral("champion"), true); !s)
                         return s;
                 if (modelIndex == 2)
                     return reg->reportDeployment(service, QStringLiteral("canary-us"), name, dm.versions - 1);
                 return reg->setAlias(name, QStringLiteral("challenger"), dm.versions, false);
             }});
        ++modelIndex;
    }

    std::stable_sort(events.begin(), events.end(),
                     [](const Event &a, const Event &b) { return a.at != b.at ? a.at < b.at : a.order < b.order; });
    // One transaction: a demo that fails (a role that may not do part of it, a full disk) or is killed leaves the
    // registry as empty as it was, and can simply be run again.
    const Status filled = RegistryInternals::database(registry).writeTransaction([&]() -> Status {
        for (const Event &e : events) {
            setClockOverride(e.at.toString(Qt::ISODateWithMs));
            const Status s = e.run();
            setClockOverride({});
            if (!s)
                return s;
        }
        return {};
    });
    (void)registry.setSqliteActor(originalActor);
    if (!filled)
        return Error{
            filled.error().kind,
            QStringLiteral("%1 Nothing was written: the registry is as empty as before.").arg(filled.error().message),
            filled.error().code};
    return summary;
}

} // namespace md

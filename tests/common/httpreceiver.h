#pragma once

// A real HTTP/1.1 server on 127.0.0.1 for webhook tests and benchmarks: records every request and answers
// what the test scripts (keep-alive, Content-Length bodies; enough for QNetworkAccessManager).

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QTcpServer>

#include <functional>

namespace md::test {

struct ReceivedRequest
{
    QByteArray method;
    QByteArray path;
    QHash<QByteArray, QByteArray> headers; // names in lower case
    QByteArray body;
    qint64 receivedAtMs = 0; // ms since the epoch
    QByteArray header(const char *name) const { return headers.value(QByteArray(name).toLower()); }
};

struct ScriptedResponse
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body = "ok";
};

class HttpReceiver final : public QObject
{
    Q_OBJECT
public:
    HttpReceiver();
    ~HttpReceiver() override;
    bool listening() const { return m_server.isListening(); }
    QString url(const QString &path = QStringLiteral("/hook")) const;
    // Decides the answer to the n-th request (0-based); default: 200 "ok".
    void setResponder(std::function<ScriptedResponse(const ReceivedRequest &, int)> responder)
    {
        m_responder = std::move(responder);
    }
    const QList<ReceivedRequest> &requests() const { return m_requests; }
    void clear() { m_requests.clear(); }

private:
    void accept();
    void readFrom(QTcpSocket *socket);

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<ReceivedRequest> m_requests;
    std::function<ScriptedResponse(const ReceivedRequest &, int)> m_responder;
};

// Verifies Standard Webhooks signatures with an implementation independent of the product's: python3's hmac
// module, else OpenSSL's command line. Returns "" when every request's webhook-signature (and the identical
// X-MLflow-Signature) is right for `secret`, else what was wrong.
QString verifySignaturesIndependently(const QList<ReceivedRequest> &requests, const QByteArray &secret);

} // namespace md::test

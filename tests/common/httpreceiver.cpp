#include "httpreceiver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryFile>

namespace md::test {

HttpReceiver::HttpReceiver()
{
    connect(&m_server, &QTcpServer::newConnection, this, &HttpReceiver::accept);
    m_server.listen(QHostAddress::LocalHost, 0);
}

HttpReceiver::~HttpReceiver()
{
    // The sockets are the server's children: they go before the buffers their signals would touch.
    const QList<QTcpSocket *> sockets = m_buffers.keys();
    m_buffers.clear();
    for (QTcpSocket *s : sockets) {
        s->disconnect(this);
        delete s;
    }
}

QString HttpReceiver::url(const QString &path) const
{
    return QStringLiteral("http://127.0.0.1:%1%2").arg(m_server.serverPort()).arg(path);
}

void HttpReceiver::accept()
{
    while (QTcpSocket *s = m_server.nextPendingConnection()) {
        m_buffers.insert(s, {});
        connect(s, &QTcpSocket::readyRead, this, [this, s] { readFrom(s); });
        connect(s, &QTcpSocket::disconnected, this, [this, s] {
            m_buffers.remove(s);
            s->deleteLater();
        });
    }
}

void HttpReceiver::readFrom(QTcpSocket *socket)
{
    QByteArray &buffer = m_buffers[socket];
    buffer += socket->readAll();
    for (;;) {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        ReceivedRequest r;
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        r.method = requestLine.value(0);
        r.path = requestLine.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines.at(i).indexOf(':');
            if (colon > 0)
                r.headers.insert(lines.at(i).left(colon).trimmed().toLower(), lines.at(i).mid(colon + 1).trimmed());
        }
        const qsizetype length = r.headers.value("content-length").toLongLong();
        if (buffer.size() < end + 4 + length)
            return; // the body is still coming
        r.body = buffer.mid(end + 4, length);
        buffer.remove(0, end + 4 + length);
        r.receivedAtMs = QDateTime::currentMSecsSinceEpoch();
        const int index = int(m_requests.size());
        m_requests << r;
        const ScriptedResponse answer = m_responder ? m_responder(r, index) : ScriptedResponse{};
        QByteArray out = "HTTP/1.1 " + QByteArray::number(answer.status) + " Scripted\r\n";
        for (const auto &h : answer.headers)
            out += h.first + ": " + h.second + "\r\n";
        out += "Content-Length: " + QByteArray::number(answer.body.size()) + "\r\nConnection: keep-alive\r\n\r\n" +
               answer.body;
        socket->write(out);
    }
}

namespace {
const char *kPythonCheck = R"(import base64, hashlib, hmac, json, sys
data = json.load(open(sys.argv[1]))
key = bytes.fromhex(data["secret"])
for r in data["requests"]:
    body = base64.b64decode(r["body"])
    signed = r["id"].encode() + b"." + r["ts"].encode() + b"." + body
    want = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    if r["sig"] != want or r["mlflow_sig"] != want or r["mlflow_id"] != r["id"] or r["mlflow_ts"] != r["ts"]:
        print("request %s: signature %s, expected %s" % (r["id"], r["sig"], want))
        sys.exit(1)
print("ok")
)";
} // namespace

QString verifySignaturesIndependently(const QList<ReceivedRequest> &requests, const QByteArray &secret)
{
    if (requests.isEmpty())
        return QStringLiteral("no requests to verify");
    const QString python = QStandardPaths::findExecutable(QStringLiteral("python3"));
    if (!python.isEmpty()) {
        QJsonArray list;
        for (const ReceivedRequest &r : requests)
            list << QJsonObject{{QStringLiteral("id"), QString::fromUtf8(r.header("webhook-id"))},
                                {QStringLiteral("ts"), QString::fromUtf8(r.header("webhook-timestamp"))},
                                {QStringLiteral("sig"), QString::fromUtf8(r.header("webhook-signature"))},
                                {QStringLiteral("mlflow_id"), QString::fromUtf8(r.header("x-mlflow-delivery-id"))},
                                {QStringLiteral("mlflow_ts"), QString::fromUtf8(r.header("x-mlflow-timestamp"))},
                                {QStringLiteral("mlflow_sig"), QString::fromUtf8(r.header("x-mlflow-signature"))},
                                {QStringLiteral("body"), QString::fromLatin1(r.body.toBase64())}};
        QTemporaryFile file;
        if (!file.open())
            return QStringLiteral("cannot write a temporary file");
        file.write(QJsonDocument(QJsonObject{{QStringLiteral("secret"), QString::fromLatin1(secret.toHex())},
                                             {QStringLiteral("requests"), list}})
                       .toJson());
        file.flush();
        QProcess p;
        p.start(python, {QStringLiteral("-c"), QString::fromUtf8(kPythonCheck), file.fileName()});
        if (!p.waitForFinished(60000))
            return QStringLiteral("python3 did not finish");
        const QString out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
        if (p.exitCode() != 0 || out != QLatin1String("ok"))
            return QStringLiteral("python3 hmac: %1 %2").arg(out, QString::fromUtf8(p.readAllStandardError()));
        return {};
    }
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (openssl.isEmpty())
        return QStringLiteral("neither python3 nor openssl is installed: cannot verify signatures independently");
    for (const ReceivedRequest &r : requests) {
        QProcess p;
        p.start(openssl, {QStringLiteral("dgst"), QStringLiteral("-sha256"), QStringLiteral("-mac"),
                          QStringLiteral("HMAC"), QStringLiteral("-macopt"),
                          QStringLiteral("hexkey:") + QString::fromLatin1(secret.toHex()), QStringLiteral("-binary")});
        p.write(r.header("webhook-id") + '.' + r.header("webhook-timestamp") + '.' + r.body);
        p.closeWriteChannel();
        if (!p.waitForFinished(30000))
            return QStringLiteral("openssl did not finish");
        const QByteArray want = "v1," + p.readAllStandardOutput().toBase64();
        if (r.header("webhook-signature") != want || r.header("x-mlflow-signature") != want)
            return QStringLiteral("openssl: request %1 signed %2, expected %3")
                .arg(QString::fromUtf8(r.header("webhook-id")), QString::fromUtf8(r.header("webhook-signature")),
                     QString::fromUtf8(want));
    }
    return {};
}

} // namespace md::test

#include "scanworker.h"

#include <QFuture>
#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

namespace devtopo {

ScanWorker::ScanWorker(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<devtopo::Topology>();
}

ScanWorker::~ScanWorker()
{
    if (m_cancel)
        m_cancel->store(true);
}

void ScanWorker::start(const QString &path)
{
    if (m_cancel)
        m_cancel->store(true); // a newer request supersedes the running one
    auto cancelFlag = std::make_shared<std::atomic<bool>>(false);
    m_cancel = cancelFlag;
    m_running = true;
    QPointer<ScanWorker> self(this);
    auto report = [self, cancelFlag](int done, int total, const QString &stage) {
        // Queued to our thread; throttled by the scanner itself.
        QMetaObject::invokeMethod(
            self.data(),
            [self, cancelFlag, done, total, stage] {
                if (self && !cancelFlag->load())
                    Q_EMIT self->progress(done, total, stage);
            },
            Qt::QueuedConnection);
    };
    QtConcurrent::run([path, cancelFlag, report] { return openSource(path, cancelFlag.get(), report); })
        .then(this, [this, cancelFlag](const SourceResult &result) {
            if (cancelFlag != m_cancel)
                return; // superseded
            m_running = false;
            if (cancelFlag->load())
                Q_EMIT failed(tr("Scan cancelled"));
            else if (result.ok)
                Q_EMIT finished(result.topology);
            else
                Q_EMIT failed(result.error);
        });
}

void ScanWorker::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

} // namespace devtopo

#pragma once

#include "source.h"

#include <QObject>

#include <atomic>
#include <memory>

namespace devtopo {

// Runs openSource() on the thread pool; everything it reports arrives on the owner's thread.
class ScanWorker : public QObject
{
    Q_OBJECT
public:
    explicit ScanWorker(QObject *parent = nullptr);
    ~ScanWorker() override;

    bool isRunning() const { return m_running; }

public Q_SLOTS:
    void start(const QString &path);
    void cancel();

Q_SIGNALS:
    void progress(int done, int total, const QString &stage);
    void finished(const devtopo::Topology &topology);
    void failed(const QString &error);

private:
    std::shared_ptr<std::atomic<bool>> m_cancel;
    bool m_running = false;
};

} // namespace devtopo

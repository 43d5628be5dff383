#include "demoroot.h"

#include "scenario.h"
#include "sysfswriter.h"

#include <QDir>
#include <QMutex>
#include <QTemporaryDir>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace devtopo::sim {

namespace {

// Owned until exit, when QTemporaryDir removes them.
std::vector<std::unique_ptr<QTemporaryDir>> &demoDirs()
{
    static std::vector<std::unique_ptr<QTemporaryDir>> dirs;
    return dirs;
}

QMutex &demoDirsMutex()
{
    static QMutex mutex;
    return mutex;
}

} // namespace

QString createDemoRoot(const SimHost &host, QString *error)
{
    auto dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + u"/devtopo-demo-XXXXXX"_s);
    if (!dir->isValid()) {
        if (error)
            *error = u"cannot create a temporary directory for the demo host: %1"_s.arg(dir->errorString());
        return {};
    }
    QString why;
    if (!writeSysfsTree(host, dir->path(), &why)) {
        if (error)
            *error = u"cannot write the demo host: %1"_s.arg(why);
        return {};
    }
    const QString path = dir->path();
    QMutexLocker lock(&demoDirsMutex());
    demoDirs().push_back(std::move(dir));
    return path;
}

QString createDemoRoot(QString *error)
{
    QString why;
    const SimHost host = defaultDemoHost(&why);
    if (!why.isEmpty()) {
        if (error)
            *error = why;
        return {};
    }
    return createDemoRoot(host, error);
}

} // namespace devtopo::sim

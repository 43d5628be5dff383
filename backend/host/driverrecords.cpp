#include "driverrecords.h"

#include "hostlogging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace devtopo::host {

DriverRecords::DriverRecords(QString path) : m_path(std::move(path))
{
    load();
}

void DriverRecords::remember(const PciAddress &a, const OriginalDriver &original)
{
    if (m_records.contains(a))
        return;
    m_records.insert(a, original);
    save();
}

std::optional<OriginalDriver> DriverRecords::original(const PciAddress &a) const
{
    const auto it = m_records.constFind(a);
    if (it == m_records.cend())
        return std::nullopt;
    return *it;
}

void DriverRecords::forget(const PciAddress &a)
{
    if (m_records.remove(a))
        save();
}

void DriverRecords::load()
{
    if (m_path.isEmpty())
        return;
    QFile f(m_path);
    if (!f.open(QIODevice::ReadOnly))
        return; // none yet
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const auto a = PciAddress::parse(it.key());
        if (!a)
            continue;
        const QJsonObject rec = it.value().toObject();
        m_records.insert(*a, {rec.value(u"driver"_s).toString(), rec.value(u"driver_override"_s).toString()});
    }
}

void DriverRecords::save()
{
    if (m_path.isEmpty())
        return;
    QJsonObject o;
    for (auto it = m_records.cbegin(); it != m_records.cend(); ++it)
        o.insert(it.key().toString(), QJsonObject{{u"driver"_s, it->driver}, {u"driver_override"_s, it->driverOverride}});
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile f(m_path);
    if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(o).toJson()) < 0 || !f.commit()) {
        m_error = u"cannot write %1: %2"_s.arg(m_path, f.errorString());
        qCWarning(lcHost).noquote() << m_error;
        return;
    }
    m_error.clear();
}

} // namespace devtopo::host

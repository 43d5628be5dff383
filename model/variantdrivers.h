#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace devtopo {

// The vfio_pci: aliases of a modules.alias file: what libvirt (10.0+) uses to pick the most
// specific VFIO variant driver for a device. A module matches when its pattern matches the
// device's modalias with "pci:" replaced by "vfio_pci:".
class VariantDriverIndex
{
public:
    // Parses modules.alias content; only "alias vfio_pci:... module" lines are kept.
    static VariantDriverIndex fromAliasFile(const QByteArray &content);

    // Matching modules, most specific first (fewest wildcard characters), de-duplicated.
    QStringList match(const QString &modalias) const;
    bool isEmpty() const { return m_entries.isEmpty(); }
    qsizetype size() const { return m_entries.size(); }

private:
    struct Entry
    {
        QByteArray pattern;
        QString module;
        int specificity = 0;
    };
    QList<Entry> m_entries;
};

} // namespace devtopo

#include "variantdrivers.h"

#include <fnmatch.h>

#include <algorithm>

namespace devtopo {

VariantDriverIndex VariantDriverIndex::fromAliasFile(const QByteArray &content)
{
    VariantDriverIndex idx;
    // Qt 6.4's QByteArrayView cannot split; the file is read once per scan, so copies are fine.
    for (QByteArray line : content.split('\n')) {
        line = line.trimmed();
        if (!line.startsWith("alias vfio_pci:"))
            continue;
        QList<QByteArray> words = line.simplified().split(' ');
        if (words.size() != 3)
            continue;
        Entry e;
        e.pattern = words[1];
        e.module = QString::fromUtf8(words[2]);
        // Concrete characters count; '*' and '?' do not: the vendor+device pattern beats the catch-all.
        e.specificity = int(std::count_if(e.pattern.cbegin(), e.pattern.cend(),
                                          [](char c) { return c != '*' && c != '?'; }));
        idx.m_entries << e;
    }
    return idx;
}

QStringList VariantDriverIndex::match(const QString &modalias) const
{
    if (!modalias.startsWith(QLatin1String("pci:")))
        return {};
    const QByteArray key = "vfio_pci:" + modalias.mid(4).toLatin1();
    QList<const Entry *> hits;
    for (const Entry &e : m_entries)
        if (::fnmatch(e.pattern.constData(), key.constData(), 0) == 0)
            hits << &e;
    std::stable_sort(hits.begin(), hits.end(),
                     [](const Entry *a, const Entry *b) { return a->specificity > b->specificity; });
    QStringList out;
    for (const Entry *e : hits)
        if (!out.contains(e->module))
            out << e->module;
    return out;
}

} // namespace devtopo

#include "p2pmatrix.h"

namespace devtopo {

QStringList p2pShortNames(const Topology &topology, const QList<int> &functions)
{
    QHash<QString, int> next;
    QStringList names;
    names.reserve(functions.size());
    for (int i : functions) {
        const QString prefix = p2pShortPrefix(topology.functions[i]);
        names << prefix + QString::number(next[prefix]++);
    }
    return names;
}

P2pMatrix computeP2pMatrix(const P2pEngine &engine, P2pKind kind, bool includeVfs)
{
    P2pMatrix m;
    m.kind = kind;
    m.includeVfs = includeVfs;
    m.functions = engine.endpoints(kind, includeVfs);
    m.shortNames = p2pShortNames(engine.topology(), m.functions);
    const size_t n = size_t(m.functions.size());
    m.cells.resize(n * n);
    // Every rule is symmetric in the two functions, so compute one triangle and mirror it.
    for (size_t r = 0; r < n; ++r)
        for (size_t c = r; c < n; ++c) {
            const P2pCell cell = engine.cell(m.functions[qsizetype(r)], m.functions[qsizetype(c)]);
            m.cells[r * n + c] = cell;
            m.cells[c * n + r] = cell;
        }
    return m;
}

} // namespace devtopo

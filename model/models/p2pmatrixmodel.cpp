#include "p2pmatrixmodel.h"

#include "format.h"

#include <QRegularExpression>

namespace devtopo {

namespace {

QStringList addressTexts(const QList<PciAddress> &list)
{
    QStringList out;
    for (const PciAddress &a : list)
        out << a.toString();
    return out;
}

} // namespace

P2pMatrixModel::P2pMatrixModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

P2pMatrixModel::~P2pMatrixModel() = default;

void P2pMatrixModel::setTopology(const Topology &topology)
{
    beginResetModel();
    m_engine.reset(); // it points into the topology about to be replaced
    m_topology = topology;
    m_topology.ensureIndexed();
    m_engine = std::make_unique<P2pEngine>(m_topology);
    recompute();
    endResetModel();
}

void P2pMatrixModel::setKind(P2pKind kind)
{
    if (kind == m_kind)
        return;
    beginResetModel();
    m_kind = kind;
    recompute();
    endResetModel();
}

void P2pMatrixModel::setIncludeVfs(bool include)
{
    if (include == m_includeVfs)
        return;
    beginResetModel();
    m_includeVfs = include;
    recompute();
    endResetModel();
}

void P2pMatrixModel::recompute()
{
    m_matrix = m_engine ? computeP2pMatrix(*m_engine, m_kind, m_includeVfs) : P2pMatrix{};
}

QString P2pMatrixModel::shortName(int section) const
{
    return section >= 0 && section < m_matrix.shortNames.size() ? m_matrix.shortNames[section] : QString();
}

P2pPath P2pMatrixModel::pathAt(const QModelIndex &index) const
{
    if (!m_engine || !checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    return m_engine->explain(m_matrix.functions[index.row()], m_matrix.functions[index.column()]);
}

int P2pMatrixModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_matrix.size();
}

int P2pMatrixModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_matrix.size();
}

QVariant P2pMatrixModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const P2pCell &cell = m_matrix.at(index.row(), index.column());
    switch (role) {
    case Qt::DisplayRole:
    case ClassNameRole:
        return p2pClassName(cell.cls);
    case Qt::TextAlignmentRole:
        return int(Qt::AlignCenter);
    case P2pClassRole:
    case SortRole:
        return int(cell.cls);
    case MapTypeRole:
        return p2pMapTypeName(cell.mapType);
    case DistanceRole:
        return int(cell.distance);
    case HostRuleRole:
        return p2pHostRuleName(cell.hostRule);
    case PciAddressRole:
        return QVariant::fromValue(m_topology.functions[m_matrix.functions[index.row()]].address);
    case ColumnAddressRole:
        return QVariant::fromValue(m_topology.functions[m_matrix.functions[index.column()]].address);
    case FunctionIndexRole:
        return m_matrix.functions[index.row()];
    case PathRole:
        return addressTexts(pathAt(index).path);
    case AcsRedirectRole:
        return addressTexts(pathAt(index).acsRedirect);
    case BottleneckRole: {
        const P2pPath p = pathAt(index);
        return p.bottleneck.known() ? p.bottleneck.address->toString() + QStringLiteral(": ") + p.bottleneck.toString()
                                    : QString();
    }
    case ReasonsRole:
        return pathAt(index).reasons;
    case Qt::ToolTipRole:
        return toolTip(pathAt(index), index.row(), index.column());
    default:
        return {};
    }
}

QString P2pMatrixModel::toolTip(const P2pPath &p, int row, int column) const
{
    // Rich text would break "0000:1b:00.0" at its colons; keep addresses whole.
    static const QRegularExpression address(QStringLiteral("\\b([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7])\\b"));
    auto escaped = [](const QString &text) {
        return QString(text.toHtmlEscaped()).replace(address, QStringLiteral("<nobr>\\1</nobr>"));
    };
    QString html = QStringLiteral("<b>%1 ↔ %2: %3</b> &nbsp; %4 ↔ %5<br>")
                       .arg(shortName(row), shortName(column), p2pClassName(p.cell.cls), p.a.toString(), p.b.toString());
    html += QStringLiteral("<b>Kernel p2pdma:</b> %1, distance %2<br>")
                .arg(p2pMapTypeKernelName(p.cell.mapType))
                .arg(p.cell.distance);
    html += QStringLiteral("<b>Path:</b> %1<br>").arg(escaped(addressTexts(p.path).join(QStringLiteral(" → "))));
    html += QStringLiteral("<b>ACS redirect:</b> %1<br>")
                .arg(p.acsRedirect.isEmpty() ? QStringLiteral("none") : addressTexts(p.acsRedirect).join(QStringLiteral(", ")));
    html += QStringLiteral("<b>Bottleneck:</b> %1<br>")
                .arg(p.bottleneck.known() ? p.bottleneck.address->toString() + QStringLiteral(", ") + p.bottleneck.toString()
                                          : QStringLiteral("unknown"));
    html += QStringLiteral("<ul style=\"margin:0\">");
    for (const QString &r : p.reasons)
        html += QStringLiteral("<li>") + escaped(r) + QStringLiteral("</li>");
    html += QStringLiteral("</ul>");
    return html;
}

QVariant P2pMatrixModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    Q_UNUSED(orientation);
    if (section < 0 || section >= m_matrix.size())
        return {};
    const PciFunction &f = m_topology.functions[m_matrix.functions[section]];
    switch (role) {
    case Qt::DisplayRole:
        return m_matrix.shortNames[section];
    case Qt::ToolTipRole:
        return QStringLiteral("%1 %2\n%3%4")
            .arg(m_matrix.shortNames[section], f.address.toString(), fmt::functionName(f),
                 f.driver.isEmpty() ? QString() : QStringLiteral(" (") + f.driver + QLatin1Char(')'));
    case PciAddressRole:
        return QVariant::fromValue(f.address);
    case AddressRole:
        return f.address.toString();
    case FunctionIndexRole:
        return m_matrix.functions[section];
    default:
        return {};
    }
}

} // namespace devtopo

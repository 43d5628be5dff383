#include "p2pjson.h"

#include <QJsonArray>

namespace devtopo {

namespace {

QJsonArray addresses(const QList<PciAddress> &list)
{
    QJsonArray out;
    for (const PciAddress &a : list)
        out.append(a.toString());
    return out;
}

} // namespace

QJsonObject p2pPathToJson(const P2pPath &path)
{
    QJsonValue bottleneck = QJsonValue::Null;
    if (path.bottleneck.known())
        bottleneck = QJsonObject{
            {QStringLiteral("address"), path.bottleneck.address->toString()},
            {QStringLiteral("speed"), path.bottleneck.speed},
            {QStringLiteral("width"), path.bottleneck.width},
            {QStringLiteral("gbytes_per_s"), qRound(path.bottleneck.gigabytesPerSecond() * 100) / 100.0},
            {QStringLiteral("current_unknown"), path.bottleneck.fromMax},
        };
    return QJsonObject{
        {QStringLiteral("a"), path.a.toString()},
        {QStringLiteral("b"), path.b.toString()},
        {QStringLiteral("class"), p2pClassName(path.cell.cls)},
        {QStringLiteral("path"), addresses(path.path)},
        {QStringLiteral("distance"), path.cell.distance},
        {QStringLiteral("map_type"), p2pMapTypeName(path.cell.mapType)},
        {QStringLiteral("host_rule"), p2pHostRuleName(path.cell.hostRule)},
        {QStringLiteral("common_bridge"),
         path.commonBridge ? QJsonValue(path.commonBridge->toString()) : QJsonValue(QJsonValue::Null)},
        {QStringLiteral("acs_redirect"), addresses(path.acsRedirect)},
        {QStringLiteral("bottleneck"), bottleneck},
        {QStringLiteral("reasons"), QJsonArray::fromStringList(path.reasons)},
    };
}

QJsonObject p2pMatrixToJson(const P2pEngine &engine, const P2pMatrix &matrix)
{
    const Topology &topo = engine.topology();
    QJsonArray devices;
    for (int i = 0; i < matrix.size(); ++i) {
        const PciFunction &f = topo.functions[matrix.functions[i]];
        devices.append(QJsonObject{
            {QStringLiteral("name"), matrix.shortNames[i]},
            {QStringLiteral("address"), f.address.toString()},
            {QStringLiteral("description"), f.vendorName.isEmpty() ? f.displayName() : f.vendorName + QLatin1Char(' ') + f.displayName()},
            {QStringLiteral("numa_node"), f.numaNode},
        });
    }
    QJsonArray pairs;
    for (int r = 0; r < matrix.size(); ++r)
        for (int c = r + 1; c < matrix.size(); ++c)
            pairs.append(p2pPathToJson(engine.explain(matrix.functions[r], matrix.functions[c])));
    return QJsonObject{
        {QStringLiteral("kind"), p2pKindName(matrix.kind)},
        {QStringLiteral("include_vfs"), matrix.includeVfs},
        {QStringLiteral("devices"), devices},
        {QStringLiteral("pairs"), pairs},
    };
}

} // namespace devtopo

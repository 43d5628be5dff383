#include "groupexplanation.h"

#include "models/format.h"

namespace devtopo::views {

namespace {
QString link(const PciAddress &a)
{
    const QString s = a.toString();
    return QStringLiteral("<a href=\"pci:%1\">%1</a>").arg(s);
}

QString list(const QStringList &items)
{
    QString out = QStringLiteral("<ul style=\"margin-top:0px\">");
    for (const QString &i : items)
        out += QStringLiteral("<li>") + i + QStringLiteral("</li>");
    return out + QStringLiteral("</ul>");
}
} // namespace

QString groupExplanationHtml(const Topology &topology, const IommuGroup &g)
{
    QString html;
    const bool viable = g.viability.viable;
    html += QStringLiteral("<h3 style=\"margin-bottom:2px\">IOMMU group %1 &nbsp;<span style=\"color:%2\">%3</span></h3>")
                .arg(g.id)
                .arg(viable ? QStringLiteral("#2e7d32") : QStringLiteral("#c62828"),
                     viable ? QStringLiteral("viable for VFIO") : QStringLiteral("not viable for VFIO"));
    QStringList facts;
    facts << QStringLiteral("type %1").arg(g.type.isEmpty() ? QStringLiteral("unknown") : g.type.toHtmlEscaped());
    if (!g.unit.isEmpty())
        facts << QStringLiteral("IOMMU %1").arg(g.unit.toHtmlEscaped());
    facts << QStringLiteral("%1 device(s)").arg(g.devices.size() + g.otherMembers.size());
    html += QStringLiteral("<p style=\"margin-top:0px\">") + facts.join(QStringLiteral(" · ")) + QStringLiteral("</p>");

    QStringList members;
    for (const PciAddress &a : g.devices) {
        const PciFunction *f = topology.function(a);
        QString line = link(a);
        if (f)
            line += QStringLiteral(" %1 — <i>%2</i>")
                        .arg(fmt::functionName(*f).toHtmlEscaped(),
                             f->driver.isEmpty() ? QStringLiteral("no driver") : f->driver.toHtmlEscaped());
        members << line;
    }
    for (const QString &o : g.otherMembers)
        members << o.toHtmlEscaped() + QStringLiteral(" (non-PCI)");
    html += QStringLiteral("<p style=\"margin-bottom:0px\"><b>Members</b></p>") + list(members);

    html += QStringLiteral("<p style=\"margin-bottom:0px\"><b>Why these devices share the group</b></p>");
    if (!g.reasons.isEmpty()) {
        QStringList reasons;
        for (const GroupReason &r : g.reasons)
            reasons << QStringLiteral("<b>%1</b> at %2: %3")
                           .arg(fmt::groupReasonKindName(r.kind).toHtmlEscaped(), link(r.culprit), r.text.toHtmlEscaped());
        html += list(reasons);
    } else if (g.devices.size() + g.otherMembers.size() > 1) {
        html += list({QStringLiteral("No rule devtopo models explains this grouping (a kernel quirk or "
                                     "unreadable config space).")});
    } else {
        html += list({QStringLiteral("It does not: this device is alone in its group, isolated by ACS "
                                     "or by being the only function behind its port.")});
    }

    if (!g.viability.blockers.isEmpty())
        html += QStringLiteral("<p style=\"margin-bottom:0px\"><b>What blocks VFIO</b></p>") + list([&] {
                    QStringList out;
                    for (const QString &b : g.viability.blockers)
                        out << b.toHtmlEscaped();
                    return out;
                }());
    if (!g.viability.actions.isEmpty())
        html += QStringLiteral("<p style=\"margin-bottom:0px\"><b>What to do</b></p>") + list([&] {
                    QStringList out;
                    for (const QString &a : g.viability.actions)
                        out << a.toHtmlEscaped();
                    return out;
                }());
    if (viable)
        html += QStringLiteral("<p>Every member is unbound or bound to a VFIO-compatible driver: the whole "
                               "group can be handed to a VM.</p>");
    return html;
}

} // namespace devtopo::views

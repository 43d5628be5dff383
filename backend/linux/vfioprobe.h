#pragma once

// Asks the running kernel's VFIO (legacy group/container API) what it thinks of one IOMMU group:
// is it viable, can a container be attached, which IOVA ranges and page sizes does type1 offer.
// This is the ground truth devtopo's own viability and usable-IOVA analyses are checked against.

#include <QJsonObject>
#include <QList>
#include <QString>

namespace devtopo::linuxhost {

struct VfioIovaRange
{
    quint64 start = 0;
    quint64 end = 0; // inclusive, as VFIO reports it
    bool operator==(const VfioIovaRange &) const = default;
};

struct VfioGroupProbe
{
    int group = -1;
    QString groupPath; // "/dev/vfio/<group>"

    // Each step's errno: 0 when it succeeded, -1 when it was not attempted.
    int openContainerErrno = -1;
    int openGroupErrno = -1;
    int getStatusErrno = -1;
    int setContainerErrno = -1;
    int setIommuErrno = -1;
    int getInfoErrno = -1;

    int apiVersion = -1; // VFIO_GET_API_VERSION on the container
    bool type1v2Supported = false; // VFIO_CHECK_EXTENSION(VFIO_TYPE1v2_IOMMU)
    quint32 statusFlags = 0; // VFIO_GROUP_GET_STATUS flags
    quint32 infoFlags = 0; // VFIO_IOMMU_GET_INFO flags
    quint64 iovaPgsizes = 0;
    bool hasIovaRangeCap = false;
    QList<VfioIovaRange> iovaRanges; // from VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE
    int dmaAvail = -1; // from VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL; -1 when absent
    bool hasMigrationCap = false; // VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION present (dirty tracking)

    QString error; // the first step that failed, in words; empty when every attempted step worked

    bool viable() const;
    bool containerSet() const;
    // A container could be attached and type1v2 selected: the group is usable for DMA.
    bool attached() const { return setContainerErrno == 0 && setIommuErrno == 0; }
};

// Opens vfioDir/vfio and vfioDir/<group>, reads the status, then tries SET_CONTAINER, SET_IOMMU
// (type1v2) and GET_INFO with its capability chain. Every fd is closed before returning, so the
// group is left as it was found. Never throws; failures are in the errno fields and error.
VfioGroupProbe probeVfioGroup(int group, const QString &vfioDir = QStringLiteral("/dev/vfio"));

// The group numbers that have a node in vfioDir (the groups with a device bound to a VFIO driver).
QList<int> vfioGroupNodes(const QString &vfioDir = QStringLiteral("/dev/vfio"));

// JSON with numbers as "0x" hex strings for addresses and sizes, like devtopo-cli scan --json.
QJsonObject probeToJson(const VfioGroupProbe &probe);

} // namespace devtopo::linuxhost

#pragma once

// What every host operation returns: success with the list of changes made (for the log and the
// confirmation UI), or the kernel-style errno with a sentence that says what was refused and why.

#include <QString>
#include <QStringList>

namespace devtopo::host {

struct HostResult
{
    bool ok = true;
    int err = 0; // errno; 0 on success
    QString message; // on failure: "what failed: why"
    QStringList changes; // what was changed, in order, one line each

    static HostResult success(QStringList changes = {}) { return {true, 0, {}, std::move(changes)}; }
    static HostResult failure(int err, QString message) { return {false, err, std::move(message), {}}; }
    // "ERRNO: text" from the simulated kernel (SimHost mutations); empty means success.
    static HostResult fromSimError(const QString &simError, const QString &change);

    // "EACCES: Incorrect VF token ..." as shown to people and sent over D-Bus.
    QString errorText() const;
};

// EPERM -> "EPERM"; unknown numbers as "errno 123".
QString errnoName(int err);
// "EPERM" -> EPERM; 0 when unknown.
int errnoFromName(QStringView name);

} // namespace devtopo::host

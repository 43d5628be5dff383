#!/usr/bin/env python3
"""Host-side assertions of the real-kernel test host.

Reads what one boot of a topology left in RESULTS (guest/checks.sh's truth-*.txt, scan-*.json,
probe-*.json) and checks one aspect:

  scan        devtopo-cli scan agrees with the kernel: functions, parents, drivers, groups and
              members, group types, reserved regions, VF<->PF links, SR-IOV counts (every stage)
  iova        devtopo's usable IOVA per group equals VFIO_IOMMU_GET_INFO's IOVA ranges
  viability   devtopo's viable verdict equals VFIO_GROUP_GET_STATUS, for a fully bound group and a
              partially bound one (which must also make VFIO_GROUP_SET_CONTAINER fail with EPERM)
  sriov       after sriov_numvfs=2 the VFs, their groups and physfn/virtfn links are there (kernel)
              and devtopo shows the same
  actions     devtopo's own LinuxHost (devtopo-hostctl in the guest, hostctl.jsonl) did what it said
              and the kernel agrees: bind-force/restore of a lone function, EPERM on a partly bound
              group then DMA map/unmap/dirty bitmap on the whole group, numvfs 2/3/0, the VF token

Exit 0 when everything holds, 1 on any mismatch (each one printed), 77 (ctest SKIP_RETURN_CODE)
when the kernel-side part held but devtopo's output is missing because devtopo-cli was not built.
"""

import argparse
import errno
import json
import os
import sys

SKIP = 77
STAGES = ["before", "vfs", "partial", "vfio"]


class Report:
    def __init__(self, name):
        self.name = name
        self.failures = []
        self.passes = 0
        self.skipped = []

    def check(self, ok, msg):
        if ok:
            self.passes += 1
        else:
            self.failures.append(msg)
        return ok

    def eq(self, what, devtopo, kernel):
        return self.check(devtopo == kernel, f"{what}: devtopo says {fmt(devtopo)}, kernel says {fmt(kernel)}")

    def skip(self, msg):
        self.skipped.append(msg)

    def finish(self):
        for f in self.failures:
            print(f"FAIL {self.name}: {f}")
        for s in self.skipped:
            print(f"SKIP {self.name}: {s}")
        print(f"{self.name}: {self.passes} assertions passed, {len(self.failures)} failed"
              + (f", {len(self.skipped)} parts skipped" if self.skipped else ""))
        if self.failures:
            return 1
        if self.skipped:
            return SKIP
        return 0


def fmt(v):
    if isinstance(v, int) and not isinstance(v, bool) and v > 9:
        return hex(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt(x) for x in v) + "]"
    return repr(v)


def num(v):
    """devtopo writes numbers as "0x.." strings; accept ints and decimal strings too."""
    if v is None or v == "" or v == "-":
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    s = str(v).strip()
    return int(s, 16) if s.lower().startswith("0x") else int(s)


def addr(v):
    return None if v in (None, "", "-") else str(v).lower()


# --- the kernel's view (truth-STAGE.txt) ----------------------------------------------------------
class Truth:
    def __init__(self, path):
        self.fns = {}
        self.sriov = {}
        self.virtfn = {}
        self.groups = {}
        self.vfio = set()
        with open(path) as f:
            for line in f:
                p = line.split()
                if not p:
                    continue
                kind = p[0]
                if kind == "fn":
                    a, parent, drv, grp, physfn, ven, dev, cls, numa = p[1:10]
                    self.fns[a.lower()] = {
                        "parent": addr(parent), "driver": None if drv == "-" else drv,
                        "group": num(grp), "physfn": addr(physfn), "vendor": num(ven),
                        "device": num(dev), "class": num(cls), "numa": num(numa)}
                elif kind == "sriov":
                    self.sriov[p[1].lower()] = (int(p[2]), int(p[3]))
                elif kind == "virtfn":
                    self.virtfn.setdefault(p[1].lower(), {})[int(p[2])] = p[3].lower()
                elif kind == "group":
                    self.groups.setdefault(int(p[1]), {"type": None, "members": set(), "resv": []})["type"] = p[2]
                elif kind == "member":
                    self.groups.setdefault(int(p[1]), {"type": None, "members": set(), "resv": []})["members"].add(p[2].lower())
                elif kind == "resv":
                    self.groups.setdefault(int(p[1]), {"type": None, "members": set(), "resv": []})["resv"].append(
                        (int(p[2], 16), int(p[3], 16), p[4]))
                elif kind == "vfio":
                    self.vfio.add(int(p[1]))

    def vfs_of(self, pf):
        return [self.virtfn[pf][i] for i in sorted(self.virtfn.get(pf, {}))]


# --- devtopo's view (scan-STAGE.json) -------------------------------------------------------------
class Scan:
    def __init__(self, path):
        with open(path) as f:
            doc = json.load(f)
        self.devices = {}
        for d in doc.get("devices", []):
            self.devices[addr(d.get("address"))] = d
        self.groups = {}
        for g in doc.get("groups", []):
            self.groups[num(g.get("id"))] = g


def load(results, name):
    path = os.path.join(results, name)
    return path if os.path.isfile(path) and os.path.getsize(path) > 0 else None


def load_scan(results, stage, rep):
    p = load(results, f"scan-{stage}.json")
    if not p:
        err = os.path.join(results, f"scan-{stage}.err")
        if os.path.isfile(err):
            # devtopo-cli was in the guest and ran, but printed nothing: that is devtopo failing.
            why = open(err, errors="replace").read().strip().replace("\n", " | ")[-400:]
            rep.check(False, f"[{stage}] devtopo-cli scan --root / --json gave no output: {why or 'no message'}")
        else:
            rep.skip(f"no devtopo scan for stage {stage}: devtopo-cli was not built, so not in the guest")
        return None
    try:
        return Scan(p)
    except (ValueError, OSError) as e:
        rep.check(False, f"scan-{stage}.json is not valid JSON: {e}")
        return None


def load_probe(results, stage):
    p = load(results, f"probe-{stage}.json")
    if not p:
        return None
    with open(p) as f:
        return {g["group"]: g for g in json.load(f)["groups"]}


def resv_of(g):
    return sorted((num(r.get("start")), num(r.get("end")), r.get("type")) for r in g.get("reserved_regions") or [])


def iova_of(g):
    return sorted((num(r.get("start")), num(r.get("end"))) for r in g.get("usable_iova") or [])


# --- checks ---------------------------------------------------------------------------------------
def check_scan(results, rep):
    for stage in STAGES:
        tp = load(results, f"truth-{stage}.txt")
        if not tp:
            continue
        truth = Truth(tp)
        scan = load_scan(results, stage, rep)
        if scan is None:
            continue
        s = f"[{stage}]"
        rep.eq(f"{s} set of functions", sorted(a for a in scan.devices if a), sorted(truth.fns))
        for a, k in sorted(truth.fns.items()):
            d = scan.devices.get(a)
            if d is None:
                continue
            rep.eq(f"{s} {a} parent", addr(d.get("parent")), k["parent"])
            rep.eq(f"{s} {a} driver", d.get("driver") or None, k["driver"])
            rep.eq(f"{s} {a} iommu_group", num(d.get("iommu_group")), k["group"])
            rep.eq(f"{s} {a} vendor_id", num(d.get("vendor_id")), k["vendor"])
            rep.eq(f"{s} {a} device_id", num(d.get("device_id")), k["device"])
            rep.eq(f"{s} {a} class", num(d.get("class")), k["class"])
            rep.eq(f"{s} {a} numa_node", num(d.get("numa_node")), k["numa"])
            rep.eq(f"{s} {a} physfn", addr(d.get("physfn")), k["physfn"])
            rep.eq(f"{s} {a} vfs", [addr(v) for v in d.get("vfs") or []], truth.vfs_of(a))
            if a in truth.sriov:
                sr = d.get("sriov") or {}
                rep.eq(f"{s} {a} sriov (total_vfs, num_vfs)",
                       (num(sr.get("total_vfs")), num(sr.get("num_vfs"))), truth.sriov[a])
        rep.eq(f"{s} set of IOMMU groups", sorted(g for g in scan.groups if g is not None), sorted(truth.groups))
        for gid, kg in sorted(truth.groups.items()):
            g = scan.groups.get(gid)
            if g is None:
                continue
            rep.eq(f"{s} group {gid} members", sorted(addr(m) for m in g.get("devices") or []), sorted(kg["members"]))
            rep.eq(f"{s} group {gid} type", g.get("type"), kg["type"])
            rep.eq(f"{s} group {gid} reserved_regions", resv_of(g), sorted(kg["resv"]))


def kernel_iova_model(resv, width=48):
    """The IOVA ranges type1 should report: the address space minus the non-relaxable reserved regions."""
    holes = sorted((s, e) for s, e, t in resv if t != "direct-relaxable")
    out, cur = [], 0
    for s, e in holes:
        if s > cur:
            out.append((cur, s - 1))
        cur = max(cur, e + 1)
    if cur <= (1 << width) - 1:
        out.append((cur, (1 << width) - 1))
    return out


def check_iova(results, rep):
    probe = load_probe(results, "vfio")
    tp = load(results, "truth-vfio.txt")
    if not rep.check(probe is not None and tp is not None, "no probe-vfio.json/truth-vfio.txt: the vfio stage did not run"):
        return
    truth = Truth(tp)
    rep.check(len(probe) > 0, "no group had a /dev/vfio node after binding")
    for gid, p in sorted(probe.items()):
        ok = rep.check(p.get("attached") and p.get("has_iova_range_cap"),
                       f"group {gid}: kernel did not attach a type1v2 container or gave no IOVA range capability: "
                       f"{p.get('error', p)}")
        if not ok:
            continue
        kr = sorted((num(r["start"]), num(r["end"])) for r in p["iova_ranges"])
        # What the kernel does, stated as a rule: the 48-bit space minus non-relaxable reserved regions.
        rep.eq(f"group {gid} kernel IOVA ranges vs reserved_regions rule (kernel self-check)",
               kr, kernel_iova_model(truth.groups.get(gid, {}).get("resv", [])))
    scan = load_scan(results, "vfio", rep)
    if scan is None:
        return
    for gid, p in sorted(probe.items()):
        if not p.get("attached"):
            continue
        g = scan.groups.get(gid)
        if not rep.check(g is not None, f"group {gid}: not in devtopo's scan"):
            continue
        kr = sorted((num(r["start"]), num(r["end"])) for r in p["iova_ranges"])
        rep.eq(f"group {gid} usable_iova", iova_of(g), kr)


def check_viability(results, rep):
    probe_p = load_probe(results, "partial")
    actions = {}
    ap = load(results, "actions.txt")
    if ap:
        for line in open(ap):
            k, _, v = line.strip().partition(" ")
            actions.setdefault(k, v)
    pg = num(actions.get("partial_group"))
    if pg is not None and rep.check(probe_p is not None and pg in probe_p, f"no probe of partially bound group {pg}"):
        p = probe_p[pg]
        rep.check(p.get("viable") is False,
                  f"kernel: partially bound group {pg} should not be viable, GET_STATUS says {p.get('status_flags')}")
        rep.check(p.get("set_container_errno") == errno.EPERM,
                  f"kernel: SET_CONTAINER on partially bound group {pg} should fail with EPERM, "
                  f"got errno {p.get('set_container_errno')}")
        scan = load_scan(results, "partial", rep)
        if scan is not None:
            g = scan.groups.get(pg)
            if rep.check(g is not None, f"[partial] group {pg} not in devtopo's scan"):
                rep.eq(f"[partial] group {pg} viable", g.get("viable"), p.get("viable"))
    elif pg is None:
        print("NOTE viability: topology has no multifunction group to bind partially")

    probe = load_probe(results, "vfio")
    if not rep.check(probe is not None, "no probe-vfio.json: the vfio stage did not run"):
        return
    for gid, p in sorted(probe.items()):
        rep.check(p.get("viable") is True, f"kernel: fully bound group {gid} should be viable: {p.get('error', '')}")
        rep.check(p.get("set_container_errno") == 0,
                  f"kernel: SET_CONTAINER on fully bound group {gid} failed with errno {p.get('set_container_errno')}")
    scan = load_scan(results, "vfio", rep)
    if scan is None:
        return
    for gid, p in sorted(probe.items()):
        g = scan.groups.get(gid)
        if rep.check(g is not None, f"[vfio] group {gid} not in devtopo's scan"):
            rep.eq(f"[vfio] group {gid} viable", g.get("viable"), p.get("viable"))


def check_sriov(results, rep):
    ap = load(results, "actions.txt")
    pf = None
    if ap:
        for line in open(ap):
            if line.startswith("sriov_pf "):
                pf = addr(line.split()[1])
    if pf is None:
        rep.skip("topology has no SR-IOV PF")
        return
    before = load(results, "truth-before.txt")
    if not rep.check(before is not None, "no truth-before.txt"):
        return
    tb = Truth(before)
    pf_alone = tb.groups.get(tb.fns.get(pf, {}).get("group"), {}).get("members") == {pf}
    for stage, want_driver in (("vfs", None), ("vfio", "vfio-pci")):
        tp = load(results, f"truth-{stage}.txt")
        if not rep.check(tp is not None, f"no truth-{stage}.txt"):
            continue
        t = Truth(tp)
        s = f"[{stage}]"
        vfs = t.vfs_of(pf)
        rep.check(len(vfs) == 2, f"{s} kernel: PF {pf} should have 2 virtfn links, has {vfs}")
        rep.check(t.sriov.get(pf, (0, 0))[1] == 2, f"{s} kernel: {pf} sriov_numvfs should be 2: {t.sriov.get(pf)}")
        pf_group = t.fns[pf]["group"]
        for vf in vfs:
            k = t.fns.get(vf)
            if not rep.check(k is not None, f"{s} kernel: VF {vf} has no device directory"):
                continue
            rep.check(k["physfn"] == pf, f"{s} kernel: VF {vf} physfn is {k['physfn']}, want {pf}")
            members = t.groups.get(k["group"], {}).get("members")
            if pf_alone:
                rep.check(k["group"] is not None and k["group"] != pf_group and members == {vf},
                          f"{s} kernel: VF {vf} of a PF isolated by ACS should be alone in its own group, "
                          f"group {k['group']} holds {members}")
            else:
                # Behind a port without ACS the VFs cannot be isolated from the PF: same group.
                rep.check(k["group"] == pf_group,
                          f"{s} kernel: VF {vf} of a PF sharing group {pf_group} should join it, is in {k['group']}")
            if want_driver:
                rep.check(k["driver"] == want_driver,
                          f"{s} kernel: VF {vf} of a vfio-pci PF should be captured by vfio-pci, has {k['driver']}")
        scan = load_scan(results, stage, rep)
        if scan is None:
            continue
        d = scan.devices.get(pf) or {}
        rep.eq(f"{s} PF {pf} vfs", [addr(v) for v in d.get("vfs") or []], vfs)
        for vf in vfs:
            v = scan.devices.get(vf)
            if rep.check(v is not None, f"{s} VF {vf} missing from devtopo's scan"):
                rep.eq(f"{s} VF {vf} physfn", addr(v.get("physfn")), pf)
                rep.eq(f"{s} VF {vf} iommu_group", num(v.get("iommu_group")), t.fns[vf]["group"])
                g = scan.groups.get(t.fns[vf]["group"])
                if rep.check(g is not None, f"{s} VF {vf}'s group missing from devtopo's scan"):
                    rep.eq(f"{s} VF {vf} group members", sorted(addr(m) for m in g.get("devices") or []),
                           sorted(t.groups[t.fns[vf]["group"]]["members"]))


class HostctlLog:
    """hostctl.jsonl: per scenario, the devtopo-hostctl steps and the sysfs observations, in order."""

    def __init__(self, path):
        self.steps = {}      # scenario -> [step dict]
        self.observed = {}   # scenario -> {key: [values in order]}
        self.order = []      # scenarios in the order they ran
        sc = None
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                o = json.loads(line)
                if "run" in o:
                    sc = o["scenario"]
                elif "observe" in o:
                    sc = o["scenario"]
                    self.observed.setdefault(sc, {}).setdefault(o["observe"], []).append(o["value"])
                    continue
                if sc not in self.order:
                    self.order.append(sc)
                if "step" in o:
                    self.steps.setdefault(sc, []).append(o)

    def seen(self, sc, key):
        return self.observed.get(sc, {}).get(key, [])


def step_text(st):
    if st is None:
        return "no such step (hostctl stopped early?)"
    return "ok" if st.get("ok") else f"{st.get('errno')}: {st.get('message')}"


def check_actions(results, rep):
    hp = load(results, "hostctl.jsonl")
    if hp is None:
        tp = load(results, "truth-vfio.txt")
        rep.check(tp is not None, "no truth-vfio.txt: the boot did not get through its stages")
        rep.skip("no hostctl.jsonl: devtopo-hostctl was not built, so not in the guest")
        return
    err = os.path.join(results, "hostctl.err")
    log = HostctlLog(hp)
    actions = {}
    for line in open(os.path.join(results, "actions.txt")):
        k, _, v = line.strip().partition(" ")
        actions.setdefault(k, v)
    before = Truth(os.path.join(results, "truth-before.txt"))

    def steps(sc, names):
        got = log.steps.get(sc, [])
        rep.eq(f"[{sc}] hostctl steps", [x["step"] for x in got], names)
        return got + [None] * (len(names) - len(got))

    def ok(sc, st, what):
        rep.check(st is not None and st.get("ok") is True, f"[{sc}] {what}: {step_text(st)}")

    def fails(sc, st, what, e):
        rep.check(st is not None and st.get("ok") is False and st.get("errno") == e,
                  f"[{sc}] {what}: want {e}, got {step_text(st)}")

    def seq(sc, key, want):
        rep.eq(f"[{sc}] kernel {key} (in order)", log.seen(sc, key), want)

    # 1: a lone function, bind-force to vfio-pci, then restore: the kernel's driver link follows.
    a = addr(actions.get("hostctl_alone"))
    alone = log.seen("alone", "driver " + a) if a else []
    if rep.check(a is not None and alone, "[alone] no lone function was exercised"):
        orig = before.fns[a]["driver"]
        rep.check(orig not in (None, "vfio-pci"), f"[alone] {a} should boot on its own driver, has {orig}")
        b, r = steps("alone", ["bind-force", "restore"])
        ok("alone", b, f"bind-force {a} vfio-pci")
        ok("alone", r, f"restore {a}")
        seq("alone", "driver " + a, [orig, "vfio-pci", orig])
        seq("alone", "driver_override " + a, ["(null)", "vfio-pci", "(null)"])

    # 2: a multifunction group, partly bound (EPERM), then wholly (DMA), then restored.
    mf = addr(actions.get("partial_bind"))
    if mf:
        sib = mf[:-1] + "1"
        g = num((log.seen("group", "group") or [None])[0])
        o0, o1 = before.fns[mf]["driver"], before.fns[sib]["driver"]
        names = ["bind-force", "open-group", "bind-group", "open-group", "info", "map", "map", "map",
                 "dirty-start", "bitmap", "dirty-stop", "unmap", "close", "restore", "restore"]
        (bf, og1, bg, og2, info, m1, m2, m3, ds, bm, dp, um, cl, r0, r1) = steps("group", names)
        ok("group", bf, f"bind-force {mf} vfio-pci")
        fails("group", og1, f"open-group {g} with only {mf} on vfio-pci", "EPERM")
        ok("group", bg, f"bind-group {g} vfio-pci")
        ok("group", og2, f"open-group {g} once wholly on vfio-pci")
        ok("group", info, "info")
        if info is not None and info.get("ok"):
            ranges = [(num(s_), num(e_)) for s_, e_ in info.get("iova_ranges") or []]
            rep.eq("[group] info iova_ranges", ranges, [(0x0, 0xfedfffff), (0xfef00000, 0xffffffffffff)])
            rep.eq("[group] info dma_avail", info.get("dma_avail"), 65535)
            probe = load_probe(results, "vfio")
            if probe and g in probe:
                # The same group asked by the independent probe at the vfio stage.
                rep.eq("[group] info iova_ranges vs devtopo-vfio-probe", ranges,
                       [(num(r_["start"]), num(r_["end"])) for r_ in probe[g]["iova_ranges"]])
                rep.eq("[group] info page_sizes vs devtopo-vfio-probe", num(info.get("page_sizes")),
                       num(probe[g]["iova_pgsizes"]))
        ok("group", m1, "map 0x100000 0x200000")
        fails("group", m2, "the same map again", "EEXIST")
        fails("group", m3, "map 0xfee00000 0x1000 (the MSI window)", "EINVAL")
        ok("group", ds, "dirty-start")
        ok("group", bm, "bitmap 0x100000 0x200000")
        if bm is not None and bm.get("ok"):
            rep.eq("[group] bitmap (dirty_pages, pages, page_size)",
                   (bm.get("dirty_pages"), bm.get("pages"), num(bm.get("page_size"))), (512, 512, 0x1000))
        ok("group", dp, "dirty-stop")
        ok("group", um, "unmap 0x100000 0x200000")
        if um is not None and um.get("ok"):
            rep.eq("[group] unmapped", num(um.get("unmapped")), 0x200000)
        ok("group", cl, "close")
        ok("group", r0, f"restore {mf}")
        ok("group", r1, f"restore {sib}")
        seq("group", "driver " + mf, ["vfio-pci", "vfio-pci", o0])
        seq("group", "driver " + sib, [o1, "vfio-pci", o1])
        seq("group", "driver_override " + mf, ["vfio-pci", "vfio-pci", "(null)"])
        seq("group", "driver_override " + sib, ["(null)", "vfio-pci", "(null)"])

        # 2b: iommufd on a kernel without it (Debian 6.12: CONFIG_IOMMUFD not set). Results from
        # before this check have no "iommufd" scenario; they are checked without it.
        if "iommufd" in log.order:
            av, ow, inf, cl2 = steps("iommufd", ["iommufd-available", "open-group-with", "info", "close"])
            fails("iommufd", av, f"iommufd-available {g}", "ENOENT")
            want = "no /dev/iommu on this kernel (CONFIG_IOMMUFD not set)"
            rep.check(av is not None and av.get("message") == want, f"[iommufd] reason: want {want!r}, got {step_text(av)}")
            ok("iommufd", ow, f"open-group-with {g} auto (type1v2 fallback)")
            rep.check(ow is not None and ("iommufd not used: " + want) in (ow.get("changes") or []),
                      f"[iommufd] the fallback reason in the changes: {ow and ow.get('changes')}")
            rep.check(inf is not None and inf.get("backend") == "type1v2" and inf.get("backend_note") == "iommufd not used: " + want,
                      f"[iommufd] info backend/backend_note: {inf and (inf.get('backend'), inf.get('backend_note'))}")
            ok("iommufd", cl2, "close")

    # 3 and 4: the SR-IOV PF.
    pf = addr(actions.get("sriov_pf"))
    if pf:
        opf = before.fns[pf]["driver"]
        n2, n3, n0 = steps("sriov", ["numvfs", "numvfs", "numvfs"])
        ok("sriov", n2, "numvfs 2")
        ok("sriov", n3, "numvfs 3 (LinuxHost goes through 0)")
        ok("sriov", n0, "numvfs 0")
        seq("sriov", "driver " + pf, [opf])
        seq("sriov", "sriov_numvfs " + pf, ["2", "3", "0"])
        seq("sriov", "virtfn_links " + pf, ["2", "3", "0"])
        if n3 is not None and n3.get("ok"):
            rep.check(any("disable the 2 VFs" in c for c in n3.get("changes", [])),
                      f"[sriov] numvfs 2 -> 3 should go through 0: changes {n3.get('changes')}")

        vf = (log.seen("token", "vf") or ["-"])[0]
        bf, tk, nv, od_none, od_bad, od_good, nv0, rs = steps(
            "token", ["bind-force", "token", "numvfs", "open-device", "open-device", "open-device", "numvfs", "restore"])
        ok("token", bf, f"bind-force {pf} vfio-pci")
        ok("token", tk, f"token {pf}")
        ok("token", nv, f"numvfs {pf} 1 on vfio-pci")
        rep.check(vf != "-", f"[token] {pf} on vfio-pci made no VF")
        seq("token", "driver " + pf, ["vfio-pci", opf])
        seq("token", "sriov_numvfs " + pf, ["1", "0"])
        seq("token", "driver " + vf, ["vfio-pci"])
        fails("token", od_none, f"open-device {vf} without a VF token", "EACCES")
        fails("token", od_bad, f"open-device {vf} with a wrong VF token", "EACCES")
        ok("token", od_good, f"open-device {vf} with the PF's VF token")
        ok("token", nv0, "numvfs 0")
        ok("token", rs, f"restore {pf}")
    if os.path.isfile(err) and os.path.getsize(err) > 0:
        print("NOTE actions: devtopo-hostctl stderr: " + open(err, errors="replace").read().strip().replace("\n", " | ")[-600:])


def check_migration(results, rep):
    """VFIO migration v2 against mtty (devtopo-hostctl, scenario "mig"): flags, the walk, the saved
    stream (96 bytes of mtty state + devtopo's 64-byte header), resume into a second mtty, and the
    refusals: devtopo's own before the kernel, and the kernel's errnos through the raw steps."""
    hp = load(results, "hostctl.jsonl")
    if hp is None:
        rep.skip("no hostctl.jsonl: devtopo-hostctl was not built, so not in the guest")
        return
    log = HostctlLog(hp)
    got = log.steps.get("mig", [])
    if not rep.check(got, "[mig] no migration steps ran (mtty missing, or the stage did not run)"):
        return
    names = ["open-group", "open-mig-device", "mig-info", "mig-state", "precopy-info", "stop-copy-size", "mig-state",
             "stop-copy-size", "save", "mig-state", "kernel-set-state", "mig-state", "load", "kernel-write",
             "log-start", "log-report", "log-stop", "mig-state", "mig-info",
             "open-group", "open-mig-device", "load", "mig-state", "corrupt-copy", "load", "load", "mig-state", "mig-info",
             "mig-state", "kernel-write", "mig-state", "mig-reset", "mig-info", "close-mig-device", "dev",
             "close-mig-device", "close"]
    rep.eq("[mig] hostctl steps", [x["step"] for x in got], names)
    st = got + [None] * (len(names) - len(got))

    def ok(i, what):
        rep.check(st[i] is not None and st[i].get("ok") is True, f"[mig] {what}: {step_text(st[i])}")

    def fails(i, what, e):
        rep.check(st[i] is not None and st[i].get("ok") is False and st[i].get("errno") == e,
                  f"[mig] {what}: want {e}, got {step_text(st[i])}")

    def val(i, key):
        return (st[i] or {}).get(key)

    ok(1, "open the first mtty device")
    rep.eq("[mig] mtty migration flags", val(2, "flags_text"), "STOP_COPY|P2P|PRE_COPY")
    rep.eq("[mig] state after open", val(2, "state"), "RUNNING")
    ok(3, "RUNNING -> PRE_COPY")
    rep.eq("[mig] state after the walk to PRE_COPY", val(3, "state"), "PRE_COPY")
    ok(4, "VFIO_MIG_GET_PRECOPY_INFO")
    rep.eq("[mig] precopy initial_bytes (mtty's 24-byte header)", val(4, "initial_bytes"), 24)
    rep.eq("[mig] precopy dirty_bytes", val(4, "dirty_bytes"), 0)
    ok(6, "PRE_COPY -> STOP_COPY")
    rep.eq("[mig] PRE_COPY -> STOP_COPY arcs", len((st[6] or {}).get("changes", [])), 2)
    rep.eq("[mig] MIG_DATA_SIZE", val(7, "bytes"), 96)
    ok(8, "save")
    rep.eq("[mig] saved payload", val(8, "payload_bytes"), 96)
    rep.eq("[mig] saved file (64-byte header + payload)", val(8, "file_bytes"), 160)
    rep.eq("[mig] file size seen in the guest", log.seen("mig", "file_bytes"), ["160"])
    fails(9, "ERROR as a target (devtopo)", "EINVAL")
    fails(10, "ERROR as a target (the kernel, raw SET)", "EINVAL")
    fails(11, "STOP_COPY -> PRE_COPY (devtopo; the 6.12 kernel would spin)", "EINVAL")
    fails(12, "load outside RESUMING (devtopo)", "EINVAL")
    fails(13, "write() on the save fd (the kernel)", "EBADF")
    ok(14, "DMA logging start (mtty's stub log ops)")
    # mtty's log ops are stubs; the 6.12 core still refuses the report for it (seen: EOPNOTSUPP).
    fails(15, "DMA logging report on mtty (the kernel)", "EOPNOTSUPP")
    ok(16, "DMA logging stop")
    ok(17, "STOP_COPY -> RUNNING")
    rep.eq("[mig] first device back to", val(18, "state"), "RUNNING")
    ok(20, "open the second mtty device")
    fails(21, "load in RUNNING (devtopo)", "EINVAL")
    ok(22, "RUNNING -> RESUMING")
    fails(24, "load a corrupt stream (devtopo, before the kernel)", "EBADMSG")
    ok(25, "load the saved stream")
    rep.eq("[mig] loaded payload", val(25, "payload_bytes"), 96)
    ok(26, "RESUMING -> RUNNING (mtty applies the state)")
    rep.eq("[mig] second device after resume", val(27, "state"), "RUNNING")
    ok(28, "RUNNING -> RESUMING again")
    fails(29, "write() of a zeroed mtty header (the kernel)", "EFAULT")
    fails(30, "RESUMING -> STOP with a bad stream (the kernel)", "EINVAL")
    ok(31, "VFIO_DEVICE_RESET")
    rep.eq("[mig] after reset", val(32, "state"), "RUNNING")
    for i in (33, 35, 36):
        ok(i, names[i])
    errs = {names[i] + f"#{i}": val(i, "errno") for i in range(len(names)) if st[i] is not None and not st[i].get("ok")}
    print("NOTE migration: errnos seen: " + ", ".join(f"{k}={v}" for k, v in errs.items()))


CHECKS = {"scan": check_scan, "iova": check_iova, "viability": check_viability, "sriov": check_sriov,
          "actions": check_actions, "migration": check_migration}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, help="the guest's output directory (OUT/share/out)")
    ap.add_argument("check", choices=sorted(CHECKS))
    a = ap.parse_args()
    rep = Report(a.check)
    if not os.path.isdir(a.results):
        print(f"FAIL {a.check}: no results directory {a.results} (did the boot test run?)")
        return 1
    CHECKS[a.check](a.results, rep)
    return rep.finish()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Self-test of compare.py without QEMU.

selftest/q35-basic/ holds what one real boot gathered (truth-*.txt, probe-*.json, actions.txt,
hostctl.jsonl).
This builds the devtopo-cli scan JSON a correct devtopo would print for each stage (same fields as
model/snapshot.cpp's topologyToJson), checks that every compare.py check passes on it, then breaks
one thing per check and checks that compare.py notices.
"""

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402


def hx(v, width=0):
    return "0x" + format(v, "0%dx" % width if width else "x")


def perfect_scan(results, stage):
    t = compare.Truth(os.path.join(results, f"truth-{stage}.txt"))
    probe = compare.load_probe(results, stage) or compare.load_probe(results, "vfio") or {}
    devices = []
    for a, k in sorted(t.fns.items()):
        d = {"address": a, "vendor_id": hx(k["vendor"], 4), "device_id": hx(k["device"], 4),
             "class": hx(k["class"], 6), "name": "", "parent": k["parent"], "driver": k["driver"],
             "iommu_group": k["group"], "numa_node": k["numa"], "physfn": k["physfn"], "vfs": t.vfs_of(a)}
        if a in t.sriov:
            d["sriov"] = {"total_vfs": t.sriov[a][0], "num_vfs": t.sriov[a][1]}
        devices.append(d)
    groups = []
    for gid, g in sorted(t.groups.items()):
        p = probe.get(gid)
        iova = p["iova_ranges"] if p and p.get("attached") else \
            [{"start": hx(s), "end": hx(e)} for s, e in compare.kernel_iova_model(g["resv"])]
        viable = p.get("viable") if p and "viable" in p else True
        groups.append({"id": gid, "type": g["type"], "devices": sorted(g["members"]),
                       "reserved_regions": [{"start": hx(s, 16), "end": hx(e, 16), "type": ty} for s, e, ty in g["resv"]],
                       "usable_iova": iova, "viable": viable, "reasons": []})
    return {"format": "devtopo-snapshot", "devices": devices, "groups": groups}


def run(results, check):
    r = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), "--results", results, check],
                       capture_output=True, text=True)
    return r.returncode, r.stdout


def main():
    src = os.path.join(HERE, "selftest", "q35-basic")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        res = os.path.join(tmp, "out")
        shutil.copytree(src, res)
        scans = {}
        for stage in compare.STAGES:
            scans[stage] = perfect_scan(res, stage)
            with open(os.path.join(res, f"scan-{stage}.json"), "w") as f:
                json.dump(scans[stage], f)

        for check in sorted(compare.CHECKS):
            rc, out = run(res, check)
            ok = rc == 0
            failures += not ok
            print(f"{'PASS' if ok else 'FAIL'}: {check} passes on a devtopo that agrees with the kernel (exit {rc})")
            if not ok:
                print(out)

        def broken(stage, mutate, check, expect):
            nonlocal failures
            doc = copy.deepcopy(scans[stage])
            mutate(doc)
            with open(os.path.join(res, f"scan-{stage}.json"), "w") as f:
                json.dump(doc, f)
            rc, out = run(res, check)
            ok = rc == 1 and expect in out
            failures += not ok
            print(f"{'PASS' if ok else 'FAIL'}: {check} notices: {expect} (exit {rc})")
            if not ok:
                print(out)
            with open(os.path.join(res, f"scan-{stage}.json"), "w") as f:
                json.dump(scans[stage], f)

        def dev(doc, a):
            return next(d for d in doc["devices"] if d["address"] == a)

        def grp(doc, gid):
            return next(g for g in doc["groups"] if g["id"] == gid)

        broken("before", lambda d: dev(d, "0000:06:00.0").__setitem__("parent", "0000:04:00.0"),
               "scan", "0000:06:00.0 parent")
        broken("before", lambda d: grp(d, 8)["reserved_regions"].pop(0), "scan", "group 8 reserved_regions")
        broken("vfio", lambda d: grp(d, 8).__setitem__(
            "usable_iova", [{"start": "0x1000000", "end": "0xfedfffff"}, {"start": "0xfef00000", "end": "0xffffffffffff"}]),
            "iova", "group 8 usable_iova")
        broken("partial", lambda d: grp(d, 15).__setitem__("viable", True), "viability", "group 15 viable")
        broken("vfs", lambda d: dev(d, "0000:01:10.2").__setitem__("physfn", None), "sriov", "VF 0000:01:10.2 physfn")
        broken("vfs", lambda d: d["devices"].remove(dev(d, "0000:01:10.0")), "scan", "set of functions")

        # actions: the recorded hostctl.jsonl with one line changed as if LinuxHost or the kernel did otherwise.
        hj = os.path.join(res, "hostctl.jsonl")
        with open(hj) as f:
            recorded = f.read()

        def broken_actions(old, new, expect, check="actions"):
            nonlocal failures
            assert old in recorded, old
            with open(hj, "w") as f:
                f.write(recorded.replace(old, new, 1))
            rc, out = run(res, check)
            ok = rc == 1 and expect in out
            failures += not ok
            print(f"{'PASS' if ok else 'FAIL'}: {check} notices: {expect} (exit {rc})")
            if not ok:
                print(out)
            with open(hj, "w") as f:
                f.write(recorded)

        broken_actions('"opened 0000:01:10.0 with vf_token"],"ok":true',
                       '],"errno":"EACCES","message":"x","ok":false', "with the PF's VF token")
        broken_actions('"errno":"EPERM"', '"errno":"EBUSY"', "open-group 15 with only 0000:08:00.0")
        broken_actions('"dirty_pages":512', '"dirty_pages":0', "bitmap (dirty_pages")
        broken_actions('{"scenario":"alone","observe":"driver 0000:03:00.0","value":"nvme"}\n{"scenario":"alone","observe":"driver_override 0000:03:00.0","value":"(null)"}\n{"scenario":"group"',
                       '{"scenario":"alone","observe":"driver 0000:03:00.0","value":"vfio-pci"}\n{"scenario":"alone","observe":"driver_override 0000:03:00.0","value":"(null)"}\n{"scenario":"group"',
                       "kernel driver 0000:03:00.0")
        broken_actions('"virtfn_links 0000:01:00.0","value":"3"', '"virtfn_links 0000:01:00.0","value":"2"',
                       "virtfn_links 0000:01:00.0")
        # migration: the same recording, as if mtty or the walk had answered otherwise.
        broken_actions('"flags_text":"STOP_COPY|P2P|PRE_COPY"', '"flags_text":"STOP_COPY|P2P"',
                       "[mig] mtty migration flags", "migration")
        broken_actions('"observe":"file_bytes","value":"160"', '"observe":"file_bytes","value":"96"',
                       "[mig] file size seen in the guest", "migration")
        broken_actions('"errno":"EBADMSG"', '"errno":"EINVAL"', "[mig]", "migration")
        os.remove(hj)
        rc, out = run(res, "actions")
        ok = rc == compare.SKIP
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'}: no devtopo-hostctl is a skip (exit {rc})")

        os.remove(os.path.join(res, "scan-vfio.json"))
        with open(os.path.join(res, "scan-vfio.err"), "w") as f:
            f.write("Aborted\n")
        rc, out = run(res, "iova")
        ok = rc == 1 and "gave no output" in out
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'}: a devtopo-cli that crashed is a failure, not a skip (exit {rc})")
        os.remove(os.path.join(res, "scan-vfio.err"))
        rc, out = run(res, "iova")
        ok = rc == compare.SKIP
        failures += not ok
        print(f"{'PASS' if ok else 'FAIL'}: no devtopo-cli at all is a skip (exit {rc})")

    print(f"selftest: {'all passed' if not failures else f'{failures} failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Every site's counts and caches, read from the running program (inside the worker).

Counts come from the helper's ``Sites`` arrays (calls before each ``Target`` load, binds from the
counting binder, site objects made at each ``Create``); bind events carry the argument types and
the positions restricted by identity, which :class:`callsite.stats.SiteStats` turns into type,
repeat and identity binds exactly as for a replay.  Caches are read by reflection as the replays
read them (:mod:`binders.observe`): L1 from the newest site object, L2 from its binder's rule cache
for the site's delegate type.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import clr  # noqa: F401
import System  # noqa: E402
from System.Runtime.InteropServices import Marshal  # noqa: E402

from binders import observe  # noqa: E402
from callsite.stats import SiteStats  # noqa: E402

L1_MAX = 10


@dataclass(frozen=True)
class SiteDef:
    id: int
    type: str
    method: str
    file: str
    line: int
    column: int
    storage: str
    delegate: str

    @classmethod
    def parse(cls, line: str) -> "SiteDef":
        f = line.split("\t")
        return cls(int(f[0]), f[1], f[2], f[3], int(f[4]), int(f[5]), f[6], f[7])


_PROXY_COUNT = []


def _proxy_count():
    """Mono keeps an RCW's count in its ComInteropProxy (``ref_count``; 0 once released)."""
    if not _PROXY_COUNT:
        from System.Reflection import BindingFlags

        t = clr.GetClrType(System.Object).Assembly.GetType("Mono.Interop.ComInteropProxy")
        _PROXY_COUNT.append(t.GetField("ref_count", BindingFlags.NonPublic | BindingFlags.Instance) if t else None)
    return _PROXY_COUNT[0]


def released_com(obj) -> bool:
    """A COM object whose RCW the program has released: the rule can never be used for it again."""
    if not Marshal.IsComObject(obj):
        return False
    field = _proxy_count()
    if field is not None:
        from System.Runtime.Remoting import RemotingServices

        proxy = RemotingServices.GetRealProxy(obj)
        if proxy is not None:
            return int(field.GetValue(proxy)) <= 0
    try:
        ptr = Marshal.GetIUnknownForObject(obj)
    except System.Exception:
        return True
    Marshal.Release(ptr)
    return False


class SiteTable:
    def __init__(self, sites_text: str, record: bool = False) -> None:
        from Dlrsim.Program import Binders, Loader, Recorder, Sites

        self.Sites, self.Binders, self.Recorder, self.Loader = Sites, Binders, Recorder, Loader
        self.defs: list[SiteDef] = []
        self.stats: list[SiteStats] = []
        self.restricted: list[dict] = []
        self.record = record
        self.lock = threading.Lock()
        self._rules_fields: dict = {}
        self._known_text = 0
        self._add_sites(sites_text)

    def _add_sites(self, text: str) -> None:
        """Sites of libraries the program loaded since (the helper numbers them after the program's)."""
        if len(text) <= self._known_text:
            return
        for ln in text[self._known_text:].splitlines():
            if ln.strip():
                d = SiteDef.parse(ln)
                self.defs.append(d)
                self.stats.append(SiteStats(f"site{d.id}", d.storage, "", ""))
                self.restricted.append({})
        self._known_text = len(text)

    def _drain(self) -> None:
        for line in self.Sites.DrainBinds():
            sid, call, sig, positions, types = (str(line).split("\t") + ["", ""])[:5]
            sid = int(sid)
            pos = [int(p) for p in positions.split(",") if p]
            self.stats[sid].record_bind(int(call), tuple(sig.split(",")) if sig else (), pos)
            for p, t in zip(pos, types.split(",")):
                self.restricted[sid].setdefault(p, set()).add(t)

    def _caches(self, sid: int, delegate_type) -> dict:
        site = self.Sites.Last[sid]
        binder = self.Sites.LastBinder[sid]
        l1 = []
        if site is not None:
            t = site.GetType()
            fi = self._rules_fields.get(t.AssemblyQualifiedName)
            if fi is None:
                fi = self._rules_fields[t.AssemblyQualifiedName] = observe.rules_field(t)
            l1 = observe.l1_rules(site, fi)
        l2 = observe.l2_rules(binder, delegate_type) if binder is not None and delegate_type is not None else []
        rules = observe.IdentitySet()
        for r in l1 + l2:
            rules.add(r)
        instance, strong, stale = observe.IdentitySet(), 0, observe.IdentitySet()
        for r in rules.items:
            weak, consts = observe.rule_constants(r)
            held = [c for c in consts if self.Sites.IsRestricted(c)]
            if weak or held:
                instance.add(r)
                strong += len(held)
                if any(w.Target is None for w in weak) or any(released_com(c) for c in held):
                    stale.add(r)
        in_l1 = observe.IdentitySet()
        for r in l1:
            in_l1.add(r)
        stale_l1 = sum(1 for r in stale.items if not in_l1.add(r))
        distinct_l2 = observe.IdentitySet()
        for r in l2:
            distinct_l2.add(r)
        return {"l1_rules": len(l1), "l2_rules": len(distinct_l2), "rules_retained": len(rules),
                "instance_rules": len(instance), "strong_refs_retained": strong,
                "weak_handles_retained": sum(len(observe.weak_references(r)) for r in rules.items),
                "stale_rules_l1": stale_l1, "stale_rules_l2": len(stale) - stale_l1}

    def state(self) -> dict:
        """Every site that has been created so far (a site never reached has no row)."""
        with self.lock:
            self._add_sites(str(self.Loader.AllSites))
            self._drain()
            sites = []
            keys: dict[int, list] = {}  # identity hash -> [(wrapper, key)]: binder objects in order seen
            for d in self.defs:
                sid = d.id
                if int(self.Sites.Instances[sid]) == 0:
                    continue
                site = self.Sites.Last[sid]
                binder = self.Sites.LastBinder[sid]
                delegate_type = site.GetType().GetGenericArguments()[0] if site is not None else None
                key = None
                if binder is not None:
                    bucket = keys.setdefault(observe.RuntimeHelpers.GetHashCode(binder), [])
                    key = next((k for w, k in bucket if System.Object.ReferenceEquals(w, binder)), None)
                    if key is None:
                        key = sum(len(b) for b in keys.values())
                        bucket.append((binder, key))
                spec = self.Binders.SpecOf(binder) if binder is not None else None
                st = self.stats[sid]
                st.calls = int(self.Sites.CallsOf(sid))
                row = {
                    "id": sid, "type": d.type, "il_method": d.method, "file": d.file, "line": d.line,
                    "column": d.column, "storage": d.storage, "delegate": d.delegate,
                    "binder_spec": str(spec) if spec is not None else None, "binder_key": key,
                    "instances": int(self.Sites.Instances[sid]), "binder_calls": int(self.Sites.BinderCalls[sid]),
                    "counted_binds": int(self.Sites.Binds[sid]),
                    "restricted": {str(p): sorted(ts) for p, ts in sorted(self.restricted[sid].items())},
                    "stats": st.to_dict(L1_MAX),
                }
                row.update(self._caches(sid, delegate_type))
                sites.append(row)
            return {"sites": sites, "sites_in_program": len(self.defs),
                    "unattributed_binds": int(self.Sites.Unattributed)}

    def flush_record(self, path: str) -> None:
        lines = list(self.Recorder.Drain())
        if lines:
            with open(path, "a", encoding="utf-8") as f:
                f.write("\n".join(str(x) for x in lines) + "\n")

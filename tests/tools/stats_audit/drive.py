#!/usr/bin/env python3
"""Black-box check of `imtreview stats --json` against R (needs R + survival).

Usage (from the repository root):
  python3 tests/tools/stats_audit/gen.py /tmp/cohorts SEED
  python3 tests/tools/stats_audit/drive.py /tmp/cohorts
Imports each cohort CSV, runs every endpoint x --by x filter set, derives
(time, status, group) from the CSV per data-dictionary.md in ref.R and
compares every number (1e-6), the group names, Fisher tables and the
small-group warnings.  Not part of make check (R is not a build dependency)."""
import csv, json, os, subprocess, sys, itertools, re
BIN = os.environ.get("IMTREVIEW", "build/imtreview")
D = sys.argv[1]           # cohort dir
W = D + "/work"; os.makedirs(W, exist_ok=True)
EPS = ["os", "dss", "rfs"]
BYS = ["none","alk_status","site","sex","surgery","steroids","outcome","metastatic","margin","age_group"]
FILTERS = [[], ["--site", "lung,head_neck"], ["--alk", "positive"], ["--alk", "negative,unknown"],
           ["--outcome", "NED,DOD,LOST"], ["--status", "unreviewed"], ["--search", "SINUS"],
           ["--site", "lung", "--alk", "positive,negative", "--outcome", "DOD,NED,AWD"]]
SITES = ["lung","head_neck","abdomen_pelvis","retroperitoneum","genitourinary","trunk_limbs","thorax_other","cns","other"]

def pb(x):
    x = x.strip().lower()
    return True if x in ("yes","y","true","1") else False if x in ("no","n","false","0") else None
def alk(c):
    ihc, fish, fus = c["alk_ihc"].lower(), c["alk_fish"].lower(), c["fusion"].upper().strip()
    fal = fus not in ("", "NONE") and "ALK" in fus.split("::")
    fnon = fus != "" and not fal
    mpos = fish == "positive" or fal; mneg = fish == "negative" or fnon
    if mpos or (ihc == "positive" and not mneg): return "positive"
    if mneg or ihc == "negative": return "negative"
    return "unknown"
def match(c, flt):
    a = dict(zip(flt[0::2], flt[1::2]))
    if "--site" in a and c["site"].lower() not in a["--site"].split(","): return False
    if "--alk" in a and alk(c) not in a["--alk"].split(","): return False
    if "--outcome" in a and c["outcome"].upper() not in a["--outcome"].split(","): return False
    if "--status" in a and (c["review_status"] or "unreviewed") not in a["--status"].split(","): return False
    if "--search" in a:
        q = a["--search"].lower()
        if not any(q in c[k].lower() for k in ("case_id","site_detail","notes")): return False
    return True

def flat_prog(j):
    out = {}
    for k in ("n","n_used","n_excluded","events"): out[k] = j[k]
    out["km.len"] = len(j["km"])
    for i, r in enumerate(j["km"], 1):
        for k, v in r.items(): out["km.%d.%s" % (i, k)] = v
    def at(pre, a):
        for i, r in enumerate(a, 1):
            for k in ("survival","lower","upper"): out["%sat.%d.%s" % (pre, i, k)] = r[k]
    at("", j["at"]); out["median_months"] = j["median_months"]
    return out

def readR(p):
    out = {}
    for line in open(p):
        k, _, v = line.rstrip("\n").partition(" ")
        out[k] = v
    return out

def num(v):
    if v is None or v == "null": return None
    return float(v)

jobs = []; cases = []
for fn in sorted(os.listdir(D)):
    if not fn.endswith(".csv"): continue
    name = fn[:-4]
    rows = list(csv.DictReader(open(os.path.join(D, fn))))
    hdr = open(os.path.join(D, fn)).readline().strip().split(",")
    db = os.path.join(W, name + ".db")
    if os.path.exists(db): os.remove(db)
    r = subprocess.run([BIN, "--db", db, "import", os.path.join(D, fn)], capture_output=True, text=True)
    if r.returncode: print("IMPORT FAIL", fn, r.stderr); continue
    for fi, flt in enumerate(FILTERS):
        sub = [c for c in rows if match(c, flt)]
        fp = os.path.join(W, "%s_f%d.csv" % (name, fi))
        with open(fp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=hdr, lineterminator="\n"); w.writeheader(); w.writerows(sub)
        for ep in EPS:
            for by in BYS:
                rp = os.path.join(W, "%s_f%d_%s_%s.r" % (name, fi, ep, by))
                jobs.append((fp, ep, by, rp)); cases.append((name, fi, flt, ep, by, db, rp))
with open(W + "/jobs.tsv", "w") as f:
    for j in jobs: f.write("\t".join(j) + "\n")
subprocess.run(["Rscript", os.path.join(os.path.dirname(os.path.abspath(__file__)), "ref.R"), W + "/jobs.tsv"], check=True)

maxdiff = 0.0; nfail = 0; ncmp = 0; problems = {}
def rep(tag, msg):
    global nfail
    nfail += 1
    problems.setdefault(tag, []).append(msg)

for (name, fi, flt, ep, by, db, rp) in cases:
    args = [BIN, "--db", db, "stats", "--json", "--endpoint", ep] + flt + ([] if by == "none" else ["--by", by])
    r = subprocess.run(args, capture_output=True, text=True)
    tag = "%s f%d %s %s" % (name, fi, ep, by)
    if r.returncode: rep("exit", tag + " rc=%d %s" % (r.returncode, r.stderr)); continue
    j = json.loads(r.stdout)
    R = readR(rp)
    ours = flat_prog(j)
    ncmp += 1
    def cmpv(key, o, rv, t=tag):
        global maxdiff
        rv = num(rv) if not isinstance(rv, (int, float)) or rv is None else rv
        if o is None or rv is None:
            if o is not rv and not (o is None and rv is None):
                rep(key.split(".")[-1] if "." in key else key, "%s %s ours=%s R=%s" % (t, key, o, rv))
            return
        d = abs(o - rv)
        maxdiff = max(maxdiff, d)
        if d > 1e-6: rep(key.split(".")[-1], "%s %s ours=%r R=%r" % (t, key, o, rv))
    for k, v in R.items():
        if k.startswith("groups") or k.startswith("logrank") or k.startswith("fisher"): continue
        cmpv(k, ours.get(k), v)
    for k in ours:
        if k not in R and not k.startswith("km.") : rep("extra", tag + " " + k)
    # warnings for small cohort
    W_ = " | ".join(j["warnings"])
    if by == "none":
        if j["n_used"] > 0 and (j["n_used"] < 5 or j["events"] < 3) and "small" not in W_:
            rep("warn", tag + " no small-cohort warning: " + W_)
        if j["groups"] != [] or j["logrank"] is not None or j["fisher"] is not None:
            rep("shape", tag + " groups/tests without --by")
        continue
    gnames = sorted(R["groups"].split(",")) if R.get("groups") else []
    pg = {g["name"]: g for g in j["groups"]}
    if sorted(pg) != gnames: rep("groupnames", "%s ours=%s R=%s" % (tag, sorted(pg), gnames))
    for gname, g in pg.items():
        pre = "groups.%s." % gname
        if pre + "n" not in R: continue
        for k in ("n","events","observed","expected","median_months"):
            cmpv(pre + k, g[k], R[pre + k])
        for i, a in enumerate(g["at"], 1):
            for k in ("survival","lower","upper"): cmpv(pre + "at.%d.%s" % (i, k), a[k], R[pre + "at.%d.%s" % (i, k)])
        if g["n"] < 5 or g["events"] < 3:
            if not any(("'%s'" % gname) in w and "small" in w for w in j["warnings"]):
                rep("warn", tag + " no small-group warning for " + gname)
    lr = R.get("logrank.chisq")
    if lr is not None:
        if j["logrank"] is None: rep("logrank", tag + " ours null, R chisq " + lr)
        else:
            cmpv("logrank.chisq", j["logrank"]["chisq"], lr); cmpv("logrank.df", j["logrank"]["df"], R["logrank.df"])
            cmpv("logrank.p", j["logrank"]["p"], R["logrank.p"])
    else:
        if j["logrank"] is not None: rep("logrank", tag + " ours %s, R %s" % (j["logrank"], R.get("logrank")))
        elif R.get("logrank", "").startswith("null_R_df"):
            rep("logrank_degenerate", tag + " R survdiff df<1 (%s) groups=%s; ours null, warnings %s" % (R["logrank"], gnames, W_))
    if "fisher.p" in R:
        if j["fisher"] is None: rep("fisher", tag + " ours null")
        else:
            cmpv("fisher.p", j["fisher"]["p"], R["fisher.p"])
            tested = [g["name"] for g in j["groups"] if ("fisher.row." + g["name"]) in R]
            want = [[int(x) for x in R["fisher.row." + n].split(",")] for n in tested]
            if want != j["fisher"]["table"]: rep("fishertab", "%s ours=%s R=%s" % (tag, j["fisher"]["table"], want))
    elif j["fisher"] is not None: rep("fisher", tag + " ours present, R none")
nnote = len(problems.get("logrank_degenerate", []))
print("compared %d runs (cohort x filter x endpoint x by); max abs diff %.3g; %d problems, "
      "%d notes (logrank_degenerate: R's survdiff has df < 1, we print null; cli.md is silent)"
      % (ncmp, maxdiff, nfail - nnote, nnote))
for k, v in problems.items():
    if k == "logrank_degenerate": continue
    print("== %s (%d)" % (k, len(v)))
    for m in v[:6]: print("   ", m)
sys.exit(1 if nfail - nnote else 0)

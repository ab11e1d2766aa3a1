#!/usr/bin/env python3
# Independent cohort generator for tests/tools/stats_audit/drive.py: CSV per
# data-dictionary.md with ties, heavy censoring, no-event groups, a single
# case, an empty cohort, events at time 0, identical and near-equal times
# across groups, one group only, missing --by values, RFS edge cases.
"""Independent cohort generator for the stats audit (per data-dictionary.md)."""
import csv, random, sys, os

SITES = ["lung","head_neck","abdomen_pelvis","retroperitoneum","genitourinary",
         "trunk_limbs","thorax_other","cns","other"]
OUT = ["NED","AWD","DOD","DOC","LOST"]
SURG = ["none","biopsy","R0","R1","R2"]
COLS = ["case_id","age_years","sex","site","site_detail","surgery","steroids",
        "metastatic","alk_ihc","alk_fish","fusion","fusion_method","recurrence",
        "recurrence_months","outcome","followup_months","review_status","notes"]
BOOLS_Y = ["yes","y","true","1","YES","Yes"]
BOOLS_N = ["no","n","false","0","NO"]

def b(r, v):
    if v is None: return ""
    return r.choice(BOOLS_Y) if v else r.choice(BOOLS_N)

def fmt_t(t, r, decimals):
    if decimals: return "%.2f" % t if r.random() < .5 else "%.1f" % t
    return "%d" % t

def rand_case(r, i, p_miss=0.1, times=None, decimals=True, p_event=0.3, fixed=None):
    c = {k: "" for k in COLS}
    c["case_id"] = "C%04d" % i
    miss = lambda: r.random() < p_miss
    c["age_years"] = "" if miss() else ("%.1f" % r.uniform(0, 80) if r.random()<.7 else str(r.choice([17,18,0,120])))
    c["sex"] = "" if miss() else r.choice(["F","M","U","f","m"])
    c["site"] = r.choice(SITES[:5] + ["lung","lung","head_neck"])
    c["site_detail"] = r.choice(["", "maxillary sinus", "left lower lobe", "Bladder wall", "orbit; sinus"])
    c["notes"] = r.choice(["", "MDT reviewed", "recurrence suspected", "Lost after move"])
    c["surgery"] = "" if miss() else r.choice(SURG)
    c["steroids"] = "" if miss() else b(r, r.random() < .3)
    c["metastatic"] = "" if miss() else b(r, r.random() < .2)
    # ALK: mix of IHC / FISH / fusion
    k = r.random()
    if k < .25: c["alk_ihc"] = "positive"
    elif k < .45: c["alk_ihc"] = "negative"
    elif k < .5: c["alk_ihc"] = "equivocal"
    if r.random() < .3: c["alk_fish"] = r.choice(["positive","negative"])
    if r.random() < .2:
        c["fusion"] = r.choice(["none","TPM3::ALK","ETV6::NTRK3","RANBP2::ALK","TFG::ROS1"])
        c["fusion_method"] = r.choice(["ngs_rna","fish"])
    c["review_status"] = r.choice(["","unreviewed","in_review","signed_out"])
    if c["review_status"] == "signed_out": c["review_status"] = "in_review"
    # outcome / times
    if times is not None: t = r.choice(times)
    else: t = r.uniform(0, 150)
    o = r.random()
    if o < p_event: out = r.choice(["DOD","DOD","DOC"])
    else: out = r.choice(["NED","AWD","LOST",""] if p_miss > 0 else ["NED","AWD","LOST"])
    c["outcome"] = out
    c["followup_months"] = fmt_t(t, r, decimals)
    if out == "LOST" and r.random() < .3: c["followup_months"] = ""
    if out == "" and r.random() < .2: c["followup_months"] = ""
    rec = r.random()
    if rec < .2 and c["followup_months"] != "":
        c["recurrence"] = b(r, True)
        fu = float(c["followup_months"])
        if r.random() < .85:
            rm = min(fu, r.choice([fu, fu*r.random(), 0.0]) if times is None else r.choice([x for x in times if x <= fu] or [fu]))
            c["recurrence_months"] = fmt_t(rm, r, decimals) if decimals else "%d" % rm
            if float(c["recurrence_months"]) > fu: c["recurrence_months"] = c["followup_months"]
    elif rec < .25:
        c["recurrence"] = b(r, True)   # recurrence without months -> excluded from RFS
    elif rec < .8:
        c["recurrence"] = b(r, False)
    if fixed: c.update(fixed)
    return c

def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLS, lineterminator="\n")
        w.writeheader()
        for x in rows: w.writerow(x)

def main(outdir, seed):
    r = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    C = {}
    # big random with decimals
    C["random"] = [rand_case(r, i) for i in range(250)]
    # heavy ties on integer grid
    C["ties"] = [rand_case(r, i, times=list(range(0, 25, 3)), decimals=False, p_event=.45) for i in range(90)]
    # heavy censoring
    C["heavy"] = [rand_case(r, i, p_event=.05) for i in range(120)]
    # single case
    C["single"] = [rand_case(r, 0, p_event=1)]
    C["single_cens"] = [rand_case(r, 0, p_event=0, p_miss=0)]
    # empty
    C["empty"] = []
    # events at time 0
    rows = [rand_case(r, i, times=[0, 0, 0, 1, 2, 5, 13], decimals=False, p_event=.5) for i in range(30)]
    C["time0"] = rows
    # identical times across groups: every sex value gets same times
    rows = []
    for i in range(36):
        c = rand_case(r, i, times=[6, 12, 24, 36], decimals=False, p_event=.5, p_miss=0)
        c["sex"] = ["F","M","U"][i % 3]
        c["followup_months"] = str([6,12,24,36][(i//3) % 4])
        c["outcome"] = ["DOD","NED"][(i//12) % 2] if i % 5 else "DOC"
        c["surgery"] = ["R0","R1"][i % 2]
        if c["recurrence_months"] and float(c["recurrence_months"]) > float(c["followup_months"]):
            c["recurrence_months"] = c["followup_months"]
        rows.append(c)
    C["identical"] = rows
    # one group only: every by field constant
    rows = []
    for i in range(12):
        c = rand_case(r, i, p_miss=0)
        c.update(sex="F", site="lung", surgery="R0", steroids="no", metastatic="no",
                 age_years="30", alk_ihc="positive", alk_fish="", fusion="", fusion_method="",
                 outcome=["DOD","NED"][i % 2])
        if c["followup_months"] == "": c["followup_months"] = "10"
        rows.append(c)
    C["onegroup"] = rows
    # a group with no events; groups with no cases; lots of missing by fields
    rows = []
    for i in range(40):
        c = rand_case(r, i, p_miss=0.4, p_event=.5)
        if c["sex"].upper() == "F": c["outcome"] = r.choice(["NED","AWD"])
        if c["followup_months"] == "": c["followup_months"] = "%.1f" % r.uniform(1, 50)
        rows.append(c)
    C["noevgroup"] = rows
    # all die: S reaches 0; median exact 0.5 plateau
    rows = []
    for i, t in enumerate([2, 4, 4, 6, 8, 10]):
        c = rand_case(r, i, p_miss=0)
        c.update(followup_months=str(t), outcome="DOD", recurrence="", recurrence_months="")
        rows.append(c)
    C["allfail"] = rows
    rows = []
    for i, (t, o) in enumerate([(1,"DOD"),(2,"NED"),(3,"DOD"),(4,"NED"),(5,"NED"),(6,"NED"),(9,"DOC"),(12,"NED")]):
        c = rand_case(r, i, p_miss=0)
        c.update(followup_months=str(t), outcome=o, recurrence="", recurrence_months="")
        rows.append(c)
    C["plateau"] = rows
    rows = []
    for i, (t, o) in enumerate([(1,"DOD"),(2,"DOD"),(3,"NED"),(4,"NED")]):
        c = rand_case(r, i, p_miss=0)
        c.update(followup_months=str(t), outcome=o, recurrence="", recurrence_months="")
        rows.append(c)
    C["halfflat"] = rows
    # landmark edge: times exactly 12, 36, 60, 120
    C["landmarks"] = [rand_case(r, i, times=[11.999, 12, 36, 59.5, 60, 120, 120.5], p_event=.4) for i in range(40)]
    # pediatric review Table 1 (mortality by margin): negative 2/206 (R0) vs positive 14/106 (R1)
    rows = []
    for i in range(206 + 106):
        neg = i < 206
        dead = (i < 2) if neg else (i - 206 < 14)
        c = rand_case(r, i, p_miss=0)
        c.update(surgery="R0" if neg else r.choice(["R1","R2"]), outcome="DOD" if dead else "NED",
                 followup_months="%.1f" % r.uniform(1, 120), recurrence="", recurrence_months="")
        rows.append(c)
    C["pedmargin"] = rows
    # near-identical times (R's survfit merges times within sqrt(eps))
    rows = []
    for i, (t, o) in enumerate([("10","DOD"),("10.000000000001","DOD"),("10","NED"),("20","DOD"),("30","NED")]):
        c = rand_case(r, i, p_miss=0)
        c.update(followup_months=t, outcome=o, recurrence="", recurrence_months="")
        rows.append(c)
    C["neartimes"] = rows
    def mk(i, **kw):
        c = rand_case(r, i, p_miss=0); c.update(recurrence="", recurrence_months=""); c.update(kw); return c
    C["allzero"] = [mk(i, followup_months="0", outcome="DOD") for i in range(4)]
    C["zeroat12"] = [mk(0, followup_months="3", outcome="DOD"), mk(1, followup_months="12", outcome="DOC"),
                     mk(2, followup_months="12", outcome="DOD", sex="M")]
    C["allexcl"] = [mk(i, followup_months="", outcome=r.choice(["LOST",""])) for i in range(5)]
    C["rfsedge"] = [mk(0, followup_months="10", outcome="DOD", recurrence="yes", recurrence_months="10"),
                    mk(1, followup_months="10", outcome="NED", recurrence="yes", recurrence_months="0"),
                    mk(2, followup_months="0", outcome="DOC", recurrence="no"),
                    mk(3, followup_months="5", outcome="AWD", recurrence="yes"),
                    mk(4, followup_months="7.5", outcome="", recurrence=""),
                    mk(5, followup_months="7.5", outcome="DOD", recurrence="yes", recurrence_months="2.5"),
                    mk(6, followup_months="20", outcome="NED", recurrence="no")]
    # group with only excluded cases + group with no events + unknowns
    C["exclgroup"] = [mk(i, sex="F", followup_months="", outcome="LOST") for i in range(3)] + \
                     [mk(3+i, sex="M", followup_months=str(5+i), outcome=["DOD","NED"][i%2]) for i in range(6)] + \
                     [mk(9+i, sex="", followup_months=str(2+i), outcome="DOD") for i in range(2)] + \
                     [mk(11+i, sex="U", followup_months=str(3+i), outcome="NED") for i in range(4)]
    for name, rows in C.items():
        write(os.path.join(outdir, name + ".csv"), rows)
    print(" ".join(C))

if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1)

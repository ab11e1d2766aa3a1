#!/bin/sh
# Interface e2e for issue 4 item 4: the recommendation pane shows the same
# recommendations as `imtreview recommend`, with the same rules
# configuration (the settings file's mitoses_cutoff).  A case with 7
# mitoses per 10 HPF and mitoses_cutoff = 5: RISK-PATHOLOGY fires in both;
# the pane's title count equals the CLI's count.
# engines: sqlite (the recommendation pane: rules, not the store)
. "$(dirname "$0")/tui_lib.sh"
tl_init
mkdir -p "$TL_DIR/config/imtreview"
printf 'mitoses_cutoff = 5\n' >"$TL_DIR/config/imtreview/settings"
printf 'case_id,site,mitoses_10hpf\nMIT-7,lung,7\n' >"$TL_DIR/c.csv"
"$IMTREVIEW" --db "$TL_DB" import "$TL_DIR/c.csv" >/dev/null 2>"$TL_DIR/import.err" ||
    { tl_notok fixture_import "$(cat "$TL_DIR/import.err")"; exit 1; }

XDG_CONFIG_HOME="$TL_DIR/config" "$IMTREVIEW" --db "$TL_DB" recommend MIT-7 >"$TL_DIR/cli.out"
grep -q '^\[info\] RISK-PATHOLOGY' "$TL_DIR/cli.out" && tl_ok cli_cutoff_5_fires ||
    tl_notok cli_cutoff_5_fires
n=$(sed -nE '1s/.*: ([0-9]+) recommendations?$/\1/p' "$TL_DIR/cli.out")

tl_start 132 43 || { tl_notok start; exit 1; }
tl_tui
if tl_wait "Recommendations ($n," 10; then tl_ok "pane_count_$n"
else tl_notok pane_count "want $n: $(tl_screen | grep Recommendations)"; fi
tl_wait "RISK-PATHOLOGY" 3 && tl_ok pane_cutoff_5_fires ||
    tl_notok pane_cutoff_5_fires "$(tl_screen | tail -n 20)"
tl_quit
tl_done

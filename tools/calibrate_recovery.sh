#!/usr/bin/env bash
# calibrate_recovery.sh - acceptance test of `marketsim calibrate`: does it
# recover known settings of the market model from targets the model itself
# generated at another seed, and are its standard errors right?
#
# For each of K fits k = 1..K:
#   (a) data: `marketsim validate` at the TRUE settings (the experiment's
#       own) with R_OBS replications and data seed 1000 + k; a targets CSV
#       is written whose value is each target's simulated mean (the rest of
#       the row, tolerance included, kept from the experiment's targets);
#   (b) fit: `marketsim calibrate` on it with simulation seed 2000 + k (so
#       the fit's replications share no stream with the data's);
#   (c) its estimate and SE per setting are appended to OUT/fits.csv.
# (d) Per setting it prints: truth, mean estimate, sd of the K estimates,
#     mean reported SE, the ratio sd / mean SE (acceptance: within a factor
#     1.5, i.e. in [1/1.5, 1.5]), and the shares of fits within 2 SE and
#     within 5% of the truth (acceptance: the mean estimate within 5% and
#     within 2 SE; per fit the shares should be near 95% and high).
#
# Usage: tools/calibrate_recovery.sh [-k K] [-r R_OBS] [-j JOBS] [-o OUT] [CFG]
#   CFG    the experiment (default experiments/calibrate_check.cfg); its
#          calibrate group's observed_draws must equal R_OBS (checked) and
#          its parameters' true values are the settings' values in CFG,
#          given here in TRUTH (path=value, space-separated) since the
#          config's values live in included files.
#   K      fits (default 20); R_OBS replications per data set (default 16);
#   JOBS   workers per marketsim call (default 2); OUT (default
#          out/calibrate_recovery). Run from the repository's root.
# Example: nice -n 5 tools/calibrate_recovery.sh -k 20 -j 2
set -euo pipefail

K=20
R_OBS=16
JOBS=2
OUT=out/calibrate_recovery
while getopts "k:r:j:o:" opt; do
	case $opt in
	k) K=$OPTARG ;;
	r) R_OBS=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*) echo "usage: $0 [-k K] [-r R_OBS] [-j JOBS] [-o OUT] [CFG]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
CFG=${1:-experiments/calibrate_check.cfg}
# The true values of the fitted settings (the baseline's, as CFG includes
# them: experiments/openrouter_2026/models.inc and market.inc).
TRUTH=${TRUTH:-"market.models.deepseek_v3_2.quality=3.49 market.models.kimi_k2.quality=3.97 market.workload.steps_mean=10"}
BIN=${BIN:-bin/marketsim}

# The experiment's targets file (relative to CFG's folder) and the
# observed_draws its calibrate group declares.
cfg_dir=$(dirname "$CFG")
targets_rel=$(sed -n 's/^targets *= *"\(.*\)";.*/\1/p' "$CFG")
targets="$cfg_dir/$targets_rel"
draws=$(sed -n 's/^ *observed_draws *= *\([0-9.]*\);.*/\1/p' "$CFG")
if [[ "$draws" != "$R_OBS" ]]; then
	echo "$0: $CFG has observed_draws = $draws, expected R_OBS = $R_OBS" >&2
	exit 2
fi

mkdir -p "$OUT"
fits="$OUT/fits.csv"
echo "fit,data_seed,sim_seed,setting,estimate,se" > "$fits"
start=$(date +%s)
for ((k = 1; k <= K; k++)); do
	dseed=$((1000 + k))
	sseed=$((2000 + k))
	# (a) Synthetic data at the truth with data seed dseed. validate exits
	# 1 when targets miss (they do: the file's values are placeholders).
	"$BIN" validate "$CFG" -s "$dseed" --set "replications=$R_OBS" \
		-o "$OUT/data_$k" -j "$JOBS" --no-plots --force -q >/dev/null || [[ $? -eq 1 ]]
	# The targets file with each value replaced by the simulated mean. It
	# must sit in CFG's folder tree (paths there are relative to CFG), so
	# a copy of CFG pointing to it is written next to the original.
	synth="$cfg_dir/targets/.recovery_$$_$k.csv"
	cfg_k="$cfg_dir/.recovery_$$_$k.cfg"
	trap 'rm -f "$synth" "$cfg_k"' EXIT
	awk -F, -v OFS=, 'NR == FNR { if (FNR > 1) mean[$1] = $4; next }
		/^#/ || /^target,/ { print; next }
		{ if (!($1 in mean)) { print "no mean for " $1 > "/dev/stderr"; exit 1 }
		  $6 = mean[$1]; print }' \
		"$OUT/data_$k/validation.csv" "$targets" > "$synth"
	sed "s#^targets *= *\".*\";#targets = \"targets/$(basename "$synth")\";#" "$CFG" > "$cfg_k"
	# (b) The fit, with its own simulation seed.
	"$BIN" calibrate "$cfg_k" -s "$sseed" -o "$OUT/fit_$k" -j "$JOBS" --no-plots --force -q
	# (c) Estimates and SEs (calibration.csv: setting,estimate,se,...).
	awk -F, -v OFS=, -v k="$k" -v d="$dseed" -v s="$sseed" \
		'NR > 1 { print k, d, s, $1, $2, $3 }' "$OUT/fit_$k/calibration.csv" >> "$fits"
	rm -f "$synth" "$cfg_k"
	echo "fit $k/$K done ($(($(date +%s) - start)) s)" >&2
done

# (d) The table, per setting.
echo "$TRUTH" | tr ' ' '\n' | awk -F= -v OFS=, '{ print $1, $2 }' > "$OUT/truth.csv"
awk -F, '
NR == FNR { truth[$1] = $2; order[++n] = $1; next }
FNR > 1 {
	p = $4; e = $5; se = $6; t = truth[p]
	if (t == "") { print "no truth for " p > "/dev/stderr"; exit 1 }
	c[p]++; s1[p] += e; s2[p] += e * e; sse[p] += se
	if (e - t <= 2 * se && t - e <= 2 * se) in2[p]++
	if (e - t <= 0.05 * t && t - e <= 0.05 * t) in5[p]++
}
END {
	printf "%-38s %8s %9s %9s %9s %6s %7s %7s\n", "setting", "truth", "mean_est",
	       "sd_est", "mean_se", "sd/se", "in_2se", "in_5%"
	for (i = 1; i <= n; i++) {
		p = order[i]; m = c[p]
		if (m == 0) continue
		mean = s1[p] / m
		sd = m > 1 ? sqrt((s2[p] - m * mean * mean) / (m - 1)) : 0
		mse = sse[p] / m
		printf "%-38s %8.4g %9.4g %9.3g %9.3g %6.2f %6.0f%% %6.0f%%\n", p, truth[p], mean,
		       sd, mse, (mse > 0 ? sd / mse : 0), 100 * in2[p] / m, 100 * in5[p] / m
	}
}' "$OUT/truth.csv" "$fits" | tee "$OUT/summary.txt"
echo "K = $K fits, R_OBS = $R_OBS; wall $(($(date +%s) - start)) s; fits in $fits"

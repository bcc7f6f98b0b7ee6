"""The meta-analysis engine against metafor's published numbers (no database).

Every expected value below is copied from metafor's own tests, help pages or README (the source
is named beside each group); none was computed here. Tolerance: 5e-5 (4 decimals) unless the
source prints fewer decimals.
"""

import math
import subprocess
import sys

import pytest

from evidence import synthesis as s

TOL = 5e-5

# dat.bcg as metafor ships it (printed in wviechtb/metafor docs/reference/dat.bcg.html and in
# README.md): tpos, tneg, cpos, cneg for the 13 trials.
BCG = [
    (4, 119, 11, 128),
    (6, 300, 29, 274),
    (3, 228, 11, 209),
    (62, 13536, 248, 12619),
    (33, 5036, 47, 5761),
    (180, 1361, 372, 1079),
    (8, 2537, 10, 619),
    (505, 87886, 499, 87892),
    (29, 7470, 45, 7232),
    (17, 1699, 65, 1600),
    (186, 50448, 141, 27197),
    (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]

# dat.normand1999 (wviechtb/metafor docs/reference/dat.normand1999.html): n1i, m1i, sd1i,
# n2i, m2i, sd2i for the 9 stroke-unit studies.
NORMAND = [
    (155, 55, 47, 156, 75, 64),
    (31, 27, 7, 32, 29, 4),
    (75, 64, 17, 71, 119, 29),
    (18, 66, 20, 18, 137, 48),
    (8, 14, 8, 13, 18, 11),
    (57, 19, 7, 52, 18, 4),
    (34, 52, 45, 33, 41, 34),
    (110, 21, 16, 183, 31, 27),
    (60, 30, 27, 52, 23, 20),
]

# dat.egger2001 (wviechtb/metadat docs/reference/dat.egger2001.html): ai, n1i, ci, n2i for the
# 16 magnesium trials; trial 8 (Bertschat) has a zero cell, trial 16 is ISIS-4.
EGGER2001 = [
    (1, 40, 2, 36),
    (9, 135, 23, 135),
    (2, 200, 7, 200),
    (1, 48, 1, 46),
    (10, 150, 8, 148),
    (1, 59, 9, 56),
    (1, 25, 3, 23),
    (0, 22, 1, 21),
    (6, 76, 11, 75),
    (1, 27, 7, 27),
    (2, 89, 12, 80),
    (5, 23, 13, 33),
    (4, 130, 8, 122),
    (90, 1159, 118, 1157),
    (4, 107, 17, 108),
    (2216, 29011, 2103, 29039),
]


def bcg(measure):
    effects = [
        s.effect_from_counts(measure, events1=a, total1=a + b, events2=c, total2=c + d)
        for a, b, c, d in BCG
    ]
    return [e.yi for e in effects], [e.vi for e in effects]


def normand(build):
    effects = [
        build(m1=m1, sd1=sd1, n1=n1, m2=m2, sd2=sd2, n2=n2) for n1, m1, sd1, n2, m2, sd2 in NORMAND
    ]
    return [e.yi for e in effects], [e.vi for e in effects]


def egger2001(*, without_isis4):
    rows = EGGER2001[:15] if without_isis4 else EGGER2001
    effects = [
        s.effect_from_counts("OR", events1=a, total1=n1, events2=c, total2=n2)
        for a, n1, c, n2 in rows
    ]
    return [e.yi for e in effects], [e.vi for e in effects]


def close(actual, expected, tol=TOL):
    return actual == pytest.approx(expected, abs=tol)


# --- effect sizes ------------------------------------------------------------------------------


def test_log_risk_ratios_of_the_bcg_trials_match_escalc():
    # docs/reference/dat.bcg.html: escalc(measure="RR", ...)
    yi, vi = bcg("RR")
    expected_yi = [-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120,
                   -0.4694, -1.3713, -0.3394, 0.4459, -0.0173]  # fmt: skip
    expected_vi = [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564,
                   0.0730, 0.0124, 0.5325, 0.0714]  # fmt: skip
    assert all(close(a, e) for a, e in zip(yi, expected_yi, strict=True))
    assert all(close(a, e) for a, e in zip(vi, expected_vi, strict=True))


def test_mean_differences_of_normand_match_escalc():
    # docs/reference/dat.normand1999.html: escalc(measure="MD", ...)
    yi, vi = normand(s.md_from_arms)
    assert yi == [-20, -2, -55, -71, -4, 1, 11, -10, 7]
    expected_vi = [40.5080, 2.0806, 15.6984, 150.2222, 17.3077, 1.1673, 94.5891, 6.3109, 19.8423]
    assert all(close(a, e) for a, e in zip(vi, expected_vi, strict=True))


def test_log_odds_ratios_add_a_half_only_to_tables_with_a_zero_cell():
    # docs/reference/regtest.html prints dat$yi for dat.egger2001 without ISIS-4; trial 8
    # (0/22 vs 1/21) is only finite because 1/2 was added to its four cells.
    yi, _ = egger2001(without_isis4=True)
    expected = [-0.83034830, -1.05605267, -1.27833981, -0.04348511, 0.22314355, -2.40751999,
                -1.28093385, -1.19170271, -0.69574796, -2.20827441, -2.03815988, -0.85015093,
                -0.79323064, -0.29933987, -1.57078846]  # fmt: skip
    assert all(close(a, e, 5e-9) for a, e in zip(yi, expected, strict=True))


def test_hedges_correction_uses_the_exact_gamma_function():
    # J(m) = Γ(m/2) / (sqrt(m/2) Γ((m-1)/2)); for m = 10 this is 0.9227... and the usual
    # approximation 1 - 3/(4m - 1) = 0.92307... differs from it in the fourth decimal.
    m = 10
    exact = math.gamma(m / 2) / (math.sqrt(m / 2) * math.gamma((m - 1) / 2))
    assert s.hedges_j(m) == pytest.approx(exact, rel=1e-12)
    assert abs(s.hedges_j(m) - (1 - 3 / (4 * m - 1))) > 1e-4


def test_an_estimate_with_its_95_ci_gives_back_its_standard_error():
    # a ratio and its CI are read on the log scale: se = (log hi - log lo) / (2 * 1.959964)
    effect = s.effect_from_ci(0.4894, 0.3441, 0.6962, measure="RR")
    assert effect.yi == pytest.approx(math.log(0.4894))
    expected_se = (math.log(0.6962) - math.log(0.3441)) / 3.919927969
    assert effect.sei == pytest.approx(expected_se, 1e-6)
    md = s.effect_from_ci(-15.1060, -32.6409, 2.4289, measure="MD")
    # rma() on dat.normand1999 prints se = 8.9466 with these CI limits; the limits are rounded
    # to 4 decimals, so the SE read back from them agrees to 1e-4
    assert close(md.sei, 8.9466, 1e-4)


def test_an_estimate_with_its_se_is_taken_as_is():
    effect = s.effect_from_se(0.65, 0.1, measure="OR")
    assert effect.yi == pytest.approx(math.log(0.65))
    assert effect.vi == pytest.approx(0.01)


# --- pooling: dat.bcg, log RR ------------------------------------------------------------------


def test_fixed_effect_on_bcg_matches_stata_metan():
    # tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r (FE, measure="RR")
    yi, vi = bcg("RR")
    for method in ("FE", "EE"):
        r = s.pool(yi, vi, method=method)
        assert close(r.estimate, -0.4303)
        assert close(r.ci_low, -0.5097) and close(r.ci_high, -0.3509)
        assert close(r.statistic, -10.6247)
        assert close(r.q, 152.2330) and r.q_df == 12
        assert r.tau2 == 0 and r.pi_low is None and r.pi_high is None
        ratio = s.ratio_scale(r)
        assert close(ratio.estimate, 0.6503)
        assert close(ratio.ci_low, 0.6007) and close(ratio.ci_high, 0.7040)


def test_dersimonian_laird_on_bcg_matches_stata_metan():
    # same file (RE model w/ DL estimator, measure="RR")
    yi, vi = bcg("RR")
    r = s.pool(yi, vi, method="DL")
    assert close(r.estimate, -0.7141)
    assert close(r.ci_low, -1.0644) and close(r.ci_high, -0.3638)
    assert close(r.statistic, -3.9952)
    assert close(r.tau2, 0.3088)
    assert close(r.i2, 92.1173)
    ratio = s.ratio_scale(r)
    assert close(ratio.estimate, 0.4896)
    assert close(ratio.ci_low, 0.3449) and close(ratio.ci_high, 0.6950)


def test_log_odds_ratios_and_risk_differences_of_bcg_pool_as_in_metan():
    # same file: FE and DL for measure="OR" and measure="RD"
    yi, vi = bcg("OR")
    fe = s.pool(yi, vi, method="FE")
    assert close(fe.estimate, -0.4361) and close(fe.statistic, -10.3190)
    assert close(fe.ci_low, -0.5190) and close(fe.ci_high, -0.3533)
    assert close(fe.q, 163.1649)
    dl = s.pool(yi, vi, method="DL")
    assert close(dl.estimate, -0.7474) and close(dl.statistic, -3.8873)
    assert close(dl.ci_low, -1.1242) and close(dl.ci_high, -0.3706)
    assert close(dl.tau2, 0.3663) and close(dl.i2, 92.6455)
    yi, vi = bcg("RD")
    fe = s.pool(yi, vi, method="FE")
    assert close(fe.estimate, -0.0009) and close(fe.statistic, -4.0448)
    assert close(fe.q, 276.4737)
    dl = s.pool(yi, vi, method="DL")
    assert close(dl.estimate, -0.0071) and close(dl.statistic, -4.5128)
    assert close(dl.ci_low, -0.0101) and close(dl.ci_high, -0.0040)
    assert close(dl.i2, 95.6596)


def test_reml_on_bcg_matches_the_printed_rma_output():
    # docs/reference/dat.bcg.html: rma(yi, vi, data=dat) and predict(res, transf=exp)
    yi, vi = bcg("RR")
    r = s.pool(yi, vi)
    assert r.method is s.Method.REML and r.test is s.Test.Z and r.df is None
    assert close(r.tau2, 0.3132) and close(r.se_tau2, 0.1664)
    assert close(r.tau, 0.5597)
    assert close(r.i2, 92.22, 5e-3) and close(r.h2, 12.86, 5e-3)
    assert close(r.q, 152.2330) and r.q_p < 1e-4
    assert close(r.estimate, -0.7145) and close(r.se, 0.1798)
    assert close(r.statistic, -3.9744) and r.p_value < 1e-4
    assert close(r.ci_low, -1.0669) and close(r.ci_high, -0.3622)
    ratio = s.ratio_scale(r)
    assert close(ratio.estimate, 0.4894)
    assert close(ratio.ci_low, 0.3441) and close(ratio.ci_high, 0.6962)
    # the prediction interval with test="z": normal quantile and sqrt(tau² + se²)
    assert close(ratio.pi_low, 0.1546) and close(ratio.pi_high, 1.5490)


def test_knapp_hartung_on_bcg_matches_the_metafor_readme():
    # README.md: rma(yi, vi, data=dat, test="knha") and predict(res, transf=exp, digits=2)
    yi, vi = bcg("RR")
    r = s.pool(yi, vi, test="knha")
    assert close(r.tau2, 0.3132)
    assert close(r.se, 0.1808) and close(r.statistic, -3.9522) and r.df == 12
    assert close(r.p_value, 0.0019)
    assert close(r.ci_low, -1.1084) and close(r.ci_high, -0.3206)
    ratio = s.ratio_scale(r)
    assert close(ratio.estimate, 0.49, 5e-3)
    assert close(ratio.ci_low, 0.33, 5e-3) and close(ratio.ci_high, 0.73, 5e-3)
    # with knha the prediction interval uses t(k - 1): wider than the z one above
    assert close(ratio.pi_low, 0.14, 5e-3) and close(ratio.pi_high, 1.76, 5e-3)


def test_paule_mandel_on_bcg_reaches_the_iterated_dl_fixed_point():
    # tests/testthat/test_misc_rma_uni.r: method="DLIT" and "SJIT" both give tau² = 0.3181;
    # both iterate to the root of Q(tau²) = k - 1, which is the Paule-Mandel estimator.
    # (metafor's tests pin no PM value of their own on dat.bcg.)
    yi, vi = bcg("RR")
    r = s.pool(yi, vi, method="PM")
    assert close(r.tau2, 0.3181)
    weights = [1 / (v + r.tau2) for v in vi]
    mu = sum(w * y for w, y in zip(weights, yi, strict=True)) / sum(weights)
    generalised_q = sum(w * (y - mu) ** 2 for w, y in zip(weights, yi, strict=True))
    assert generalised_q == pytest.approx(len(yi) - 1, abs=1e-8)


def test_weights_are_percentages_of_the_random_effects_weights():
    yi, vi = bcg("RR")
    r = s.pool(yi, vi)
    assert sum(r.weights) == pytest.approx(100)
    raw = [1 / (v + r.tau2) for v in vi]
    assert r.weights[0] == pytest.approx(100 * raw[0] / sum(raw))


# --- pooling: continuous outcomes (dat.normand1999) --------------------------------------------


def test_reml_on_normand_mean_differences_matches_the_printed_rma_output():
    # docs/reference/dat.normand1999.html: rma(yi, vi, data=dat) with measure="MD"
    yi, vi = normand(s.md_from_arms)
    r = s.pool(yi, vi)
    assert close(r.tau2, 684.6462) and close(r.se_tau2, 359.7541)
    assert close(r.tau, 26.1657)
    assert close(r.i2, 98.97, 5e-3) and close(r.h2, 97.21, 5e-3)
    assert close(r.q, 238.9158) and r.q_df == 8
    assert close(r.estimate, -15.1060) and close(r.se, 8.9466)
    assert close(r.statistic, -1.6885) and close(r.p_value, 0.0913)
    assert close(r.ci_low, -32.6409) and close(r.ci_high, 2.4289)


def test_reml_on_normand_standardised_mean_differences_matches_the_printed_rma_output():
    # docs/reference/dat.normand1999.html: rma(measure="SMD", ...)
    yi, vi = normand(s.smd_from_arms)
    r = s.pool(yi, vi)
    assert close(r.tau2, 0.7908) and close(r.se_tau2, 0.4281)
    assert close(r.tau, 0.8893)
    assert close(r.i2, 95.49, 5e-3) and close(r.h2, 22.20, 5e-3)
    assert close(r.q, 123.7293)
    assert close(r.estimate, -0.5371) and close(r.se, 0.3087)
    assert close(r.statistic, -1.7401) and close(r.p_value, 0.0818)
    assert close(r.ci_low, -1.1421) and close(r.ci_high, 0.0679)


def test_smd_reml_on_the_first_four_normand_studies_matches_metafor_tests():
    # tests/testthat/test_misc_rma_uni.r: escalc(measure="SMD", ..., subset=1:4); tau² = 1.0090
    yi, vi = normand(s.smd_from_arms)
    assert close(s.pool(yi[:4], vi[:4]).tau2, 1.0090)


def test_normand_mean_differences_with_pooled_sds_match_the_paper_table_ix():
    # tests/testthat/test_analysis_example_normand1999.r (2 decimals, as in Normand 1999)
    pooled = []
    for n1, m1, sd1, n2, m2, sd2 in NORMAND:
        sdp = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
        pooled.append(s.md_from_arms(m1=m1, sd1=sdp, n1=n1, m2=m2, sd2=sdp, n2=n2))
    yi, vi = [e.yi for e in pooled], [e.vi for e in pooled]
    fe = s.pool(yi, vi, method="FE")
    assert round(fe.estimate, 2) == -3.49
    assert round(fe.ci_low, 2) == -5.03 and round(fe.ci_high, 2) == -1.96
    dl = s.pool(yi, vi, method="DL")
    assert round(dl.estimate, 2) == -14.10 and round(dl.tau2, 2) == 218.72
    assert round(dl.ci_low, 2) == -24.45 and round(dl.ci_high, 2) == -3.75
    reml = s.pool(yi, vi)
    assert round(reml.estimate, 2) == -15.12 and round(reml.tau2, 2) == 685.20
    assert round(reml.ci_low, 2) == -32.67 and round(reml.ci_high, 2) == 2.43


# --- Egger's regression test -------------------------------------------------------------------


def test_egger_random_effects_version_matches_regtest_on_egger2001():
    # docs/reference/regtest.html: regtest(res) on dat.egger2001 without ISIS-4 (k = 15)
    yi, vi = egger2001(without_isis4=True)
    pooled = s.pool(yi, vi)  # the model regtest() is given, printed on the same page
    assert close(pooled.tau2, 0.1911) and close(pooled.estimate, -0.8745)
    assert close(pooled.q, 20.9184) and close(pooled.q_p, 0.1037)
    r = s.egger_test(yi, vi)
    assert r.performed and r.reason == "" and r.k == 15 and r.df is None
    assert close(r.statistic, -2.8062) and close(r.p_value, 0.0050)
    assert close(r.limit_estimate, -0.1639)
    assert close(r.limit_ci_low, -0.5681) and close(r.limit_ci_high, 0.2402)


def test_classical_egger_test_matches_regtest_lm_on_egger2001():
    # docs/reference/regtest.html: regtest(res, model="lm")
    yi, vi = egger2001(without_isis4=True)
    r = s.egger_test(yi, vi, model="lm")
    assert r.model is s.EggerModel.LM and r.df == 13
    assert close(r.statistic, -3.1783) and close(r.p_value, 0.0073)
    assert close(r.limit_estimate, -0.1512)
    assert close(r.limit_ci_low, -0.5130) and close(r.limit_ci_high, 0.2106)


def test_egger_test_with_all_sixteen_magnesium_trials_matches_metafor_tests():
    # tests/testthat/test_misc_pub_bias.r: regtest(res)$zval = -4.6686 (ISIS-4 included)
    yi, vi = egger2001(without_isis4=False)
    assert round(s.egger_test(yi, vi).statistic, 4) == -4.6686


def test_egger_test_follows_the_model_test_so_knha_gives_t_on_bcg():
    # README.md: regtest(res) where res used test="knha": t = -0.7812, df = 11, p = 0.4512
    yi, vi = bcg("RR")
    r = s.egger_test(yi, vi, test="knha")
    assert r.df == 11
    assert close(r.statistic, -0.7812) and close(r.p_value, 0.4512)
    assert close(r.limit_estimate, -0.5104)
    assert close(r.limit_ci_low, -1.2123) and close(r.limit_ci_high, 0.1915)


def test_egger_test_is_refused_below_ten_studies_with_the_reason():
    yi, vi = normand(s.md_from_arms)  # k = 9
    r = s.egger_test(yi, vi)
    assert not r.performed
    assert "9 studies" in r.reason and "10.4.3.1" in r.reason
    assert r.statistic is None and r.p_value is None and r.limit_estimate is None


# --- vote counting -----------------------------------------------------------------------------


def test_vote_count_counts_directions_and_leaves_out_studies_without_one():
    votes = ["positive"] * 8 + ["negative"] * 2 + ["none"]
    r = s.vote_count(votes)
    assert (r.positive, r.negative, r.no_direction, r.n) == (8, 2, 1, 10)
    # exact two-sided sign test: 2 * (C(10,0) + C(10,1) + C(10,2)) / 2^10 = 112 / 1024
    assert r.p_value == pytest.approx(112 / 1024)


def test_sign_test_agrees_with_scipy_binomtest():
    from scipy.stats import binomtest

    for x, n in [(0, 1), (3, 7), (6, 6), (9, 20), (15, 20), (50, 101)]:
        expected = binomtest(x, n, 0.5, alternative="two-sided").pvalue
        assert s.sign_test_p(x, n) == pytest.approx(expected, rel=1e-12)


def test_an_even_split_or_no_votes_gives_p_of_one():
    assert s.vote_count(["positive", "negative"]).p_value == 1.0
    assert s.vote_count(["none", "none"]).p_value == 1.0


# --- the distributions behind p-values and intervals -------------------------------------------


def test_t_and_chi_square_tails_agree_with_scipy():
    from scipy import stats

    for df in (1, 2, 5, 12, 30, 200):
        for t in (0.1, 1.0, 2.2, 4.0, 9.0):
            assert s._t_sf(t, df) == pytest.approx(stats.t.sf(t, df), rel=1e-9)
        for p in (0.6, 0.975, 0.995):
            assert s._t_ppf(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9)
        for q in (0.5, 3.0, 12.0, 40.0, 250.0):
            assert s._chi2_sf(q, df) == pytest.approx(stats.chi2.sf(q, df), rel=1e-8)


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: s.pool([0.1, 0.2], [0.01, 0.0]), "above 0"),
        (lambda: s.pool([0.1, 0.2], [0.01, -1.0]), "above 0"),
        (lambda: s.pool([0.1], [0.01]), "at least 2"),
        (lambda: s.pool([0.1, 0.2], [0.01]), "2 effects but 1"),
        (lambda: s.pool([0.1, 0.2], [0.01, 0.02], method="HS"), "Unknown method"),
        (lambda: s.md_from_arms(m1=1, sd1=0, n1=10, m2=2, sd2=1, n2=10), "SD of group 1"),
        (lambda: s.smd_from_arms(m1=1, sd1=1, n1=10, m2=2, sd2=-1, n2=10), "SD of group 2"),
        (
            lambda: s.effect_from_counts("RR", events1=11, total1=10, events2=1, total2=10),
            "more events",
        ),
        (
            lambda: s.effect_from_counts("SMD", events1=1, total1=10, events2=1, total2=10),
            "RR, OR or RD",
        ),
        (lambda: s.effect_from_ci(2.0, 0.5, 1.5, measure="RR"), "does not contain"),
        (lambda: s.effect_from_ci(1.0, 1.0, 1.0), "no width"),
        (lambda: s.effect_from_se(0.3, 0.0), "above 0"),
        (lambda: s.effect_from_ci(1.0, 0.5, 1.5, measure="HR?"), "Unknown measure"),
        (lambda: s.vote_count(["up"]), "Unknown direction"),
    ],
)
def test_bad_input_raises_a_plain_synthesis_error(call, words):
    with pytest.raises(s.SynthesisError, match=words):
        call()
    assert issubclass(s.SynthesisError, ValueError)


def test_importing_the_engine_loads_neither_numpy_nor_scipy_nor_django():
    code = (
        "import sys, evidence.synthesis; "
        "print(sorted(m for m in ('numpy', 'scipy', 'django') if m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="."
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("method", "statsmodels_method"), [("DL", "dl"), ("PM", "pm")])
def test_dl_and_pm_agree_with_statsmodels_on_dat_bcg(method, statsmodels_method):
    # A second, independent implementation (statsmodels' combine_effects, a test tool here):
    # τ², the random-effects mean and its SE agree to PM's iteration tolerance.
    from statsmodels.stats.meta_analysis import combine_effects

    yi, vi = bcg("RR")
    ours = s.pool(yi, vi, method=method)
    import numpy as np

    theirs = combine_effects(np.array(yi), np.array(vi), method_re=statsmodels_method)
    assert ours.tau2 == pytest.approx(theirs.tau2, abs=1e-6)
    assert ours.estimate == pytest.approx(theirs.mean_effect_re, abs=1e-6)
    assert ours.se == pytest.approx(theirs.sd_eff_w_re, abs=1e-6)
